package dev.ztna.server.tls;

import dev.ztna.server.certs.PeerIdentity;
import dev.ztna.server.certs.TlsSignatures;
import dev.ztna.server.certs.TrustAnchors;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/**
 * The server's side of client authentication in one handshake (RFC 8446 §4.3.2, §4.4.2, §4.4.3):
 * writes the CertificateRequest, then checks the client's Certificate (decoding, PKIX validation
 * against the {@link ClientAuth} anchors, identity) and CertificateVerify (scheme offered and
 * fitting the leaf key, signature over the transcript). Each check returns 0 or the TLS alert to
 * close with, and records the {@link ClientAuthFailure} for counters and logs.
 */
final class ClientCertificateVerifier {
  static final int CERTIFICATE_REQUEST = 13;
  private static final int EXT_SIGNATURE_ALGORITHMS = 13;
  private static final int EXT_CERTIFICATE_AUTHORITIES = 47;

  /** Largest client Certificate message accepted (a chain of a few RSA-4096 certificates). */
  static final int MAX_CERTIFICATE_MESSAGE = 12_000;

  /** Largest CertificateVerify: scheme, length and an RSA-8192 signature, with room to spare. */
  static final int MAX_CERTIFICATE_VERIFY = 2 + 2 + 2048;

  private static final byte[] CLIENT_CONTEXT =
      "TLS 1.3, client CertificateVerify".getBytes(StandardCharsets.US_ASCII);

  private final ClientAuth auth;
  private final int[] offered = TlsSignatures.clientSchemes();
  private X509Certificate leaf;
  private String identity;
  private ClientAuthFailure failure = ClientAuthFailure.NONE;
  private String detail;

  ClientCertificateVerifier(ClientAuth auth) {
    this.auth = auth;
  }

  /**
   * Appends the CertificateRequest: empty context, signature_algorithms, certificate_authorities.
   */
  void writeCertificateRequest(ByteWriter w) {
    w.u8(CERTIFICATE_REQUEST);
    int msgLen = w.beginLength(3);
    w.u8(0); // certificate_request_context: empty, the handshake's only request
    int extLen = w.beginLength(2);
    w.u16(EXT_SIGNATURE_ALGORITHMS);
    w.u16(2 + 2 * offered.length).u16(2 * offered.length);
    for (int scheme : offered) {
      w.u16(scheme);
    }
    byte[] authorities = auth.sendsCertificateAuthorities() ? certificateAuthorities() : null;
    if (authorities != null) {
      w.u16(EXT_CERTIFICATE_AUTHORITIES).u16(authorities.length).bytes(authorities);
    }
    w.endLength(extLen, 2);
    w.endLength(msgLen, 3);
  }

  /** RFC 8446 §4.2.4: DistinguishedName authorities&lt;3..2^16-1&gt;; null if too large. */
  private byte[] certificateAuthorities() {
    ByteWriter w = new ByteWriter(256);
    int listLen = w.beginLength(2);
    for (X500Principal p : auth.anchors().subjects()) {
      byte[] der = p.getEncoded();
      w.u16(der.length).bytes(der);
    }
    w.endLength(listLen, 2);
    return w.length() > 60_000 ? null : w.toByteArray();
  }

