package dev.ztna.server.conn;

/**
 * The receive and send state of the three packet number spaces (RFC 9000 §12.3): per space the
 * {@link ReceivedPacketTracker} (what to acknowledge), whether an ACK is pending, and the next
 * packet number to send. A discarded space ({@link #discard}) drops its tracker (RFC 9001 §4.9), so
 * an established connection keeps only the 1-RTT one.
 */
final class PacketNumberSpaces {
  private final ReceivedPacketTracker[] trackers =
      new ReceivedPacketTracker[PacketNumberSpace.COUNT];
  private final long[] nextPn = new long[PacketNumberSpace.COUNT];
  private final boolean[] ackPending = new boolean[PacketNumberSpace.COUNT];

  /**
   * @param maxAckDelayNanos our max_ack_delay, for 1-RTT (RFC 9000 §13.2.1)
   */
  PacketNumberSpaces(long maxAckDelayNanos) {
    for (int s = 0; s < PacketNumberSpace.COUNT; s++) {
      trackers[s] =
          new ReceivedPacketTracker(s, s == PacketNumberSpace.APPLICATION ? maxAckDelayNanos : 0);
    }
  }

  /** The tracker of {@code space}; only for a space not discarded. */
  ReceivedPacketTracker tracker(int space) {
    return trackers[space];
  }

  boolean isDiscarded(int space) {
    return trackers[space] == null;
  }

  boolean ackPending(int space) {
    return ackPending[space];
  }

  void setAckPending(int space, boolean pending) {
    ackPending[space] = pending;
  }

  /** The next packet number {@code space} sends. */
  long nextPn(int space) {
    return nextPn[space];
  }

  /** The packet number {@link #nextPn} returned was used. */
  void onPacketNumberUsed(int space) {
    nextPn[space]++;
  }

  /** The earliest ACK deadline of a space with an ACK pending whose send keys remain. */
  long ackDeadline(KeyPhases keys) {
    long t = PacketNumberSpace.NO_TIME;
    for (int s = 0; s < PacketNumberSpace.COUNT; s++) {
      if (keys.send(s) != null && ackPending[s]) {
        t = Math.min(t, trackers[s].ackDeadline());
      }
    }
    return t;
  }

  /** Drops the state of {@code space} (its keys were discarded, RFC 9001 §4.9). */
  void discard(int space) {
    trackers[space] = null;
    ackPending[space] = false;
  }
}
