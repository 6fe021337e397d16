package dev.ztna.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.crypto.HashAlgorithm;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The key schedule and x25519 against RFC 8448 §3 (Simple 1-RTT Handshake). */
class KeyScheduleTest {

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int o = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }

  @Test
  void x25519SharedSecretMatchesRfc8448() {
    KeyShare server = KeyShare.fromX25519Private(Rfc8448.SERVER_PRIVATE);
    assertArrayEquals(Rfc8448.SERVER_PUBLIC, server.publicKey());
    byte[] shared = server.sharedSecret(Rfc8448.CLIENT_PUBLIC, 0, Rfc8448.CLIENT_PUBLIC.length);
    assertArrayEquals(Rfc8448.SHARED_SECRET, shared);
    KeyShare client = KeyShare.fromX25519Private(Rfc8448.CLIENT_PRIVATE);
    assertArrayEquals(Rfc8448.CLIENT_PUBLIC, client.publicKey());
  }

  @Test
  void earlySecretMatchesRfc8448() {
    assertArrayEquals(Rfc8448.EARLY_SECRET, new KeySchedule(HashAlgorithm.SHA256).earlySecret());
  }

  @Test
  void handshakeAndApplicationSecretsMatchRfc8448() {
    HashAlgorithm h = HashAlgorithm.SHA256;
    KeySchedule ks = new KeySchedule(h);
    byte[] helloHash = h.hash(Rfc8448.CLIENT_HELLO, Rfc8448.SERVER_HELLO);
    assertArrayEquals(Rfc8448.HELLO_HASH, helloHash);
    ks.deriveHandshakeSecrets(Rfc8448.SHARED_SECRET, helloHash);
    assertArrayEquals(Rfc8448.CLIENT_HS_TRAFFIC, ks.clientHandshakeTrafficSecret());
    assertArrayEquals(Rfc8448.SERVER_HS_TRAFFIC, ks.serverHandshakeTrafficSecret());

    byte[] throughCv =
        h.hash(
            Rfc8448.CLIENT_HELLO,
            Rfc8448.SERVER_HELLO,
            Rfc8448.ENCRYPTED_EXTENSIONS,
            Rfc8448.CERTIFICATE,
            Rfc8448.CERTIFICATE_VERIFY);
    assertArrayEquals(
        Rfc8448.SERVER_FINISHED_VERIFY_DATA,
        ks.finishedVerifyData(ks.serverHandshakeTrafficSecret(), throughCv));

    byte[] throughServerFinished =
        h.hash(
            concat(
                Rfc8448.CLIENT_HELLO,
                Rfc8448.SERVER_HELLO,
                Rfc8448.ENCRYPTED_EXTENSIONS,
                Rfc8448.CERTIFICATE,
                Rfc8448.CERTIFICATE_VERIFY,
                Rfc8448.SERVER_FINISHED));
    assertArrayEquals(Rfc8448.SERVER_FINISHED_HASH, throughServerFinished);
    ks.deriveApplicationSecrets(throughServerFinished);
    assertArrayEquals(Rfc8448.CLIENT_AP_TRAFFIC, ks.clientApplicationTrafficSecret());
    assertArrayEquals(Rfc8448.SERVER_AP_TRAFFIC, ks.serverApplicationTrafficSecret());

    assertTrue(
        ks.verifyFinished(
            ks.clientHandshakeTrafficSecret(),
            throughServerFinished,
            Rfc8448.CLIENT_FINISHED_VERIFY_DATA));
    byte[] bad = Arrays.copyOf(Rfc8448.CLIENT_FINISHED_VERIFY_DATA, 32);
    bad[31] ^= 1;
    assertFalse(ks.verifyFinished(ks.clientHandshakeTrafficSecret(), throughServerFinished, bad));
  }

  @Test
  void serverHelloLayoutMatchesRfc8448ByteForByte() {
    byte[] random = Arrays.copyOfRange(Rfc8448.SERVER_HELLO, 6, 38);
    ByteWriter w = new ByteWriter(16);
    TlsServerHandshake.writeServerHello(
        w, random, new byte[0], 0x1301, KeyShare.X25519_GROUP, Rfc8448.SERVER_PUBLIC);
    assertArrayEquals(Rfc8448.SERVER_HELLO, w.toByteArray());
  }

  @Test
  void rfc8448ClientHelloParses() {
    ClientHello ch = new ClientHello();
    org.junit.jupiter.api.Assertions.assertEquals(0, ch.parse(Rfc8448.CLIENT_HELLO));
    assertTrue(ch.offersTls13);
    assertTrue(ch.offersCipherSuite(0x1301));
    assertTrue(ch.offersCipherSuite(0x1302));
    assertTrue(ch.offersCipherSuite(0x1303));
    assertTrue(ch.offersSignatureScheme(0x0804));
    int i = ch.keyShareIndex(KeyShare.X25519_GROUP);
    assertTrue(i >= 0);
    assertArrayEquals(
        Rfc8448.CLIENT_PUBLIC,
        Arrays.copyOfRange(
            Rfc8448.CLIENT_HELLO,
            ch.keyShareOffsets[i],
            ch.keyShareOffsets[i] + ch.keyShareLengths[i]));
    // No ALPN, no quic_transport_parameters: not a QUIC ClientHello.
    assertFalse(ch.hasAlpn);
    org.junit.jupiter.api.Assertions.assertNull(ch.transportParameters);
  }
}
