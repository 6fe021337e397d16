package dev.ztna.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.crypto.CipherSuite;
import dev.ztna.server.crypto.HashAlgorithm;
import dev.ztna.server.crypto.Hkdf;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.KeyAgreement;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * A minimal hand-written TLS 1.3 client for the paths agent15 cannot drive (HelloRetryRequest,
 * malformed follow-ups). Its key schedule is written here independently of {@link KeySchedule},
 * straight from RFC 8446 §7.1, and it verifies the server's CertificateVerify with JCA.
 */
final class ManualClient {
  static final int X25519_GROUP = 0x001d;
  static final int P256_GROUP = 0x0017;

  final SecureRandom random;
  final ByteArrayOutputStream transcript = new ByteArrayOutputStream();
  byte[] x25519Private;
  KeyPair p256;
  CipherSuite suite;
  byte[] clientHsSecret;
  byte[] serverHsSecret;
  byte[] clientApSecret;
  byte[] serverApSecret;
  byte[] serverTp;
  String alpn;
  final List<Integer> encryptedExtensionTypes = new ArrayList<>();
  X509Certificate leaf;

  ManualClient(long seed) {
    random = TestRandom.seeded(seed);
  }

  byte[] share(int group) throws Exception {
    if (group == X25519_GROUP) {
      x25519Private = new byte[32];
      X25519.generatePrivateKey(random, x25519Private);
      byte[] pub = new byte[32];
      X25519.generatePublicKey(x25519Private, 0, pub, 0);
      return pub;
    }
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), random);
    p256 = g.generateKeyPair();
    ECPoint w = ((ECPublicKey) p256.getPublic()).getW();
    byte[] out = new byte[65];
    out[0] = 4;
    copyFixed(w.getAffineX(), out, 1);
    copyFixed(w.getAffineY(), out, 33);
    return out;
  }

  private static void copyFixed(BigInteger v, byte[] out, int off) {
    byte[] b = v.toByteArray();
    int n = Math.min(b.length, 32);
    System.arraycopy(b, b.length - n, out, off + 32 - n, n);
  }

  byte[] agree(int group, byte[] serverShare) throws Exception {
    if (group == X25519_GROUP) {
      byte[] out = new byte[32];
      assertTrue(X25519.calculateAgreement(x25519Private, 0, serverShare, 0, out, 0));
      return out;
    }
    assertEquals(65, serverShare.length);
    assertEquals(4, serverShare[0]);
    ECPoint w =
        new ECPoint(
            new BigInteger(1, Arrays.copyOfRange(serverShare, 1, 33)),
            new BigInteger(1, Arrays.copyOfRange(serverShare, 33, 65)));
    PublicKey pub =
        KeyFactory.getInstance("EC")
            .generatePublic(new ECPublicKeySpec(w, ((ECPublicKey) p256.getPublic()).getParams()));
    KeyAgreement ka = KeyAgreement.getInstance("ECDH");
    ka.init(p256.getPrivate());
    ka.doPhase(pub, true);
    return ka.generateSecret();
  }

  /** Splits a run of handshake messages. */
  static List<byte[]> messages(byte[] b) {
    List<byte[]> out = new ArrayList<>();
    int p = 0;
    while (p < b.length) {
      int len = ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
      out.add(Arrays.copyOfRange(b, p, p + 4 + len));
      p += 4 + len;
    }
    return out;
  }

  static int u16(byte[] b, int off) {
    return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
  }

  /** Parsed ServerHello/HRR: random, session id, suite, and the extensions (type -> body). */
  static final class Hello {
    byte[] random;
    byte[] sessionId;
    int suite;
    final java.util.Map<Integer, byte[]> extensions = new java.util.LinkedHashMap<>();

    boolean isRetry() {
      return Arrays.equals(random, TlsServerHandshake.HELLO_RETRY_REQUEST_RANDOM);
    }
  }

  static Hello parseHello(byte[] m) {
    assertEquals(2, m[0]);
    Hello h = new Hello();
    int p = 4;
    assertEquals(0x0303, u16(m, p));
    p += 2;
    h.random = Arrays.copyOfRange(m, p, p + 32);
    p += 32;
    int sid = m[p++] & 0xff;
    h.sessionId = Arrays.copyOfRange(m, p, p + sid);
    p += sid;
    h.suite = u16(m, p);
    p += 2;
    assertEquals(0, m[p++]);
    int extEnd = p + 2 + u16(m, p);
    p += 2;
    while (p < extEnd) {
      int type = u16(m, p);
      int len = u16(m, p + 2);
      h.extensions.put(type, Arrays.copyOfRange(m, p + 4, p + 4 + len));
      p += 4 + len;
    }
    assertEquals(m.length, p);
    return h;
  }

  HashAlgorithm hash() {
    return suite.hash();
  }

  byte[] transcriptHash() {
    return hash().hash(transcript.toByteArray());
  }

  /** RFC 8446 §4.4.1: after an HRR, ClientHello1 is replaced by message_hash. */
  void replaceTranscriptWithMessageHash() {
    byte[] h = transcriptHash();
    transcript.reset();
    transcript.write(254);
    transcript.write(0);
    transcript.write(0);
    transcript.write(h.length);
    transcript.writeBytes(h);
  }

  void record(byte[] msg) {
    transcript.writeBytes(msg);
  }

  private byte[] derive(byte[] secret, String label, byte[] context) {
    return Hkdf.expandLabel(hash(), secret, label, context, hash().length());
  }

  /** Processes the ServerHello (already recorded) and derives handshake secrets. */
  void onServerHello(byte[] sharedSecret) {
    byte[] zeros = new byte[hash().length()];
    byte[] early = Hkdf.extract(hash(), zeros, zeros);
    byte[] hs = Hkdf.extract(hash(), derive(early, "derived", hash().emptyHash()), sharedSecret);
    byte[] th = transcriptHash();
    clientHsSecret = derive(hs, "c hs traffic", th);
    serverHsSecret = derive(hs, "s hs traffic", th);
    byte[] master = Hkdf.extract(hash(), derive(hs, "derived", hash().emptyHash()), zeros);
    this.master = master;
  }

  private byte[] master;

  /**
   * Processes EncryptedExtensions, Certificate, CertificateVerify and Finished; returns the client
   * Finished message to send.
   */
  byte[] onServerFlight(byte[] flight, int expectedScheme) throws Exception {
    List<byte[]> msgs = new ArrayList<>(messages(flight));
    if (msgs.size() == 5) {
      certificateRequest = msgs.remove(1);
      assertEquals(13, certificateRequest[0], "CertificateRequest after EncryptedExtensions");
    }
    assertEquals(4, msgs.size());
    byte[] ee = msgs.get(0);
    assertEquals(8, ee[0]);
    int p = 6;
    while (p < ee.length) {
      int type = u16(ee, p);
      int len = u16(ee, p + 2);
      byte[] body = Arrays.copyOfRange(ee, p + 4, p + 4 + len);
      encryptedExtensionTypes.add(type);
      if (type == 16) {
        assertEquals(len - 2, u16(body, 0));
        alpn = new String(body, 3, body[2] & 0xff, StandardCharsets.US_ASCII);
      } else if (type == 0x39) {
        serverTp = body;
      }
      p += 4 + len;
    }
    record(ee);
    if (certificateRequest != null) {
      record(certificateRequest);
    }

    byte[] cert = msgs.get(1);
    assertEquals(11, cert[0]);
    assertEquals(0, cert[4]);
    int certLen = ((cert[8] & 0xff) << 16) | ((cert[9] & 0xff) << 8) | (cert[10] & 0xff);
    leaf =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(
                    new java.io.ByteArrayInputStream(Arrays.copyOfRange(cert, 11, 11 + certLen)));
    record(cert);

    byte[] cv = msgs.get(2);
    assertEquals(15, cv[0]);
    int scheme = u16(cv, 4);
    assertEquals(expectedScheme, scheme);
    byte[] sig = Arrays.copyOfRange(cv, 8, 8 + u16(cv, 6));
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (int i = 0; i < 64; i++) {
      content.write(0x20);
    }
    content.writeBytes("TLS 1.3, server CertificateVerify".getBytes(StandardCharsets.US_ASCII));
    content.write(0);
    content.writeBytes(transcriptHash());
    Signature v;
    if (scheme == 0x0804) {
      v = Signature.getInstance("RSASSA-PSS");
      v.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
    } else {
      v = Signature.getInstance("SHA256withECDSA");
    }
    v.initVerify(leaf.getPublicKey());
    v.update(content.toByteArray());
    assertTrue(v.verify(sig), "CertificateVerify signature");
    record(cv);

    byte[] fin = msgs.get(3);
    assertEquals(20, fin[0]);
    byte[] serverFinishedKey =
        Hkdf.expandLabel(hash(), serverHsSecret, "finished", null, hash().length());
    assertArrayEquals(
        Hkdf.hmac(hash(), serverFinishedKey, transcriptHash()),
        Arrays.copyOfRange(fin, 4, fin.length),
        "server Finished");
    record(fin);

    byte[] th = transcriptHash();
    clientApSecret = derive(master, "c ap traffic", th);
    serverApSecret = derive(master, "s ap traffic", th);
    return finished();
  }

  /** The CertificateRequest the server sent (whole message), or null. */
  byte[] certificateRequest;

  /** The client Finished over the transcript so far (RFC 8446 §4.4.4). */
  byte[] finished() {
    byte[] clientFinishedKey =
        Hkdf.expandLabel(hash(), clientHsSecret, "finished", null, hash().length());
    byte[] verify = Hkdf.hmac(hash(), clientFinishedKey, transcriptHash());
    byte[] out = new byte[4 + verify.length];
    out[0] = 20;
    out[3] = (byte) verify.length;
    System.arraycopy(verify, 0, out, 4, verify.length);
    return out;
  }

  /** A client Certificate (empty context, no extensions), recorded in the transcript. */
  byte[] certificate(List<X509Certificate> chain) throws Exception {
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    for (X509Certificate c : chain) {
      byte[] der = c.getEncoded();
      list.write(der.length >>> 16);
      list.write(der.length >>> 8);
      list.write(der.length);
      list.writeBytes(der);
      list.write(0);
      list.write(0);
    }
    byte[] l = list.toByteArray();
    int bodyLen = 1 + 3 + l.length;
    ByteArrayOutputStream m = new ByteArrayOutputStream();
    m.write(11);
    m.write(bodyLen >>> 16);
    m.write(bodyLen >>> 8);
    m.write(bodyLen);
    m.write(0);
    m.write(l.length >>> 16);
    m.write(l.length >>> 8);
    m.write(l.length);
    m.writeBytes(l);
    byte[] out = m.toByteArray();
    record(out);
    return out;
  }

  /** The content a client CertificateVerify signs now (RFC 8446 §4.4.3). */
  byte[] clientVerifyContent() {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (int i = 0; i < 64; i++) {
      content.write(0x20);
    }
    content.writeBytes("TLS 1.3, client CertificateVerify".getBytes(StandardCharsets.US_ASCII));
    content.write(0);
    content.writeBytes(transcriptHash());
    return content.toByteArray();
  }

  /** Signs {@link #clientVerifyContent} with JCA and builds (and records) the CertificateVerify. */
  byte[] certificateVerify(java.security.PrivateKey key, int scheme) throws Exception {
    Signature s;
    switch (scheme) {
      case 0x0804:
        s = Signature.getInstance("RSASSA-PSS");
        s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        break;
      case 0x0809:
        s = Signature.getInstance("RSASSA-PSS");
        s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        break;
      case 0x0807:
        s = Signature.getInstance("Ed25519");
        break;
      case 0x0401:
        s = Signature.getInstance("SHA256withRSA");
        break;
      default:
        s = Signature.getInstance("SHA256withECDSA");
    }
    s.initSign(key);
    s.update(clientVerifyContent());
    return certificateVerifyMessage(scheme, s.sign());
  }

  /** A CertificateVerify with the given scheme and signature bytes, recorded. */
  byte[] certificateVerifyMessage(int scheme, byte[] sig) {
    int bodyLen = 4 + sig.length;
    byte[] out = new byte[4 + bodyLen];
    out[0] = 15;
    out[1] = (byte) (bodyLen >>> 16);
    out[2] = (byte) (bodyLen >>> 8);
    out[3] = (byte) bodyLen;
    out[4] = (byte) (scheme >>> 8);
    out[5] = (byte) scheme;
    out[6] = (byte) (sig.length >>> 8);
    out[7] = (byte) sig.length;
    System.arraycopy(sig, 0, out, 8, sig.length);
    record(out);
    return out;
  }
}
