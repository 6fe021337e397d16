package dev.ztna.server.conn;

import static dev.ztna.server.conn.QuicConnectionTest.established;
import static dev.ztna.server.conn.QuicConnectionTest.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials.KeyType;
import dev.ztna.server.crypto.CipherSuite;
import dev.ztna.server.wire.TransportError;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * AEAD limits and key update rules (RFC 9001 §6.1, §6.2, §6.6), with limits small enough to reach
 * through the test client (the {@link ConnectionConfig.Builder#aeadLimits} seam).
 */
class AeadLimitsTest {
  private static final int CONFIDENTIALITY = 64;
  private static final int INTEGRITY = 5;

  private static ConnectionConfig smallLimits() {
    return Harness.config(Harness.credentials(KeyType.EC_P256))
        .aeadLimits(CONFIDENTIALITY, INTEGRITY)
        .build();
  }

  /** Sends {@code n} DATAGRAMs from the server, one exchange each (the client acks each). */
  private static void serverSends(Harness h, int n) {
    for (int i = 0; i < n && h.conn.isEstablished(); i++) {
      h.conn.sendDatagram(new UnsafeBuffer(pattern(40, i)), 0, 40);
      h.step();
      // 20 ms per exchange: the old receive keys go after 3 PTO (RFC 9001 §6.5), which a new
      // update waits for; with the suite's 2^23 limit there are millions of packets in between.
      h.now += 20_000_000L;
      h.conn.onTimeout(h.now);
    }
  }

  @Test
  void serverUpdatesKeysBeforeTheConfidentialityLimit() {
    Harness h = established(101, smallLimits());
    h.client.answerKeyUpdates = true;
    serverSends(h, 400);
    assertTrue(h.conn.isEstablished(), "still open: " + h.closedReason);
    assertTrue(
        h.client.keyPhaseFlipsSeen >= 400 / CONFIDENTIALITY, "flips " + h.client.keyPhaseFlipsSeen);
    assertTrue(
        h.client.maxPacketsInRxPhase <= CONFIDENTIALITY,
        "packets under one key: " + h.client.maxPacketsInRxPhase);
    assertTrue(h.client.datagramsReceived.size() >= 390);
    // And the client's packets in the new phases are still read.
    h.client.queueDatagram(pattern(10, 3));
    h.step();
    assertEquals(1, h.serverReceivedDatagrams.size());
  }

  @Test
  void peerThatNeverAnswersTheUpdateIsClosedWithAeadLimitReached() {
    Harness h = established(102, smallLimits());
    h.client.answerKeyUpdates = false; // RFC 9001 §6.1: no second update without the answer
    serverSends(h, 400);
    assertEquals(TransportError.AEAD_LIMIT_REACHED, h.closedCode);
    assertFalse(h.closedApp);
    assertEquals(1, h.client.keyPhaseFlipsSeen, "one update, never a second unanswered one");
    assertTrue(h.conn.aeadLimits().packetsProtectedWithKey() <= CONFIDENTIALITY);
    // Nothing more is protected with the exhausted key, whatever arrives.
    for (int i = 0; i < 100; i++) {
      h.client.queuePing();
      h.step();
    }
    assertTrue(h.conn.aeadLimits().packetsProtectedWithKey() <= CONFIDENTIALITY);
  }

  @Test
  void failedDecryptionsPastTheIntegrityLimitClose() {
    Harness h = established(103, smallLimits());
    for (int i = 0; i < INTEGRITY; i++) {
      byte[] p = h.client.appPacket(new byte[] {0x01});
      p[p.length - 1] ^= 1; // breaks the AEAD tag
      h.toServer(p);
      assertTrue(h.conn.isEstablished(), "failure " + (i + 1) + " is within the limit");
    }
    assertEquals(INTEGRITY, h.conn.aeadLimits().authenticationFailures());
    byte[] p = h.client.appPacket(new byte[] {0x01});
    p[p.length - 1] ^= 1;
    h.toServer(p);
    assertEquals(TransportError.AEAD_LIMIT_REACHED, h.closedCode);
    // No more packets are processed: a valid DATAGRAM is not delivered.
    h.client.queueDatagram(pattern(10, 1));
    h.step();
    assertTrue(h.serverReceivedDatagrams.isEmpty());
  }

  @Test
  void secondKeyUpdateBeforeTheFirstWasAcknowledgedIsKeyUpdateError() {
    Harness h = established(104);
    h.client.initiateKeyUpdate();
    h.client.queuePing();
    for (byte[] d : h.client.flush()) {
      h.toServer(d); // the server flips, but has sent nothing in the new phase yet
    }
    assertTrue(h.conn.isEstablished());
    h.client.initiateKeyUpdate(); // RFC 9001 §6.1: the client had no ACK in the new phase
    h.client.queuePing();
    for (byte[] d : h.client.flush()) {
      h.toServer(d);
    }
    assertEquals(TransportError.KEY_UPDATE_ERROR, h.closedCode);
  }

  @Test
  void secondKeyUpdateAfterTheAckIsAccepted() {
    Harness h = established(105);
    h.client.initiateKeyUpdate();
    h.client.queuePing();
    h.step();
    h.settle(); // the server acks the ping in the new phase
    assertEquals(1, h.client.keyPhaseFlipsSeen);
    h.client.initiateKeyUpdate();
    h.client.queueDatagram(pattern(12, 2));
    h.step();
    h.settle();
    assertTrue(h.conn.isEstablished());
    assertEquals(1, h.serverReceivedDatagrams.size());
    assertEquals(2, h.client.keyPhaseFlipsSeen);
  }

  @Test
  void suiteLimits() {
    AeadLimits l = new AeadLimits();
    l.configure(CipherSuite.TLS_AES_128_GCM_SHA256, 0, 0);
    for (int i = 0; i < (1 << 23) - (1 << 21) - 1; i++) {
      l.onProtected();
    }
    assertFalse(l.wantsKeyUpdate());
    l.onProtected();
    assertTrue(l.wantsKeyUpdate());
    assertFalse(l.mustClose());
    l.onNewSendKey();
    assertFalse(l.wantsKeyUpdate());
    l.configure(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, 0, 3);
    assertFalse(l.onAuthenticationFailure());
    assertFalse(l.onAuthenticationFailure());
    assertFalse(l.onAuthenticationFailure());
    assertTrue(l.onAuthenticationFailure(), "exceeding the limit closes");
  }
}
