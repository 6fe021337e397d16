package dev.ztna.server.conn;

/** Test helper: the ACK frame a {@link ReceivedPacketTracker} would write, as reusable arrays. */
final class AckFrames {
  long largest;
  long firstRange;
  int rangeCount;
  final long[] gaps = new long[ReceivedPacketTracker.MAX_RANGES];
  final long[] lengths = new long[ReceivedPacketTracker.MAX_RANGES];

  AckFrames from(ReceivedPacketTracker t) {
    largest = t.largest();
    firstRange = t.firstRange();
    rangeCount = t.rangeCount();
    for (int i = 0; i < rangeCount; i++) {
      gaps[i] = t.gap(i);
      lengths[i] = t.rangeLength(i);
    }
    return this;
  }

  /** A single range [lo, hi]. */
  AckFrames range(long lo, long hi) {
    largest = hi;
    firstRange = hi - lo;
    rangeCount = 0;
    return this;
  }

  int feed(LossDetector d, int space, long ackDelayNanos, long now) {
    return d.onAckReceived(
        space, largest, ackDelayNanos, firstRange, rangeCount, gaps, lengths, now);
  }
}
