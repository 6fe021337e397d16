package dev.ztna.server.conn;

import static dev.ztna.server.conn.PacketNumberSpace.APPLICATION;
import static dev.ztna.server.conn.PacketNumberSpace.HANDSHAKE;
import static dev.ztna.server.conn.PacketNumberSpace.INITIAL;
import static dev.ztna.server.conn.PacketNumberSpace.NO_TIME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LossDetectorTest {
  private static final long MS = 1_000_000L;
  private static final int SIZE = 1200;

  private final RttEstimator rtt = new RttEstimator();
  private final NewRenoCongestionController cc = new NewRenoCongestionController(SIZE);
  private final AmplificationLimiter amp = new AmplificationLimiter();
  private final RecordingListener rec = new RecordingListener();
  private final LossDetector d = new LossDetector(rtt, cc, amp, rec, 64);
  private final AckFrames ack = new AckFrames();

  LossDetectorTest() {
    amp.markValidated();
  }

  private void send(int space, long pn, long now) {
    d.onPacketSent(space, pn, now, SIZE, true, true, 1000 + pn);
  }

  @Test
  void inOrderAcksAckEverythingAndGrowWindow() {
    for (int pn = 0; pn < 10; pn++) {
      send(APPLICATION, pn, pn * MS);
    }
    assertEquals(10L * SIZE, cc.bytesInFlight());
    assertEquals(10, ack.range(0, 9).feed(d, APPLICATION, 0, 50 * MS));
    assertEquals(List.of(9L, 8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L, 0L), rec.acked);
    assertEquals(1009L, rec.tokenByPn.get(9L));
    assertTrue(rec.lost.isEmpty());
    assertEquals(0, cc.bytesInFlight());
    assertEquals(cc.initialWindow() + 10L * SIZE, cc.congestionWindow());
    assertEquals(41 * MS, rtt.latestRtt()); // largest (9) sent at 9 ms, acked at 50 ms
    assertEquals(NO_TIME, d.timerDeadline()); // nothing in flight
    assertEquals(0, ack.range(0, 9).feed(d, APPLICATION, 0, 60 * MS)); // duplicate ACK
  }

  @Test
  void reorderingWithinThresholdIsNotLoss() {
    for (int pn = 0; pn < 5; pn++) {
      send(APPLICATION, pn, 0);
    }
    ack.range(2, 2).feed(d, APPLICATION, 0, 10 * MS);
    assertEquals(List.of(2L), rec.acked);
    assertTrue(rec.lost.isEmpty(), "0 and 1 are within the packet threshold");
    assertEquals(rtt.lossDelay(), d.ledger(APPLICATION).lossTime());
    assertEquals(d.ledger(APPLICATION).lossTime(), d.timerDeadline());
    ack.range(3, 3).feed(d, APPLICATION, 0, 11 * MS);
    assertEquals(List.of(0L), rec.lost, "3 - 0 >= kPacketThreshold");
    ack.range(0, 1).feed(d, APPLICATION, 0, 12 * MS); // late ACK for a lost packet is ignored
    assertEquals(List.of(2L, 3L, 1L), rec.acked);
    assertEquals(SIZE, cc.bytesInFlight()); // only 4 left
    assertEquals(d.bytesInFlight(), cc.bytesInFlight());
  }

  @Test
  void packetThresholdDeclaresLossAndHalvesWindow() {
    for (int pn = 0; pn < 6; pn++) {
      send(APPLICATION, pn, 0);
    }
    long before = cc.congestionWindow();
    ack.range(3, 5).feed(d, APPLICATION, 0, 10 * MS);
    assertEquals(List.of(0L, 1L, 2L), rec.lost);
    assertEquals(before / 2, cc.congestionWindow()); // acked packets were sent before recovery
    assertEquals(1, cc.congestionEvents());
    assertEquals(0, cc.bytesInFlight());
  }

  @Test
  void timeThresholdLossFiresFromTheTimer() {
    send(APPLICATION, 0, 0);
    send(APPLICATION, 1, 1 * MS);
    ack.range(1, 1).feed(d, APPLICATION, 0, 101 * MS); // rtt sample 100 ms
    assertTrue(rec.lost.isEmpty());
    long lossDelay = rtt.lossDelay();
    assertEquals(112_500_000L, lossDelay); // 9/8 * 100 ms
    assertEquals(lossDelay, d.timerDeadline());
    assertEquals(LossDetector.TIMEOUT_NONE, d.onLossDetectionTimeout(lossDelay - 1));
    assertEquals(LossDetector.TIMEOUT_LOSS, d.onLossDetectionTimeout(lossDelay));
    assertEquals(List.of(0L), rec.lost);
    assertEquals(0, cc.bytesInFlight());
    assertEquals(NO_TIME, d.timerDeadline());
  }

  @Test
  void ptoBacksOffExponentiallyAndResetsOnAck() {
    send(INITIAL, 0, 0);
    long pto = rtt.pto(false);
    assertEquals(pto, d.timerDeadline());
    assertEquals(LossDetector.TIMEOUT_PTO, d.onLossDetectionTimeout(pto));
    assertEquals(1, d.ptoCount());
    assertEquals(INITIAL, d.ptoSpace());
    assertEquals(LossDetector.PROBES_PER_PTO, d.probesPending());
    assertTrue(d.canSend(INITIAL, 100_000), "probes bypass the congestion window");
    send(INITIAL, 1, pto);
    assertEquals(pto + 2 * pto, d.timerDeadline(), "doubled");
    send(INITIAL, 2, pto);
    assertEquals(0, d.probesPending());
    assertEquals(LossDetector.TIMEOUT_PTO, d.onLossDetectionTimeout(3 * pto));
    assertEquals(2, d.ptoCount());
    send(INITIAL, 3, 3 * pto);
    assertEquals(3 * pto + 4 * pto, d.timerDeadline(), "doubled again");
    assertTrue(rec.lost.isEmpty(), "a PTO declares nothing lost");
    ack.range(3, 3).feed(d, INITIAL, 0, 3 * pto + 10 * MS);
    assertEquals(0, d.ptoCount());
    // 0 by packet threshold; 1 and 2 by time threshold (sent 2 PTOs before a 10 ms RTT sample).
    assertEquals(List.of(0L, 1L, 2L), rec.lost);
  }

  @Test
  void applicationPtoWaitsForHandshakeConfirmationAndAddsMaxAckDelay() {
    send(APPLICATION, 0, 0);
    assertEquals(NO_TIME, d.timerDeadline());
    send(HANDSHAKE, 0, 5 * MS);
    assertEquals(5 * MS + rtt.pto(false), d.timerDeadline());
    d.discardSpace(HANDSHAKE);
    d.setHandshakeConfirmed();
    assertEquals(rtt.pto(true), d.timerDeadline());
    assertEquals(LossDetector.TIMEOUT_PTO, d.onLossDetectionTimeout(rtt.pto(true)));
    assertEquals(APPLICATION, d.ptoSpace());
  }

  @Test
  void amplificationBlockedServerArmsNoPto() {
    AmplificationLimiter limited = new AmplificationLimiter();
    LossDetector ld = new LossDetector(rtt, cc, limited, rec, 64);
    limited.onDatagramReceived(400);
    ld.onPacketSent(INITIAL, 0, 0, SIZE, true, true, 0);
    limited.onDatagramSent(1200);
    ld.setLossDetectionTimer();
    assertTrue(limited.isBlocked());
    assertEquals(NO_TIME, ld.timerDeadline());
    limited.onDatagramReceived(100);
    ld.setLossDetectionTimer();
    assertEquals(rtt.pto(false), ld.timerDeadline());
  }

  @Test
  void ptoExpiringWhileBlockedIsCancelled() {
    AmplificationLimiter limited = new AmplificationLimiter();
    LossDetector ld = new LossDetector(rtt, cc, limited, rec, 64);
    limited.onDatagramReceived(400);
    ld.onPacketSent(INITIAL, 0, 0, SIZE, true, true, 0);
    assertEquals(rtt.pto(false), ld.timerDeadline()); // armed before the datagram went out
    limited.onDatagramSent(1200);
    assertEquals(LossDetector.TIMEOUT_NONE, ld.onLossDetectionTimeout(rtt.pto(false)));
    assertEquals(NO_TIME, ld.timerDeadline());
    assertEquals(0, ld.ptoCount());
  }

  @Test
  void amplificationBlockedStillArmsLossTimer() {
    AmplificationLimiter limited = new AmplificationLimiter();
    LossDetector ld = new LossDetector(rtt, cc, limited, rec, 64);
    limited.onDatagramReceived(800);
    ld.onPacketSent(INITIAL, 0, 0, SIZE, true, true, 0);
    ld.onPacketSent(INITIAL, 1, 0, SIZE, true, true, 0);
    limited.onDatagramSent(2400);
    ld.onAckReceived(INITIAL, 1, 0, 0, 0, new long[0], new long[0], 10 * MS);
    assertTrue(limited.isBlocked());
    assertEquals(ld.ledger(INITIAL).lossTime(), ld.timerDeadline());
    assertTrue(ld.timerDeadline() != NO_TIME);
  }

  @Test
  void discardingASpaceRemovesItsBytesInFlight() {
    send(INITIAL, 0, 0);
    send(INITIAL, 1, 0);
    send(HANDSHAKE, 0, 0);
    assertEquals(3L * SIZE, cc.bytesInFlight());
    d.discardSpace(INITIAL);
    assertEquals(List.of(0L, 1L), rec.discarded);
    assertEquals(SIZE, cc.bytesInFlight());
    assertEquals(d.bytesInFlight(), cc.bytesInFlight());
    assertTrue(rec.lost.isEmpty());
    assertEquals(0, ack.range(0, 1).feed(d, INITIAL, 0, MS)); // ignored
    assertEquals(cc.initialWindow(), cc.congestionWindow());
  }

  @Test
  void ackOfUnsentPacketIsProtocolViolation() {
    send(APPLICATION, 0, 0);
    assertEquals(ConnErrors.PROTOCOL_VIOLATION, ack.range(0, 1).feed(d, APPLICATION, 0, MS));
    assertEquals(ConnErrors.PROTOCOL_VIOLATION, ack.range(0, 0).feed(d, HANDSHAKE, 0, MS));
    assertTrue(rec.acked.isEmpty());
    assertEquals(SIZE, cc.bytesInFlight());
    assertEquals(0x0a, ConnErrors.transportErrorCode(ConnErrors.PROTOCOL_VIOLATION));
  }

  @Test
  void negativeRangesAreFrameEncodingErrors() {
    for (int pn = 0; pn < 10; pn++) {
      send(APPLICATION, pn, 0);
    }
    assertEquals(
        ConnErrors.FRAME_ENCODING_ERROR,
        d.onAckReceived(APPLICATION, 5, 0, 6, 0, new long[0], new long[0], MS));
    // 9..8, gap 2 => next range ends at 8 - 2 - 2 = 4, length 5 => 4..-1: invalid
    assertEquals(
        ConnErrors.FRAME_ENCODING_ERROR,
        d.onAckReceived(APPLICATION, 9, 0, 1, 1, new long[] {2}, new long[] {5}, MS));
    // Huge Gap / Length values must not overflow into a valid-looking range.
    assertEquals(
        ConnErrors.FRAME_ENCODING_ERROR,
        d.onAckReceived(
            APPLICATION, 9, 0, 0, 1, new long[] {Long.MAX_VALUE}, new long[] {Long.MAX_VALUE}, MS));
    assertEquals(
        ConnErrors.FRAME_ENCODING_ERROR,
        d.onAckReceived(
            APPLICATION, 9, 0, 0, 1, new long[] {0}, new long[] {Long.MAX_VALUE - 5}, MS));
    assertEquals(
        ConnErrors.FRAME_ENCODING_ERROR,
        d.onAckReceived(APPLICATION, 9, 0, 0, 1, new long[] {-1}, new long[] {0}, MS));
    assertTrue(rec.acked.isEmpty());
    assertEquals(4, d.onAckReceived(APPLICATION, 9, 0, 1, 1, new long[] {2}, new long[] {1}, MS));
    assertEquals(List.of(9L, 8L, 4L, 3L), rec.acked);
    // 9, gap 7 => next range ends at 9 - 7 - 2 = 0: the lowest valid range (0 was lost already).
    assertEquals(0, d.onAckReceived(APPLICATION, 9, 0, 0, 1, new long[] {7}, new long[] {0}, MS));
  }

  @Test
  void persistentCongestionCollapsesWindow() {
    send(APPLICATION, 0, 0);
    ack.range(0, 0).feed(d, APPLICATION, 0, 100 * MS); // first RTT sample at 100 ms
    long pcDuration = rtt.persistentCongestionDuration();
    long t0 = 200 * MS;
    send(APPLICATION, 1, t0);
    send(APPLICATION, 2, t0 + pcDuration / 2);
    // The new RTT sample taken from the ACK below raises rttvar, hence the duration: leave margin.
    long t3 = t0 + 2 * pcDuration;
    send(APPLICATION, 3, t3);
    send(APPLICATION, 4, t3 + 1);
    send(APPLICATION, 5, t3 + 2);
    send(APPLICATION, 6, t3 + 3);
    ack.range(6, 6).feed(d, APPLICATION, 0, t3 + 5 * MS);
    assertEquals(List.of(1L, 2L, 3L), rec.lost);
    // Collapsed to the minimum window, then packet 6 (sent after the reset recovery period) is
    // acknowledged in slow start (RFC 9002 Appendix B.8 then B.5).
    assertEquals(cc.minimumWindow() + SIZE, cc.congestionWindow());
    assertEquals(1, cc.persistentCongestionEvents());
  }

  @Test
  void noPersistentCongestionWhenAnAckIntervenes() {
    send(APPLICATION, 0, 0);
    ack.range(0, 0).feed(d, APPLICATION, 0, 100 * MS);
    long pcDuration = rtt.persistentCongestionDuration();
    long t0 = 200 * MS;
    send(APPLICATION, 1, t0);
    send(APPLICATION, 2, t0 + 1);
    send(APPLICATION, 3, t0 + pcDuration + 1);
    for (int pn = 4; pn < 8; pn++) {
      send(APPLICATION, pn, t0 + pcDuration + pn);
    }
    // 2 is acknowledged: 1 and 3 are lost but not in one uninterrupted run.
    d.onAckReceived(
        APPLICATION, 7, 0, 0, 1, new long[] {3}, new long[] {0}, t0 + pcDuration + 5 * MS);
    assertEquals(List.of(1L, 3L, 4L), rec.lost);
    assertEquals(0, cc.persistentCongestionEvents());
    assertTrue(cc.congestionWindow() > cc.minimumWindow());
  }

  @Test
  void pureAckPacketsAreNotRecorded() {
    d.onPacketSent(APPLICATION, 0, 0, 50, false, false, 7);
    send(APPLICATION, 1, 0);
    assertEquals(1, d.ledger(APPLICATION).recordCount());
    assertEquals(1, ack.range(0, 1).feed(d, APPLICATION, 0, MS));
    assertEquals(List.of(1L), rec.acked);
  }

  @Test
  void ledgerFullBlocksSending() {
    for (int pn = 0; pn < 64; pn++) {
      assertFalse(d.isFull(APPLICATION));
      send(APPLICATION, pn, 0);
    }
    assertTrue(d.isFull(APPLICATION));
    assertFalse(d.canSend(APPLICATION, 1));
    ack.range(0, 0).feed(d, APPLICATION, 0, MS);
    assertFalse(d.isFull(APPLICATION));
    ack.range(5, 5).feed(d, APPLICATION, 0, MS); // 1 and 2 lost; 3 and 4 still hold the head
    assertEquals(List.of(1L, 2L), rec.lost);
    assertEquals(61, d.ledger(APPLICATION).recordCount());
  }
}
