package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.crypto.CipherSuite;
import dev.ztna.server.crypto.PacketProtection;
import org.junit.jupiter.api.Test;

/** {@link KeyPhases}: key phase selection and key updates (RFC 9001 §6). */
class KeyPhasesTest {
  private static final int APP = PacketNumberSpace.APPLICATION;
  private static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;

  private static KeyPhases established() {
    KeyPhases k = new KeyPhases();
    byte[] c = new byte[32];
    byte[] s = new byte[32];
    s[0] = 1;
    k.configureLimits(SUITE, 0, 0);
    k.install(APP, SUITE, PacketProtection.create(SUITE, c), PacketProtection.create(SUITE, s));
    return k;
  }

  @Test
  void peerInitiatedUpdateFlipsBothDirectionsAndKeepsOldKeysForAWhile() {
    KeyPhases k = established();
    PacketProtection cur = k.receive(APP);
    PacketProtection send = k.send(APP);
    assertSame(cur, k.selectReceive(10, false));
    PacketProtection next = k.selectReceive(11, true);
    assertNotSame(cur, next);
    assertTrue(k.isPeerUpdate(next, true));
    assertTrue(k.onPeerKeyUpdate(11, 5, 1000));
    assertSame(next, k.receive(APP));
    assertNotSame(send, k.send(APP));
    assertTrue(k.sendPhase());
    assertSame(cur, k.selectReceive(9, false)); // reordered packet of the old phase
    assertEquals(1000, k.nextTimeout());
    k.onTimeout(1000);
    assertEquals(PacketNumberSpace.NO_TIME, k.nextTimeout());
    assertNotSame(cur, k.selectReceive(9, false)); // old keys gone: the next phase's are tried
  }

  @Test
  void secondUpdateBeforeAckIsAnError() {
    KeyPhases k = established();
    k.selectReceive(1, true);
    assertTrue(k.onPeerKeyUpdate(1, 0, 100));
    k.onTimeout(100);
    k.selectReceive(2, false);
    assertFalse(k.onPeerKeyUpdate(2, 1, 200)); // no ACK of packet 1 was sent in the new phase
  }

  @Test
  void updateAfterAckIsFine() {
    KeyPhases k = established();
    k.selectReceive(1, true);
    assertTrue(k.onPeerKeyUpdate(1, 0, 100));
    k.onProtected(1); // we acknowledged packet 1
    k.onTimeout(100);
    k.selectReceive(2, false);
    assertTrue(k.onPeerKeyUpdate(2, 1, 200));
  }

  @Test
  void noLimitsReachedNoUpdate() {
    KeyPhases k = established();
    assertEquals(KeyPhases.LIMITS_OK, k.checkAeadLimits(-1, 0));
    assertFalse(k.sendPhase());
  }

  @Test
  void discardDropsKeys() {
    KeyPhases k = new KeyPhases();
    k.install(PacketNumberSpace.INITIAL, null, PacketProtection.create(SUITE, new byte[32]), null);
    assertNull(k.suite());
    k.discard(PacketNumberSpace.INITIAL);
    assertNull(k.receive(PacketNumberSpace.INITIAL));
  }
}
