package dev.ztna.server.tls;

import dev.ztna.server.certs.TrustAnchors;
import java.util.Objects;

/**
 * Client authentication settings (mutual TLS): the trust anchors for client certificates and
 * whether a certificate is required. With client authentication configured the server sends a
 * CertificateRequest (RFC 8446 §4.3.2) in every handshake.
 */
public final class ClientAuth {
  private final TrustAnchors anchors;
  private final boolean required;
  private final boolean sendCertificateAuthorities;

  private ClientAuth(TrustAnchors anchors, boolean required, boolean sendCertificateAuthorities) {
    this.anchors = Objects.requireNonNull(anchors, "anchors");
    this.required = required;
    this.sendCertificateAuthorities = sendCertificateAuthorities;
  }

  /**
   * A certificate is required (an empty Certificate fails with certificate_required); the
   * CertificateRequest names the anchors in certificate_authorities.
   */
  public static ClientAuth required(TrustAnchors anchors) {
    return new ClientAuth(anchors, true, true);
  }

  /**
   * A certificate is optional: a client may send an empty Certificate and stays anonymous, but one
   * that sends a certificate must pass every check.
   */
  public static ClientAuth optional(TrustAnchors anchors) {
    return new ClientAuth(anchors, false, true);
  }

  /** The same settings without the certificate_authorities extension. */
  public ClientAuth withoutCertificateAuthorities() {
    return new ClientAuth(anchors, required, false);
  }

  public TrustAnchors anchors() {
    return anchors;
  }

  public boolean isRequired() {
    return required;
  }

  public boolean sendsCertificateAuthorities() {
    return sendCertificateAuthorities;
  }

  @Override
  public String toString() {
    return (required ? "required" : "optional") + ", " + anchors.describe();
  }
}
