package dev.ztna.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials.KeyType;
import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.crypto.CipherSuite;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** HelloRetryRequest (RFC 8446 §4.1.4) driven by the hand-written {@link ManualClient}. */
class HelloRetryRequestTest {
  private static final int SECP384R1 = 0x0018;

  private static int feed(TlsServerHandshake s, EncryptionLevel level, byte[] b) {
    return s.onCryptoData(level, b, 0, b.length);
  }

  private static TlsServerHandshake server(KeyType key, RecordingListener l) {
    SecureRandom r = TestRandom.seeded(42);
    return new TlsServerHandshake(new TlsServerConfig(TestCredentials.of(key)), r, l);
  }

  /**
   * CH1 offers {@code offeredShareGroup} (not acceptable, or none when 0), supports {@code groups};
   * the server must retry with {@code expectedGroup}, then complete with CH2.
   */
  @ParameterizedTest(name = "suite={0} key={1} retry to {2}")
  @CsvSource({
    "4865, RSA, 29", // 0x1301, x25519 requested
    "4866, EC_P256, 23", // 0x1302, secp256r1 requested
    "4867, RSA, 23", // 0x1303, secp256r1 requested
    "4865, EC_P256, 29"
  })
  void retryThenComplete(int suiteCode, KeyType key, int expectedGroup) throws Exception {
    RecordingListener l = new RecordingListener();
    TlsServerHandshake s = server(key, l);
    ManualClient c = new ManualClient(7);

    ClientHelloBuilder b = new ClientHelloBuilder();
    b.cipherSuites = new int[] {0x0a0a, suiteCode};
    b.sessionId = new byte[] {1, 2, 3, 4, 5, 6, 7, 8};
    b.groups = new int[] {SECP384R1, expectedGroup};
    b.keyShare(SECP384R1, new byte[97]);
    byte[] ch1 = b.build();
    assertEquals(0, feed(s, EncryptionLevel.INITIAL, ch1));
    assertTrue(s.isHelloRetryRequestSent());
    assertNull(l.secrets.get(EncryptionLevel.HANDSHAKE));
    assertEquals(0, l.tpCalls);
    assertEquals(0, l.take(EncryptionLevel.HANDSHAKE).length);

    byte[] hrr = l.take(EncryptionLevel.INITIAL);
    ManualClient.Hello h = ManualClient.parseHello(hrr);
    assertTrue(h.isRetry());
    assertArrayEquals(b.sessionId, h.sessionId);
    assertEquals(suiteCode, h.suite);
    assertArrayEquals(new byte[] {3, 4}, h.extensions.get(43));
    assertEquals(expectedGroup, ManualClient.u16(h.extensions.get(51), 0));
    assertEquals(2, h.extensions.get(51).length);

    c.suite = CipherSuite.fromCode(suiteCode);
    c.record(ch1);
    c.replaceTranscriptWithMessageHash();
    c.record(hrr);

    b.keyShares.clear();
    b.keyShare(expectedGroup, c.share(expectedGroup));
    byte[] ch2 = b.build();
    c.record(ch2);
    assertEquals(0, feed(s, EncryptionLevel.INITIAL, ch2));
    byte[] sh = l.take(EncryptionLevel.INITIAL);
    ManualClient.Hello serverHello = ManualClient.parseHello(sh);
    assertFalse(serverHello.isRetry());
    assertEquals(suiteCode, serverHello.suite);
    byte[] ks = serverHello.extensions.get(51);
    assertEquals(expectedGroup, ManualClient.u16(ks, 0));
    byte[] serverShare = java.util.Arrays.copyOfRange(ks, 4, ks.length);
    c.record(sh);
    c.onServerHello(c.agree(expectedGroup, serverShare));
    assertArrayEquals(c.clientHsSecret, l.secrets.get(EncryptionLevel.HANDSHAKE)[0]);
    assertArrayEquals(c.serverHsSecret, l.secrets.get(EncryptionLevel.HANDSHAKE)[1]);

    byte[] fin =
        c.onServerFlight(
            l.take(EncryptionLevel.HANDSHAKE),
            key == KeyType.RSA
                ? TlsServerHandshake.RSA_PSS_RSAE_SHA256
                : TlsServerHandshake.ECDSA_SECP256R1_SHA256);
    assertEquals("ztna-v1", c.alpn);
    assertArrayEquals(RecordingListener.SERVER_TP, c.serverTp);
    assertArrayEquals(c.clientApSecret, l.secrets.get(EncryptionLevel.APPLICATION)[0]);
    assertArrayEquals(c.serverApSecret, l.secrets.get(EncryptionLevel.APPLICATION)[1]);
    assertEquals(0, l.completeCount);
    assertEquals(0, feed(s, EncryptionLevel.HANDSHAKE, fin));
    assertTrue(s.isComplete());
    assertEquals(1, l.completeCount);
    assertEquals(1, l.tpCalls);
    assertEquals(expectedGroup, s.namedGroup());
  }

