package dev.ztna.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The client Certificate message parser (RFC 8446 §4.4.2): well-formed messages give back their
 * certificates; any other input gives an alert and never throws (jqwik prints its seed).
 */
class CertificateMessageProperties {

  @Provide
  Arbitrary<List<byte[]>> chains() {
    return Arbitraries.bytes()
        .array(byte[].class)
        .ofMinSize(1)
        .ofMaxSize(600)
        .list()
        .ofMaxSize(CertificateMessage.MAX_CERTIFICATES);
  }

  static byte[] encode(int ctxLen, List<byte[]> certs, int extensionBytes) {
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    for (byte[] c : certs) {
      u24(list, c.length);
      list.writeBytes(c);
      if (extensionBytes > 0) {
        list.write(0);
        list.write(4 + extensionBytes);
        list.write(0);
        list.write(5); // status_request: never requested by the server
        list.write(0);
        list.write(extensionBytes);
        list.writeBytes(new byte[extensionBytes]);
      } else {
        list.write(0);
        list.write(0);
      }
    }
    byte[] l = list.toByteArray();
    ByteArrayOutputStream m = new ByteArrayOutputStream();
    m.write(11);
    u24(m, 1 + ctxLen + 3 + l.length);
    m.write(ctxLen);
    m.writeBytes(new byte[ctxLen]);
    u24(m, l.length);
    m.writeBytes(l);
    return m.toByteArray();
  }

  private static void u24(ByteArrayOutputStream o, int v) {
    o.write(v >>> 16);
    o.write(v >>> 8);
    o.write(v);
  }

  @Property
  void wellFormedMessagesRoundTrip(@ForAll("chains") List<byte[]> chain) {
    CertificateMessage m = new CertificateMessage();
    assertEquals(0, m.parse(encode(0, chain, 0)));
    assertEquals(chain.size(), m.certificates.size());
    for (int i = 0; i < chain.size(); i++) {
      assertArrayEquals(chain.get(i), m.certificates.get(i));
    }
  }

  @Property
  void truncatedOrExtendedBodiesAreDecodeErrors(
      @ForAll("chains") List<byte[]> chain, @ForAll @IntRange(min = 1, max = 40) int cut) {
    byte[] msg = encode(0, chain, 0);
    int n = Math.max(4, msg.length - cut);
    byte[] shorter = Arrays.copyOf(msg, n);
    fixHeader(shorter);
    if (n < msg.length) {
      assertEquals(TlsAlert.DECODE_ERROR, new CertificateMessage().parse(shorter));
    }
    byte[] longer = Arrays.copyOf(msg, msg.length + cut);
    fixHeader(longer);
    assertEquals(TlsAlert.DECODE_ERROR, new CertificateMessage().parse(longer));
  }

  @Property
  void aContextOrAnEntryExtensionIsRefused(
      @ForAll("chains") List<byte[]> chain, @ForAll @IntRange(min = 1, max = 32) int len) {
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, new CertificateMessage().parse(encode(len, chain, 0)));
    if (!chain.isEmpty()) {
      assertEquals(
          TlsAlert.UNSUPPORTED_EXTENSION, new CertificateMessage().parse(encode(0, chain, len)));
    }
  }

  @Property
  void tooManyCertificatesAreBadCertificate(@ForAll @IntRange(min = 1, max = 5) int extra) {
    List<byte[]> chain =
        java.util.Collections.nCopies(CertificateMessage.MAX_CERTIFICATES + extra, new byte[] {1});
    assertEquals(TlsAlert.BAD_CERTIFICATE, new CertificateMessage().parse(encode(0, chain, 0)));
  }

  @Property
  void arbitraryBytesNeverThrowAndAcceptOnlyWhatReEncodes(@ForAll @Size(max = 300) byte[] body) {
    byte[] msg = new byte[4 + body.length];
    msg[0] = 11;
    System.arraycopy(body, 0, msg, 4, body.length);
    fixHeader(msg);
    CertificateMessage m = new CertificateMessage();
    int r = m.parse(msg);
    if (r == 0) {
      assertArrayEquals(msg, encode(0, m.certificates, 0));
    } else {
      assertNotEquals(0, r);
      assertEquals(0, m.certificates.size());
    }
  }

  private static void fixHeader(byte[] msg) {
    int len = msg.length - 4;
    msg[1] = (byte) (len >>> 16);
    msg[2] = (byte) (len >>> 8);
    msg[3] = (byte) len;
  }
}
