package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * A ledger that starts small and doubles on demand behaves exactly like one preallocated at its
 * maximum: same callbacks (packet numbers, tokens, order), same bytes in flight, same fullness.
 */
class SentPacketLedgerGrowthProperties {
  private static final long[] NONE = new long[0];

  @Property(tries = 200)
  void growingLedgerMatchesAPreallocatedOne(@ForAll long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    SentPacketLedger growing = new SentPacketLedger(PacketNumberSpace.APPLICATION, 4, 256);
    SentPacketLedger fixed = new SentPacketLedger(PacketNumberSpace.APPLICATION, 256);
    RecordingListener g = new RecordingListener();
    RecordingListener f = new RecordingListener();
    long pn = 0;
    long now = 0;
    for (int step = 0; step < 400; step++) {
      now += 1 + random.nextInt(1000);
      int burst = random.nextInt(40);
      for (int k = 0; k < burst && !fixed.isFull(); k++) {
        assertFalse(growing.isFull());
        boolean eliciting = random.nextInt(8) != 0;
        boolean inFlight = eliciting || random.nextBoolean();
        int size = 50 + random.nextInt(1300);
        growing.onPacketSent(pn, now, size, eliciting, inFlight, pn * 7);
        fixed.onPacketSent(pn, now, size, eliciting, inFlight, pn * 7);
        pn += 1 + random.nextInt(2);
      }
      assertEquals(fixed.isFull(), growing.isFull());
      if (pn > 0 && random.nextInt(3) != 0) {
        // An ACK of a random range ending at or below the largest sent.
        long largest = Math.max(0, pn - 1 - random.nextInt(10));
        long first = Math.min(largest, random.nextInt(30));
        int n1 = growing.onAckReceived(largest, first, 0, NONE, NONE);
        int n2 = fixed.onAckReceived(largest, first, 0, NONE, NONE);
        assertEquals(n2, n1);
        if (n1 >= 0) {
          assertEquals(fixed.hasRttSample(), growing.hasRttSample());
          growing.detectLostPackets(now, 5_000, PacketNumberSpace.NO_TIME, Long.MAX_VALUE, g);
          fixed.detectLostPackets(now, 5_000, PacketNumberSpace.NO_TIME, Long.MAX_VALUE, f);
          growing.reportNewlyAcked(g);
          fixed.reportNewlyAcked(f);
        }
      }
      assertEquals(f.acked, g.acked);
      assertEquals(f.lost, g.lost);
      assertEquals(f.tokenByPn, g.tokenByPn);
      assertEquals(fixed.bytesInFlight(), growing.bytesInFlight());
      assertEquals(fixed.ackElicitingInFlight(), growing.ackElicitingInFlight());
      assertEquals(fixed.recordCount(), growing.recordCount());
      assertTrue(growing.capacity() >= growing.recordCount());
    }
  }

  @Example
  void growsByDoublingAndStopsAtTheMaximum() {
    SentPacketLedger l = new SentPacketLedger(PacketNumberSpace.APPLICATION, 4, 16);
    assertEquals(4, l.capacity());
    for (int pn = 0; pn < 16; pn++) {
      assertFalse(l.isFull());
      l.onPacketSent(pn, pn, 100, true, true, pn);
    }
    assertEquals(16, l.capacity());
    assertTrue(l.isFull());
    assertThrows(IllegalStateException.class, () -> l.onPacketSent(16, 16, 100, true, true, 16));
    // Acknowledging the oldest half frees room without shrinking.
    assertEquals(8, l.onAckReceived(7, 7, 0, NONE, NONE));
    RecordingListener rec = new RecordingListener();
    l.detectLostPackets(16, 1_000_000, PacketNumberSpace.NO_TIME, Long.MAX_VALUE, rec);
    l.reportNewlyAcked(rec);
    assertFalse(l.isFull());
    assertEquals(16, l.capacity());
  }
}
