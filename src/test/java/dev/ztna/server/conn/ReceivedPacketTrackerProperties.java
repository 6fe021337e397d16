package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Model-based properties of {@link ReceivedPacketTracker} against a TreeSet model. */
class ReceivedPacketTrackerProperties {

  /** One step: receive {@code pn} (ack-eliciting or not) or an ACK-of-ACK for {@code pn}. */
  record Op(boolean ackOfAck, long pn, boolean ackEliciting) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Op> receive =
        Arbitraries.longs()
            .between(0, 400)
            .flatMap(pn -> Arbitraries.of(true, false).map(ae -> new Op(false, pn, ae)));
    Arbitrary<Op> ackOfAck = Arbitraries.longs().between(0, 400).map(pn -> new Op(true, pn, false));
    // Mostly ascending-ish numbers: a drifting base plus jitter exercises both gaps and reordering.
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(30, receive), net.jqwik.api.Tuple.of(1, ackOfAck))
        .list()
        .ofMaxSize(600);
  }

  /** The model: received set, floor, and the runs of received numbers at or above the floor. */
  static final class Model {
    final TreeSet<Long> received = new TreeSet<>();
    long floor;

    List<long[]> runsDescending() {
      List<long[]> runs = new ArrayList<>();
      Long p = received.isEmpty() ? null : received.last();
      while (p != null && p >= floor) {
        long hi = p;
        long lo = p;
        while (received.contains(lo - 1) && lo - 1 >= floor) {
          lo--;
        }
        runs.add(new long[] {lo, hi});
        p = received.lower(lo);
      }
      return runs;
    }

    boolean isDuplicate(long pn) {
      if (pn < floor || received.contains(pn)) {
        return true;
      }
      List<long[]> runs = runsDescending();
      return runs.size() == ReceivedPacketTracker.MAX_RANGES
          && pn < runs.get(runs.size() - 1)[0] - 1;
    }

    void receive(long pn) {
      received.add(pn);
      List<long[]> runs = runsDescending();
      if (runs.size() > ReceivedPacketTracker.MAX_RANGES) {
        floor = runs.get(runs.size() - 1)[1] + 1;
      }
    }
  }

  @Property(tries = 300)
  void rangesMatchTreeSetModel(@ForAll("ops") List<Op> ops) {
    ReceivedPacketTracker t = new ReceivedPacketTracker(PacketNumberSpace.APPLICATION, 25_000_000L);
    Model m = new Model();
    long now = 0;
    for (Op op : ops) {
      now += 1_000;
      if (op.ackOfAck()) {
        t.onAckOfAckReceived(op.pn());
        m.floor = Math.max(m.floor, op.pn() + 1);
      } else {
        boolean dup = m.isDuplicate(op.pn());
        assertEquals(dup, t.isDuplicate(op.pn()), "isDuplicate " + op.pn());
        assertEquals(!dup, t.onReceived(op.pn(), op.ackEliciting(), now), "onReceived " + op);
        if (!dup) {
          m.receive(op.pn());
        }
      }
      assertEquals(m.floor, t.floor(), "floor");
      checkRanges(t, m);
    }
  }

  private static void checkRanges(ReceivedPacketTracker t, Model m) {
    List<long[]> runs = m.runsDescending();
    assertTrue(t.ranges() <= ReceivedPacketTracker.MAX_RANGES);
    assertEquals(runs.size(), t.ranges(), "range count");
    for (int r = 0; r < runs.size(); r++) {
      assertEquals(runs.get(r)[0], t.rangeLow(r), "lo of range " + r);
      assertEquals(runs.get(r)[1], t.rangeHigh(r), "hi of range " + r);
    }
    // Decode the RFC 9000 §19.3.1 encoding back into a set and compare with the model.
    TreeSet<Long> decoded = new TreeSet<>();
    if (t.hasRanges()) {
      assertEquals(m.received.last().longValue(), t.largest());
      long hi = t.largest();
      long lo = hi - t.firstRange();
      addAll(decoded, lo, hi);
      for (int i = 0; i < t.rangeCount(); i++) {
        assertTrue(t.gap(i) >= 0 && t.rangeLength(i) >= 0);
        hi = lo - t.gap(i) - 2;
        lo = hi - t.rangeLength(i);
        addAll(decoded, lo, hi);
      }
      assertTrue(lo >= 0);
    }
    assertEquals(m.received.tailSet(m.floor, true), decoded, "decoded ACK ranges");
  }

  private static void addAll(TreeSet<Long> s, long lo, long hi) {
    for (long p = lo; p <= hi; p++) {
      s.add(p);
    }
  }

  @Property(tries = 200)
  void wideSpreadNeverExceedsMaxRanges(@ForAll("ops") List<Op> ops) {
    ReceivedPacketTracker t = new ReceivedPacketTracker(PacketNumberSpace.HANDSHAKE, 0);
    long now = 0;
    for (Op op : ops) {
      // Spread numbers so almost every packet is its own range.
      long pn = op.pn() * 3;
      t.onReceived(pn, op.ackEliciting(), now++);
      assertTrue(t.ranges() <= ReceivedPacketTracker.MAX_RANGES);
      for (int r = 0; r < t.ranges(); r++) {
        assertTrue(t.rangeLow(r) >= t.floor());
        assertFalse(t.isDuplicate(t.rangeHigh(r) + 1) && t.rangeHigh(r) + 1 > t.largest());
      }
    }
  }
}
