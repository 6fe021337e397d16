package dev.ztna.server.tls;

/**
 * TLS alert descriptions (RFC 8446 §6, RFC 7301 §3.2). In QUIC an alert is never sent as a TLS
 * record: the connection closes with CRYPTO_ERROR {@code 0x100 + description} (RFC 9001 §4.8).
 */
public final class TlsAlert {
  public static final int CLOSE_NOTIFY = 0;
  public static final int UNEXPECTED_MESSAGE = 10;
  public static final int BAD_RECORD_MAC = 20;
  public static final int RECORD_OVERFLOW = 22;
  public static final int HANDSHAKE_FAILURE = 40;
  public static final int BAD_CERTIFICATE = 42;
  public static final int UNSUPPORTED_CERTIFICATE = 43;
  public static final int CERTIFICATE_REVOKED = 44;
  public static final int CERTIFICATE_EXPIRED = 45;
  public static final int CERTIFICATE_UNKNOWN = 46;
  public static final int ILLEGAL_PARAMETER = 47;
  public static final int UNKNOWN_CA = 48;
  public static final int ACCESS_DENIED = 49;
  public static final int DECODE_ERROR = 50;
  public static final int DECRYPT_ERROR = 51;
  public static final int PROTOCOL_VERSION = 70;
  public static final int INSUFFICIENT_SECURITY = 71;
  public static final int INTERNAL_ERROR = 80;
  public static final int INAPPROPRIATE_FALLBACK = 86;
  public static final int USER_CANCELED = 90;
  public static final int MISSING_EXTENSION = 109;
  public static final int UNSUPPORTED_EXTENSION = 110;
  public static final int UNRECOGNIZED_NAME = 112;
  public static final int BAD_CERTIFICATE_STATUS_RESPONSE = 113;
  public static final int UNKNOWN_PSK_IDENTITY = 115;
  public static final int CERTIFICATE_REQUIRED = 116;
  public static final int NO_APPLICATION_PROTOCOL = 120;

  /** Base of the QUIC CRYPTO_ERROR range (RFC 9001 §4.8). */
  public static final int QUIC_CRYPTO_ERROR_BASE = 0x100;

  private TlsAlert() {}

  /** The QUIC transport error code for an alert: {@code 0x100 + description}. */
  public static int toQuicErrorCode(int description) {
    return QUIC_CRYPTO_ERROR_BASE + (description & 0xff);
  }
}