  private TlsServerHandshake afterRetry(RecordingListener l, ClientHelloBuilder b) {
    TlsServerHandshake s = server(KeyType.EC_P256, l);
    b.groups = new int[] {SECP384R1, 0x001d};
    b.keyShare(SECP384R1, new byte[97]);
    assertEquals(0, feed(s, EncryptionLevel.INITIAL, b.build()));
    assertTrue(s.isHelloRetryRequestSent());
    l.take(EncryptionLevel.INITIAL);
    b.keyShares.clear();
    return s;
  }

  @Test
  void secondHelloWithWrongGroupIsIllegalParameter() {
    RecordingListener l = new RecordingListener();
    ClientHelloBuilder b = new ClientHelloBuilder();
    TlsServerHandshake s = afterRetry(l, b);
    b.groups = new int[] {SECP384R1, 0x001d, 0x0017};
    b.keyShare(0x0017, new ManualClientShares().p256());
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, feed(s, EncryptionLevel.INITIAL, b.build()));
  }

  @Test
  void secondHelloStillWithoutShareIsIllegalParameter() {
    RecordingListener l = new RecordingListener();
    ClientHelloBuilder b = new ClientHelloBuilder();
    TlsServerHandshake s = afterRetry(l, b);
    b.keyShare(SECP384R1, new byte[97]);
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, feed(s, EncryptionLevel.INITIAL, b.build()));
  }

  @Test
  void secondHelloWithExtraShareIsIllegalParameter() {
    RecordingListener l = new RecordingListener();
    ClientHelloBuilder b = new ClientHelloBuilder();
    TlsServerHandshake s = afterRetry(l, b);
    b.keyShare(0x001d, new ManualClientShares().x25519());
    b.keyShare(SECP384R1, new byte[97]);
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, feed(s, EncryptionLevel.INITIAL, b.build()));
  }

  @Test
  void secondHelloDroppingTheSuiteIsIllegalParameter() {
    RecordingListener l = new RecordingListener();
    ClientHelloBuilder b = new ClientHelloBuilder();
    TlsServerHandshake s = afterRetry(l, b);
    // The HRR chose 0x1301; the second hello offers only 0x1302.
    b.cipherSuites = new int[] {0x1302};
    b.keyShare(0x001d, new ManualClientShares().x25519());
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, feed(s, EncryptionLevel.INITIAL, b.build()));
  }

  @Test
  void noCommonGroupAtAllIsHandshakeFailure() {
    RecordingListener l = new RecordingListener();
    TlsServerHandshake s = server(KeyType.RSA, l);
    ClientHelloBuilder b = new ClientHelloBuilder();
    b.groups = new int[] {SECP384R1, 0x0019};
    b.keyShare(SECP384R1, new byte[97]);
    assertEquals(TlsAlert.HANDSHAKE_FAILURE, feed(s, EncryptionLevel.INITIAL, b.build()));
    assertFalse(s.isHelloRetryRequestSent());
  }

  /** Valid shares for the negative tests. */
  static final class ManualClientShares {
    final ManualClient c = new ManualClient(3);

    byte[] x25519() {
      try {
        return c.share(0x001d);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    byte[] p256() {
      try {
        return c.share(0x0017);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
