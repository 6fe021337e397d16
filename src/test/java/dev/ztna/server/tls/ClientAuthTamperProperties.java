package dev.ztna.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.certs.TestPki;
import dev.ztna.server.certs.TestPki.Alg;
import dev.ztna.server.certs.TestPki.Issued;
import dev.ztna.server.crypto.CipherSuite;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Any single-byte change to a valid client Certificate + CertificateVerify + Finished never
 * completes the handshake (nor yields an identity) and never throws: the certificate is signed, the
 * CertificateVerify covers the Certificate, the Finished covers both. jqwik prints the seed.
 */
class ClientAuthTamperProperties {
  private static final Issued CA = TestPki.ca("Tamper CA", Alg.EC);
  private static final Issued LEAF = TestPki.issue(CA, TestPki.leaf().uri(TestPki.CONNECTOR_DB));

  @Property(tries = 300)
  void aTamperedClientFlightNeverAuthenticates(
      @ForAll @IntRange(min = 0, max = 100_000) int where,
      @ForAll @IntRange(min = 1, max = 255) int mask,
      @ForAll long seed)
      throws Exception {
    RecordingListener listener = new RecordingListener();
    ManualClient client = new ManualClient(seed);
    TlsServerHandshake s =
        new TlsServerHandshake(
            new TlsServerConfig(
                TestCredentials.ec(),
                List.of(TlsServerConfig.ZTNA_V1),
                ClientAuth.required(TestPki.anchors(CA))),
            TestRandom.seeded(seed),
            listener);
    ClientHelloBuilder b = new ClientHelloBuilder();
    b.keyShare(0x001d, client.share(0x001d));
    byte[] ch = b.build();
    client.suite = CipherSuite.TLS_AES_128_GCM_SHA256;
    client.record(ch);
    assertEquals(0, s.onCryptoData(EncryptionLevel.INITIAL, ch, 0, ch.length));
    byte[] sh = listener.take(EncryptionLevel.INITIAL);
    ManualClient.Hello h = ManualClient.parseHello(sh);
    client.suite = CipherSuite.fromCode(h.suite);
    client.record(sh);
    byte[] ks = h.extensions.get(51);
    client.onServerHello(client.agree(0x001d, Arrays.copyOfRange(ks, 4, ks.length)));
    client.onServerFlight(listener.take(EncryptionLevel.HANDSHAKE), 0x0403);
    byte[] cert = client.certificate(List.of(LEAF.certificate));
    byte[] cv = client.certificateVerify(LEAF.key, 0x0403);
    byte[] fin = client.finished();
    byte[] all = new byte[cert.length + cv.length + fin.length];
    System.arraycopy(cert, 0, all, 0, cert.length);
    System.arraycopy(cv, 0, all, cert.length, cv.length);
    System.arraycopy(fin, 0, all, cert.length + cv.length, fin.length);
    int at = where % all.length;
    all[at] ^= (byte) mask;
    s.onCryptoData(EncryptionLevel.HANDSHAKE, all, 0, all.length);
    assertFalse(s.isComplete(), "tampered byte " + at + " of " + all.length + " completed");
    assertNull(s.peerIdentity());
    assertEquals(0, listener.completeCount);
  }
}
