package dev.ztna.server.tls;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Parser of a client's TLS 1.3 Certificate message (RFC 8446 §4.4.2):
 *
 * <pre>
 * struct { opaque certificate_request_context&lt;0..2^8-1&gt;;
 *          CertificateEntry certificate_list&lt;0..2^24-1&gt;; } Certificate;
 * struct { opaque cert_data&lt;1..2^24-1&gt;; Extension extensions&lt;0..2^16-1&gt;; }
 *     CertificateEntry;
 * </pre>
 *
 * The server's CertificateRequest carries an empty context and requests no per-certificate
 * extension (no status_request, no signed_certificate_timestamp), so the context must be empty and
 * an entry with an extension is refused with unsupported_extension (RFC 8446 §4.2, §4.4.2). Never
 * throws: malformed input gives an alert.
 */
final class CertificateMessage {
  /** Most certificates accepted in one message (the chain limit of the trust anchors). */
  static final int MAX_CERTIFICATES = dev.ztna.server.certs.TrustAnchors.MAX_CHAIN;

  final List<byte[]> certificates = new ArrayList<>();

  /**
   * Parses a whole handshake message (4-byte header included).
   *
   * @return 0, or a TLS alert: decode_error for a bad length anywhere, illegal_parameter for a
   *     non-empty certificate_request_context, unsupported_extension for an entry extension,
   *     bad_certificate for more than {@link #MAX_CERTIFICATES} certificates
   */
  int parse(byte[] msg) {
    certificates.clear();
    if (msg.length < 4 || (msg[0] & 0xff) != TlsServerHandshake.CERTIFICATE) {
      return TlsAlert.UNEXPECTED_MESSAGE;
    }
    int end = msg.length;
    if (u24(msg, 1) != end - 4) {
      return TlsAlert.DECODE_ERROR;
    }
    int p = 4;
    if (p + 1 > end) {
      return TlsAlert.DECODE_ERROR;
    }
    int ctxLen = msg[p] & 0xff;
    p += 1;
    if (p + ctxLen > end) {
      return TlsAlert.DECODE_ERROR;
    }
    p += ctxLen;
    if (p + 3 > end) {
      return TlsAlert.DECODE_ERROR;
    }
    int listLen = u24(msg, p);
    p += 3;
    if (p + listLen != end) {
      return TlsAlert.DECODE_ERROR;
    }
    boolean extensionSeen = false;
    while (p < end) {
      if (p + 3 > end) {
        return TlsAlert.DECODE_ERROR;
      }
      int certLen = u24(msg, p);
      p += 3;
      if (certLen == 0 || p + certLen > end) {
        return TlsAlert.DECODE_ERROR;
      }
      int certStart = p;
      p += certLen;
      if (p + 2 > end) {
        return TlsAlert.DECODE_ERROR;
      }
      int extLen = ((msg[p] & 0xff) << 8) | (msg[p + 1] & 0xff);
      p += 2;
      if (p + extLen > end) {
        return TlsAlert.DECODE_ERROR;
      }
      int extEnd = p + extLen;
      while (p < extEnd) {
        if (p + 4 > extEnd) {
          return TlsAlert.DECODE_ERROR;
        }
        int len = ((msg[p + 2] & 0xff) << 8) | (msg[p + 3] & 0xff);
        p += 4;
        if (p + len > extEnd) {
          return TlsAlert.DECODE_ERROR;
        }
        p += len;
        extensionSeen = true;
      }
      if (certificates.size() == MAX_CERTIFICATES) {
        certificates.clear();
        return TlsAlert.BAD_CERTIFICATE;
      }
      certificates.add(Arrays.copyOfRange(msg, certStart, certStart + certLen));
    }
    if (ctxLen != 0) {
      // RFC 8446 §4.4.2: the context of the CertificateRequest (empty) is echoed.
      certificates.clear();
      return TlsAlert.ILLEGAL_PARAMETER;
    }
    if (extensionSeen) {
      certificates.clear();
      return TlsAlert.UNSUPPORTED_EXTENSION;
    }
    return 0;
  }

  private static int u24(byte[] b, int off) {
    return ((b[off] & 0xff) << 16) | ((b[off + 1] & 0xff) << 8) | (b[off + 2] & 0xff);
  }
}
