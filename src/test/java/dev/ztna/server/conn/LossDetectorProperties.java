package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Model-based simulation of a server sending over a lossy, reordering path to a peer whose ACKs
 * come from real {@link ReceivedPacketTracker}s. Invariants: every recorded packet is reported
 * exactly once (acked, lost or discarded), acks only for packets the peer received, congestion
 * control's bytes in flight equal the sum of outstanding in-flight sizes and never go negative,
 * cwnd >= minimum window.
 */
class LossDetectorProperties {
  private static final long MS = 1_000_000L;

  /** Outstanding packets of the model, keyed by space * 2^40 + pn. */
  static final class Model implements SentPacketListener {
    final Map<Long, int[]> outstanding = new HashMap<>(); // {size, inFlight}
    final ReceivedPacketTracker[] peer = new ReceivedPacketTracker[PacketNumberSpace.COUNT];

    static long key(int space, long pn) {
      return ((long) space << 40) + pn;
    }

    private void settle(int space, long pn, int size, boolean inFlight) {
      int[] rec = outstanding.remove(key(space, pn));
      assertNotNull(rec, "reported twice or never sent: " + space + "/" + pn);
      assertEquals(rec[0], size);
      assertEquals(rec[1] == 1, inFlight);
    }

    @Override
    public void onPacketAcked(
        int space, long pn, long token, int size, boolean inFlight, long timeSentNanos) {
      assertEquals(key(space, pn), token);
      assertTrue(peer[space].isDuplicate(pn) || pn < peer[space].floor(), "acked but not received");
      settle(space, pn, size, inFlight);
    }

    @Override
    public void onPacketLost(
        int space, long pn, long token, int size, boolean inFlight, long timeSentNanos) {
      assertEquals(key(space, pn), token);
      settle(space, pn, size, inFlight);
    }

    @Override
    public void onPacketDiscarded(int space, long pn, long token, int size) {
      assertEquals(key(space, pn), token);
      assertNotNull(outstanding.remove(key(space, pn)));
    }

    long inFlightBytes() {
      long sum = 0;
      for (int[] r : outstanding.values()) {
        if (r[1] == 1) {
          sum += r[0];
        }
      }
      return sum;
    }
  }

  @Property(tries = 300)
  void simulationKeepsInvariants(
      @ForAll @Size(max = 800) List<@IntRange(min = 0, max = 9999) Integer> actions) {
    Model m = new Model();
    for (int s = 0; s < PacketNumberSpace.COUNT; s++) {
      m.peer[s] = new ReceivedPacketTracker(s, 25 * MS);
    }
    RttEstimator rtt = new RttEstimator();
    NewRenoCongestionController cc = new NewRenoCongestionController(1200);
    LossDetector d = new LossDetector(rtt, cc, null, m, 64);
    AckFrames ack = new AckFrames();
    long[] nextPn = new long[PacketNumberSpace.COUNT];
    long now = 1_000 * MS;
    int step = 0;
    for (int a : actions) {
      step++;
      int kind = a % 100;
      int arg = a / 100;
      int space = liveSpace(d, arg);
      if (kind < 50) {
        now += arg * 10_000L;
        boolean ackEliciting = arg % 5 != 0;
        boolean inFlight = ackEliciting || arg % 3 == 0;
        int size = 40 + (arg * 37) % 1300;
        if (space < 0 || ((ackEliciting || inFlight) && d.isFull(space))) {
          continue;
        }
        long pn = nextPn[space]++;
        if (arg % 11 == 0) {
          nextPn[space]++; // skipped packet number
        }
        d.onPacketSent(space, pn, now, size, ackEliciting, inFlight, Model.key(space, pn));
        if (ackEliciting || inFlight) {
          m.outstanding.put(Model.key(space, pn), new int[] {size, inFlight ? 1 : 0});
        }
        if (arg % 4 != 0) { // 1 in 4 lost on the path
          m.peer[space].onReceived(pn, ackEliciting, now);
        }
      } else if (kind < 75) {
        now += arg * 100_000L;
        if (space >= 0 && m.peer[space].hasRanges()) {
          int r = ack.from(m.peer[space]).feed(d, space, arg * 1_000L, now);
          assertTrue(r >= 0, "valid ACK rejected: " + r);
          m.peer[space].onAckSent();
        }
      } else if (kind < 90) {
        now += arg * 1_000_000L;
        d.onLossDetectionTimeout(now);
      } else if (kind < 93) {
        if (!d.isDiscarded(PacketNumberSpace.INITIAL)) {
          d.discardSpace(PacketNumberSpace.INITIAL);
        } else if (!d.isDiscarded(PacketNumberSpace.HANDSHAKE)) {
          d.discardSpace(PacketNumberSpace.HANDSHAKE);
          d.setHandshakeConfirmed();
        }
      } else if (kind < 96) {
        if (space >= 0 && m.peer[space].hasRanges()) {
          m.peer[space].onAckOfAckReceived(m.peer[space].largest() - arg % 8);
        }
      } else {
        // ACK of a packet number never sent.
        if (space >= 0) {
          assertEquals(
              ConnErrors.PROTOCOL_VIOLATION,
              ack.range(nextPn[space], nextPn[space] + arg % 3).feed(d, space, 0, now));
        }
      }
      assertEquals(m.inFlightBytes(), cc.bytesInFlight(), "cc bytes in flight, step " + step);
      assertEquals(cc.bytesInFlight(), d.bytesInFlight());
      assertTrue(cc.bytesInFlight() >= 0);
      assertTrue(cc.congestionWindow() >= cc.minimumWindow());
      assertTrue(d.timerDeadline() == PacketNumberSpace.NO_TIME || d.timerDeadline() > 0);
      long aeInFlight = 0;
      for (int s = 0; s < PacketNumberSpace.COUNT; s++) {
        aeInFlight += d.ledger(s).ackElicitingInFlight();
      }
      if (aeInFlight > 0) {
        assertTrue(d.timerDeadline() != PacketNumberSpace.NO_TIME || !d.handshakeConfirmed());
      }
    }
  }

  private static int liveSpace(LossDetector d, int arg) {
    int preferred = arg % 3;
    for (int i = 0; i < PacketNumberSpace.COUNT; i++) {
      int s = (preferred + i) % PacketNumberSpace.COUNT;
      if (!d.isDiscarded(s)) {
        return s;
      }
    }
    return -1;
  }
}
