package dev.ztna.server.tls;

/**
 * Why client authentication failed, for counters and logs; each kind closes the connection with the
 * TLS alert it names (RFC 8446 §6.2), as QUIC CRYPTO_ERROR {@code 0x100 + alert}.
 */
public enum ClientAuthFailure {
  /** Authentication did not fail (or was not attempted). */
  NONE("none"),
  /** An empty Certificate although one is required: certificate_required (116). */
  CERTIFICATE_REQUIRED("certificate_required"),
  /** Undecodable certificate, bad signature inside the chain, no identity: bad_certificate (42). */
  BAD_CERTIFICATE("bad_certificate"),
  /**
   * Not usable for client authentication (key usage without digitalSignature, extended key usage
   * without clientAuth): unsupported_certificate (43).
   */
  UNSUPPORTED_CERTIFICATE("unsupported_certificate"),
  /** The chain leads to no configured trust anchor: unknown_ca (48). */
  UNKNOWN_CA("unknown_ca"),
  /** Expired or not yet valid: certificate_expired (45). */
  CERTIFICATE_EXPIRED("certificate_expired"),
  /**
   * CertificateVerify signature wrong (decrypt_error, 51) or its scheme not offered or not fitting
   * the key (illegal_parameter, 47).
   */
  BAD_CERTIFICATE_VERIFY("bad_certificate_verify"),
  /**
   * Client authentication messages out of order or malformed (unexpected_message, decode_error,
   * illegal_parameter, unsupported_extension).
   */
  PROTOCOL_ERROR("protocol_error");

  private final String label;

  ClientAuthFailure(String label) {
    this.label = label;
  }

  /** A stable snake_case name for logs. */
  public String label() {
    return label;
  }
}
