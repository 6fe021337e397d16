package dev.ztna.server.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@code [auth]} table: client authentication mode and, with {@link AuthMode#MTLS}, the PEM
 * bundle of trust anchors for client certificates (checked to exist when the configuration is
 * read).
 */
public final class AuthSettings {
  public final AuthMode mode;

  /** The trust-anchor bundle; {@code null} when unset (always set with {@link AuthMode#MTLS}). */
  public final Path clientCa;

  public AuthSettings(AuthMode mode, Path clientCa) {
    this.mode = Objects.requireNonNull(mode);
    this.clientCa = clientCa;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AuthSettings
        && ((AuthSettings) o).mode == mode
        && Objects.equals(((AuthSettings) o).clientCa, clientCa);
  }

  @Override
  public int hashCode() {
    return Objects.hash(mode, clientCa);
  }

  @Override
  public String toString() {
    return "auth " + mode + (clientCa == null ? "" : ", client CA " + clientCa);
  }
}
