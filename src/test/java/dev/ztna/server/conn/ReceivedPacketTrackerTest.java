package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReceivedPacketTrackerTest {
  private static final long MS = 1_000_000L;
  private static final long MAX_ACK_DELAY = 25 * MS;

  @Test
  void initialAndHandshakeAckImmediately() {
    for (int space : new int[] {PacketNumberSpace.INITIAL, PacketNumberSpace.HANDSHAKE}) {
      ReceivedPacketTracker t = new ReceivedPacketTracker(space, MAX_ACK_DELAY);
      assertFalse(t.ackWanted(0));
      t.onReceived(0, true, 100);
      assertEquals(100, t.ackDeadline());
      assertTrue(t.ackWanted(100));
    }
  }

  @Test
  void applicationDelaysOneAndAcksTwo() {
    ReceivedPacketTracker t =
        new ReceivedPacketTracker(PacketNumberSpace.APPLICATION, MAX_ACK_DELAY);
    t.onReceived(0, true, 1000);
    assertEquals(1000 + MAX_ACK_DELAY, t.ackDeadline());
    assertFalse(t.ackWanted(1000 + MAX_ACK_DELAY - 1));
    assertTrue(t.ackWanted(1000 + MAX_ACK_DELAY));
    t.onReceived(1, true, 2000);
    assertEquals(2000, t.ackDeadline());
    assertTrue(t.ackWanted(2000));
    t.onAckSent();
    assertEquals(PacketNumberSpace.NO_TIME, t.ackDeadline());
    assertFalse(t.ackWanted(Long.MAX_VALUE - 1));
  }

  @Test
  void nonAckElicitingNeverSchedules() {
    ReceivedPacketTracker t = new ReceivedPacketTracker(PacketNumberSpace.INITIAL, MAX_ACK_DELAY);
    t.onReceived(0, false, 0);
    t.onReceived(5, false, 0);
    assertEquals(PacketNumberSpace.NO_TIME, t.ackDeadline());
    assertTrue(t.hasRanges());
  }

  @Test
  void gapAndReorderingAckImmediately() {
    ReceivedPacketTracker t =
        new ReceivedPacketTracker(PacketNumberSpace.APPLICATION, MAX_ACK_DELAY);
    t.onReceived(0, true, 0);
    t.onAckSent();
    t.onReceived(2, true, 10); // gap: 1 missing
    assertEquals(10, t.ackDeadline());
    t.onAckSent();
    t.onReceived(1, true, 20); // reordered
    assertEquals(20, t.ackDeadline());
    t.onAckSent();
    t.onReceived(3, true, 30); // in order again: delayed
    assertEquals(30 + MAX_ACK_DELAY, t.ackDeadline());
  }

  @Test
  void gapAcrossNonAckElicitingIsNotAGap() {
    ReceivedPacketTracker t =
        new ReceivedPacketTracker(PacketNumberSpace.APPLICATION, MAX_ACK_DELAY);
    t.onReceived(0, true, 0);
    t.onAckSent();
    t.onReceived(1, false, 1);
    t.onReceived(2, true, 2);
    assertEquals(2 + MAX_ACK_DELAY, t.ackDeadline());
  }

  @Test
  void exportsGapLengthEncoding() {
    ReceivedPacketTracker t =
        new ReceivedPacketTracker(PacketNumberSpace.APPLICATION, MAX_ACK_DELAY);
    for (long pn : new long[] {0, 1, 2, 5, 6, 9}) {
      t.onReceived(pn, true, pn);
    }
    assertEquals(9, t.largest());
    assertEquals(0, t.firstRange());
    assertEquals(2, t.rangeCount());
    assertEquals(1, t.gap(0)); // 8, 7 missing
    assertEquals(1, t.rangeLength(0)); // 5..6
    assertEquals(1, t.gap(1)); // 4, 3 missing
    assertEquals(2, t.rangeLength(1)); // 0..2
  }

  @Test
  void ackDelayIsSinceLargestReceived() {
    ReceivedPacketTracker t =
        new ReceivedPacketTracker(PacketNumberSpace.APPLICATION, MAX_ACK_DELAY);
    t.onReceived(3, true, 1_000_000);
    t.onReceived(1, true, 5_000_000); // not the largest: does not move the reference time
    assertEquals(4_000, t.ackDelayMicros(5_000_000));
    assertEquals(0, t.ackDelayMicros(0));
  }

  @Test
  void ackOfAckPrunesAndMakesOldNumbersDuplicates() {
    ReceivedPacketTracker t =
        new ReceivedPacketTracker(PacketNumberSpace.APPLICATION, MAX_ACK_DELAY);
    for (long pn : new long[] {0, 1, 2, 5, 6, 9}) {
      t.onReceived(pn, true, 0);
    }
    t.onAckOfAckReceived(5);
    assertEquals(2, t.ranges());
    assertEquals(6, t.rangeLow(1));
    assertTrue(t.isDuplicate(3)); // never received, but below the window now
    assertFalse(t.isDuplicate(7));
    assertFalse(t.onReceived(4, true, 0));
    assertEquals(9, t.largest());
    t.onAckOfAckReceived(9);
    assertFalse(t.hasRanges());
    assertEquals(9, t.largest());
    assertTrue(t.onReceived(10, true, 0));
    assertEquals(0, t.firstRange());
    assertEquals(0, t.rangeCount());
  }

  @Test
  void oldestRangeIsDroppedWhenFull() {
    ReceivedPacketTracker t =
        new ReceivedPacketTracker(PacketNumberSpace.APPLICATION, MAX_ACK_DELAY);
    for (int i = 0; i < ReceivedPacketTracker.MAX_RANGES; i++) {
      t.onReceived(10 + 2L * i, true, 0);
    }
    assertEquals(ReceivedPacketTracker.MAX_RANGES, t.ranges());
    assertTrue(t.isDuplicate(5)); // would be dropped at once
    assertFalse(t.isDuplicate(9)); // extends the lowest range
    assertTrue(t.onReceived(100, true, 0));
    assertEquals(ReceivedPacketTracker.MAX_RANGES, t.ranges());
    assertEquals(11, t.floor());
    assertTrue(t.isDuplicate(10));
    assertTrue(t.isDuplicate(9));
  }
}
