package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SentPacketLedgerTest {
  private final RecordingListener rec = new RecordingListener();
  private final long[] none = new long[0];

  @Test
  void ringWrapsAroundManyTimes() {
    SentPacketLedger l = new SentPacketLedger(PacketNumberSpace.APPLICATION, 4);
    long pn = 0;
    for (int round = 0; round < 1000; round++) {
      long first = pn;
      long last = pn;
      for (int k = 0; k < 4; k++) {
        assertFalse(l.isFull());
        l.onPacketSent(pn, round, 100, true, true, pn);
        last = pn;
        pn += 1 + (k & 1); // with skipped packet numbers
      }
      assertTrue(l.isFull());
      assertEquals(400, l.bytesInFlight());
      assertEquals(4, l.onAckReceived(last, last - first, 0, none, none));
      assertTrue(l.hasRttSample());
      assertEquals(round, l.largestNewlyAckedTimeSent());
      l.detectLostPackets(round, 1_000_000, PacketNumberSpace.NO_TIME, Long.MAX_VALUE, rec);
      l.reportNewlyAcked(rec);
      assertEquals(0, l.recordCount());
      assertEquals(0, l.bytesInFlight());
      assertEquals(0, l.ackElicitingInFlight());
    }
    assertEquals(4000, rec.acked.size());
    assertTrue(rec.lost.isEmpty());
  }

  @Test
  void rttSampleNeedsLargestNewlyAckedAndAckEliciting() {
    SentPacketLedger l = new SentPacketLedger(PacketNumberSpace.APPLICATION, 8);
    l.onPacketSent(0, 10, 100, true, true, 0);
    l.onPacketSent(1, 20, 100, false, true, 1); // PADDING only: in flight, not ack-eliciting
    assertEquals(1, l.onAckReceived(1, 0, 0, none, none));
    assertFalse(l.hasRttSample(), "only a non-ack-eliciting packet newly acknowledged");
    l.reportNewlyAcked(rec);
    assertEquals(1, l.onAckReceived(1, 1, 0, none, none)); // largest (1) not newly acked
    assertFalse(l.hasRttSample());
    l.reportNewlyAcked(rec);
    assertEquals(List.of(1L, 0L), rec.acked);
  }

  @Test
  void callerErrorsThrow() {
    SentPacketLedger l = new SentPacketLedger(PacketNumberSpace.INITIAL, 4);
    l.onPacketSent(5, 0, 100, true, true, 0);
    assertThrows(IllegalArgumentException.class, () -> l.onPacketSent(5, 0, 100, true, true, 0));
    assertThrows(IllegalArgumentException.class, () -> new SentPacketLedger(0, 6));
    for (int pn = 6; pn < 9; pn++) {
      l.onPacketSent(pn, 0, 100, true, true, 0);
    }
    assertThrows(IllegalStateException.class, () -> l.onPacketSent(9, 0, 100, true, true, 0));
    l.onPacketSent(9, 0, 40, false, false, 0); // a pure ACK packet still goes out when full
    assertEquals(9, l.largestSent());
  }

  @Test
  void discardReportsOutstandingOnly() {
    SentPacketLedger l = new SentPacketLedger(PacketNumberSpace.HANDSHAKE, 8);
    l.onPacketSent(0, 0, 100, true, true, 0);
    l.onPacketSent(1, 0, 200, true, true, 1);
    l.onAckReceived(0, 0, 0, none, none);
    l.detectLostPackets(0, 1_000_000, PacketNumberSpace.NO_TIME, Long.MAX_VALUE, rec);
    l.reportNewlyAcked(rec);
    assertEquals(200, l.discardAll(rec));
    assertEquals(List.of(1L), rec.discarded);
    assertEquals(PacketNumberSpace.NO_TIME, l.timeOfLastAckEliciting());
    assertEquals(PacketNumberSpace.NO_TIME, l.lossTime());
  }
}
