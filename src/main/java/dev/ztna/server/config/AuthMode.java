package dev.ztna.server.config;

/** Client authentication. */
public enum AuthMode {
  /** Any client that completes the handshake (development only; logged as a WARN at start). */
  NONE,
  /** Mutual TLS: clients present a certificate chaining to {@code auth.client_ca}. */
  MTLS
}