  /**
   * The client's Certificate (whole message).
   *
   * @return 0, or an alert; {@link #isEmpty()} tells whether the client sent no certificate (then
   *     no CertificateVerify follows, RFC 8446 §4.4.3)
   */
  int onCertificate(byte[] msg, Instant now) {
    CertificateMessage m = new CertificateMessage();
    int r = m.parse(msg);
    if (r != 0) {
      return fail(
          r == TlsAlert.BAD_CERTIFICATE
              ? ClientAuthFailure.BAD_CERTIFICATE
              : ClientAuthFailure.PROTOCOL_ERROR,
          r,
          "malformed Certificate message");
    }
    if (m.certificates.isEmpty()) {
      if (auth.isRequired()) {
        // RFC 8446 §4.4.2.4: the server MAY abort with certificate_required.
        return fail(
            ClientAuthFailure.CERTIFICATE_REQUIRED,
            TlsAlert.CERTIFICATE_REQUIRED,
            "no client certificate");
      }
      return 0;
    }
    List<X509Certificate> chain = new ArrayList<>(m.certificates.size());
    try {
      CertificateFactory f = CertificateFactory.getInstance("X.509");
      for (byte[] der : m.certificates) {
        chain.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(der)));
      }
    } catch (CertificateException | RuntimeException e) {
      return fail(
          ClientAuthFailure.BAD_CERTIFICATE, TlsAlert.BAD_CERTIFICATE, "undecodable certificate");
    }
    TrustAnchors.Result result = auth.anchors().validate(chain, now);
    switch (result.check()) {
      case VALID:
        break;
      case EXPIRED:
        return fail(
            ClientAuthFailure.CERTIFICATE_EXPIRED, TlsAlert.CERTIFICATE_EXPIRED, result.detail());
      case UNKNOWN_CA:
        return fail(ClientAuthFailure.UNKNOWN_CA, TlsAlert.UNKNOWN_CA, result.detail());
      case UNSUPPORTED_CERTIFICATE:
        // RFC 8446 §6.2 unsupported_certificate; OpenSSL maps X509_V_ERR_INVALID_PURPOSE (a
        // leaf whose extended key usage lacks clientAuth) to the same alert.
        return fail(
            ClientAuthFailure.UNSUPPORTED_CERTIFICATE,
            TlsAlert.UNSUPPORTED_CERTIFICATE,
            result.detail());
      default:
        return fail(ClientAuthFailure.BAD_CERTIFICATE, TlsAlert.BAD_CERTIFICATE, result.detail());
    }
    X509Certificate first = chain.get(0);
    String id = PeerIdentity.of(first);
    if (id == null) {
      return fail(
          ClientAuthFailure.BAD_CERTIFICATE,
          TlsAlert.BAD_CERTIFICATE,
          "no usable identity (SAN URI, SAN DNS name or subject CN)");
    }
    boolean usable = false;
    for (int scheme : offered) {
      usable |= TlsSignatures.matchesKey(scheme, first.getPublicKey());
    }
    if (!usable) {
      return fail(
          ClientAuthFailure.UNSUPPORTED_CERTIFICATE,
          TlsAlert.UNSUPPORTED_CERTIFICATE,
          "public key type " + first.getPublicKey().getAlgorithm() + " fits no offered scheme");
    }
    leaf = first;
    identity = id;
    return 0;
  }

  /** True when the client's Certificate carried no certificate (only valid if optional). */
  boolean isEmpty() {
    return leaf == null;
  }

  /**
   * The client's CertificateVerify (whole message), checked against the transcript hash up to and
   * including its Certificate.
   */
  int onCertificateVerify(byte[] msg, byte[] transcriptHash) {
    if (msg.length < 8) {
      return fail(
          ClientAuthFailure.PROTOCOL_ERROR, TlsAlert.DECODE_ERROR, "short CertificateVerify");
    }
    int scheme = ((msg[4] & 0xff) << 8) | (msg[5] & 0xff);
    int sigLen = ((msg[6] & 0xff) << 8) | (msg[7] & 0xff);
    if (8 + sigLen != msg.length || sigLen == 0) {
      return fail(
          ClientAuthFailure.PROTOCOL_ERROR, TlsAlert.DECODE_ERROR, "CertificateVerify length");
    }
    boolean wasOffered = false;
    for (int s : offered) {
      wasOffered |= s == scheme;
    }
    // RFC 8446 §4.4.3: the scheme must be one the CertificateRequest offered (and, §4.2.3, fit the
    // key); like BoringSSL and OpenSSL, anything else is an illegal_parameter.
    if (!wasOffered || !TlsSignatures.matchesKey(scheme, leaf.getPublicKey())) {
      return fail(
          ClientAuthFailure.BAD_CERTIFICATE_VERIFY,
          TlsAlert.ILLEGAL_PARAMETER,
          String.format(java.util.Locale.ROOT, "signature scheme 0x%04x not usable", scheme));
    }
    byte[] content = new byte[64 + CLIENT_CONTEXT.length + 1 + transcriptHash.length];
    Arrays.fill(content, 0, 64, (byte) 0x20);
    System.arraycopy(CLIENT_CONTEXT, 0, content, 64, CLIENT_CONTEXT.length);
    System.arraycopy(
        transcriptHash, 0, content, content.length - transcriptHash.length, transcriptHash.length);
    byte[] signature = Arrays.copyOfRange(msg, 8, msg.length);
    if (!TlsSignatures.verify(scheme, leaf.getPublicKey(), content, signature)) {
      // RFC 8446 §4.4.3: a failed verification is a decrypt_error.
      return fail(
          ClientAuthFailure.BAD_CERTIFICATE_VERIFY,
          TlsAlert.DECRYPT_ERROR,
          "CertificateVerify signature does not verify");
    }
    return 0;
  }

  /** Records a failure that the handshake's message order detected. */
  int protocolError(int alert, String why) {
    return fail(ClientAuthFailure.PROTOCOL_ERROR, alert, why);
  }

  private int fail(ClientAuthFailure kind, int alert, String why) {
    failure = kind;
    detail = why;
    return alert;
  }

  /** The verified identity, or null (anonymous or not yet verified). */
  String identity() {
    return identity;
  }

  ClientAuthFailure failure() {
    return failure;
  }

  /** Why it failed (for debug logs), or null. */
  String detail() {
    return detail;
  }
}
