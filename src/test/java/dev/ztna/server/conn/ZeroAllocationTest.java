package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * Steady state of the conn building blocks allocates nothing: a server sends packets (2% lost on
 * the path), the peer acknowledges every second one through a real {@link ReceivedPacketTracker},
 * the server receives the peer's packets (with gaps) and schedules, sends and prunes its own ACKs,
 * stream data flows through {@link FlowControl} with streams opened and closed, and the loss
 * detection timer runs. Measured with {@code ThreadMXBean#getThreadAllocatedBytes} over 100 000
 * packets.
 */
class ZeroAllocationTest {
  private static final long MS = 1_000_000L;
  private static final int WARMUP = 100_000;
  private static final int MEASURED = 100_000;
  private static final int ATTEMPTS = 5;

  /** Counts callbacks; allocation-free. */
  static final class CountingListener implements SentPacketListener {
    long acked;
    long lost;
    long discarded;

    @Override
    public void onPacketAcked(
        int space, long pn, long token, int size, boolean inFlight, long timeSentNanos) {
      acked++;
    }

    @Override
    public void onPacketLost(
        int space, long pn, long token, int size, boolean inFlight, long timeSentNanos) {
      lost++;
    }

    @Override
    public void onPacketDiscarded(int space, long pn, long token, int size) {
      discarded++;
    }
  }

  /** The whole simulated connection, reused across iterations. */
  static final class Sim {
    final CountingListener listener = new CountingListener();
    final RttEstimator rtt = new RttEstimator();
    final NewRenoCongestionController cc = new NewRenoCongestionController(1350);
    final AmplificationLimiter amp = new AmplificationLimiter(1200);
    final LossDetector detector = new LossDetector(rtt, cc, amp, listener, 1024);
    final ReceivedPacketTracker peerTracker =
        new ReceivedPacketTracker(PacketNumberSpace.APPLICATION, 25 * MS);
    final ReceivedPacketTracker ourTracker =
        new ReceivedPacketTracker(PacketNumberSpace.APPLICATION, 25 * MS);
    final FlowControl flow = new FlowControl(1_000_000, 100_000, 100_000, 16, 16);
    final long[] gaps = new long[ReceivedPacketTracker.MAX_RANGES];
    final long[] lengths = new long[ReceivedPacketTracker.MAX_RANGES];
    long now = 1_000 * MS;
    long nextPn;
    long peerPn;
    long streamIndex;
    long streamOffset;
    long lastAckLargestSent = -1;
    long errors;

    Sim() {
      detector.setHandshakeConfirmed();
    }

    void step() {
      now += 200_000; // 0.2 ms per packet
      // We receive a datagram from the peer (1 in 40 arrives late, making a gap first).
      long pn = peerPn++;
      amp.onDatagramReceived(1350);
      if (pn % 40 == 5) {
        // held back: delivered 3 packets later
      } else {
        ourTracker.onReceived(pn, true, now);
        if (pn % 40 == 8) {
          ourTracker.onReceived(pn - 3, true, now);
        }
      }
      int r = flow.onStreamData(streamIndex << 2, streamOffset, 1000, false);
      streamOffset += 1000;
      if (r != ConnErrors.OK) {
        errors++;
      }
      if (streamOffset >= 20_000) {
        if (flow.onStreamData(streamIndex << 2, streamOffset, 0, true) != ConnErrors.OK) {
          errors++;
        }
        streamIndex++;
        streamOffset = 0;
      }
      if (flow.maxDataUpdateWanted()) {
        flow.commitMaxDataUpdate();
      }
      if (flow.maxStreamsUpdateWanted(true)) {
        flow.commitMaxStreamsUpdate(true);
      }

      // We send a packet, carrying an ACK frame if one is wanted.
      boolean withAck = ourTracker.ackWanted(now);
      if (withAck) {
        // (The ACK frame writer would read largest/firstRange/gap(i)/rangeLength(i) here.)
        long sum = ourTracker.firstRange() + ourTracker.ackDelayMicros(now);
        for (int i = 0; i < ourTracker.rangeCount(); i++) {
          sum += ourTracker.gap(i) + ourTracker.rangeLength(i);
        }
        if (sum < 0) {
          errors++;
        }
        lastAckLargestSent = ourTracker.largest();
        ourTracker.onAckSent();
      }
      if (detector.canSend(PacketNumberSpace.APPLICATION, 1350) && amp.canSend(1350)) {
        long ourPn = nextPn++;
        detector.onPacketSent(PacketNumberSpace.APPLICATION, ourPn, now, 1350, true, true, ourPn);
        amp.onDatagramSent(1350);
        if (ourPn % 50 != 17) { // 2% lost on the path
          peerTracker.onReceived(ourPn, true, now);
        }
      }
      if (nextPn > 1000) {
        amp.markValidated();
      }

      // The peer acknowledges (every second packet, or a gap) 30 ms later in our time line:
      // modelled
      // by handing its ACK over immediately with an ack delay.
      if (peerTracker.ackWanted(now) || peerTracker.ackWanted(now + 25 * MS)) {
        int n = peerTracker.rangeCount();
        for (int i = 0; i < n; i++) {
          gaps[i] = peerTracker.gap(i);
          lengths[i] = peerTracker.rangeLength(i);
        }
        int res =
            detector.onAckReceived(
                PacketNumberSpace.APPLICATION,
                peerTracker.largest(),
                peerTracker.ackDelayMicros(now) * 1000,
                peerTracker.firstRange(),
                n,
                gaps,
                lengths,
                now + 30 * MS);
        if (res < 0) {
          errors++;
        }
        peerTracker.onAckSent();
        // Our ACK frames reached the peer and were acknowledged: prune ours; the peer prunes too.
        if (lastAckLargestSent >= 0) {
          ourTracker.onAckOfAckReceived(lastAckLargestSent - 8);
        }
        peerTracker.onAckOfAckReceived(peerTracker.largest() - 16);
      }
      detector.onLossDetectionTimeout(now);
    }
  }

  @Test
  void steadyStateAllocatesNothing() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    Sim sim = new Sim();
    for (int i = 0; i < WARMUP; i++) {
      sim.step();
    }
    long best = Long.MAX_VALUE;
    for (int attempt = 0; attempt < ATTEMPTS && best != 0; attempt++) {
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < MEASURED; i++) {
        sim.step();
      }
      long after = mx.getThreadAllocatedBytes(tid);
      best = Math.min(best, after - before);
      System.out.println("zero-alloc attempt " + attempt + ": " + (after - before) + " bytes");
    }
    System.out.printf(
        "zero-alloc sim: sent=%d acked=%d lost=%d streams=%d cwnd=%d srtt=%d best=%d%n",
        sim.nextPn,
        sim.listener.acked,
        sim.listener.lost,
        sim.streamIndex,
        sim.cc.congestionWindow(),
        sim.rtt.smoothedRtt(),
        best);
    assertEquals(0, sim.errors, "protocol errors in the simulation");
    assertTrue(sim.listener.acked > MEASURED / 2, "packets were acknowledged");
    assertTrue(sim.listener.lost > 0, "losses were detected");
    assertTrue(sim.streamIndex > 100, "streams cycled");
    assertEquals(sim.cc.bytesInFlight(), sim.detector.bytesInFlight());
    assertEquals(0, best, "bytes allocated over " + MEASURED + " packets");
  }
}
