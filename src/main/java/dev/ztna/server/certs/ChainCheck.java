package dev.ztna.server.certs;

/**
 * The outcome of checking a client's certificate chain against the configured trust anchors ({@link
 * TrustAnchors#validate}); the TLS layer maps each failure to its alert (RFC 8446 §6.2).
 */
public enum ChainCheck {
  /** The chain is valid for client authentication. */
  VALID,
  /** Malformed, bad signature inside the chain, not a CA where one is needed, and similar. */
  BAD_CERTIFICATE,
  /** Valid, but not usable for client authentication (extended/key usage). */
  UNSUPPORTED_CERTIFICATE,
  /** The chain does not lead to a configured trust anchor. */
  UNKNOWN_CA,
  /** A certificate of the chain (or its anchor) is expired or not yet valid. */
  EXPIRED
}
