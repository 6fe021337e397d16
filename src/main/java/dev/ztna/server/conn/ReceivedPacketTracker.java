package dev.ztna.server.conn;

/**
 * Received packet numbers of one packet number space and the ACK schedule for them (RFC 9000
 * §13.2).
 *
 * <p>Received packet numbers are kept as at most {@link #MAX_RANGES} disjoint, non-adjacent ranges,
 * sorted from the highest to the lowest. When a new packet would create a 33rd range, the lowest
 * range is forgotten and every packet number at or below it is from then on treated as a duplicate
 * (the "minimum packet number" strategy of RFC 9000 §13.2.3); a packet that would itself become
 * that dropped lowest range is reported as a duplicate straight away, so the caller discards it
 * unprocessed and the peer's loss recovery resends its frames. When the peer acknowledges one of
 * our ACK frames, {@link #onAckOfAckReceived(long)} forgets everything at or below that frame's
 * Largest Acknowledged (RFC 9000 §13.2.4) in the same way.
 *
 * <p>ACK scheduling: in the Initial and Handshake spaces every ack-eliciting packet is acknowledged
 * immediately (RFC 9000 §13.2.1). In the application space an ACK is wanted immediately after the
 * second unacknowledged ack-eliciting packet, when an ack-eliciting packet arrives out of order
 * (below the largest ack-eliciting packet number, or above it with a gap in between), and otherwise
 * when the local max_ack_delay has passed since the first unacknowledged ack-eliciting packet (RFC
 * 9000 §13.2.2).
 *
 * <p>ACK frame export (RFC 9000 §19.3.1): {@link #largest()}, {@link #firstRange()}, then for
 * {@code i} in {@code [0, rangeCount())} the pair {@link #gap(int)}, {@link #rangeLength(int)}, all
 * in the wire encoding. Single-threaded, allocation-free.
 */
public final class ReceivedPacketTracker {
  /** Maximum number of disjoint ranges remembered. */
  public static final int MAX_RANGES = 32;

  private final int space;
  private final boolean ackImmediately;
  private final long maxAckDelayNanos;

  // Ranges, index 0 = highest. One spare slot for the transient 33rd range.
  private final long[] lo = new long[MAX_RANGES + 1];
  private final long[] hi = new long[MAX_RANGES + 1];
  private int count;

  private long floor; // every packet number below this is a duplicate
  private long largestReceived = -1;
  private long largestReceivedTime;
  private long largestAckEliciting = -1;
  private int unackedAckEliciting;
  private long ackDeadline = PacketNumberSpace.NO_TIME;

  /**
   * @param space the packet number space ({@link PacketNumberSpace})
   * @param maxAckDelayNanos our own max_ack_delay transport parameter (RFC 9000 §18.2), in
   *     nanoseconds
   */
  public ReceivedPacketTracker(int space, long maxAckDelayNanos) {
    if (space < 0 || space >= PacketNumberSpace.COUNT) {
      throw new IllegalArgumentException("space " + space);
    }
    if (maxAckDelayNanos < 0) {
      throw new IllegalArgumentException("maxAckDelayNanos " + maxAckDelayNanos);
    }
    this.space = space;
    this.ackImmediately = space != PacketNumberSpace.APPLICATION;
    this.maxAckDelayNanos = maxAckDelayNanos;
  }

  /** The packet number space of this tracker. */
  public int space() {
    return space;
  }

  /**
   * Whether {@code pn} must be discarded as a duplicate: already received, below the tracked
   * window, or so old that it would fall out of a full range set immediately.
   */
  public boolean isDuplicate(long pn) {
    if (pn < floor) {
      return true;
    }
    for (int i = 0; i < count; i++) {
      if (pn > hi[i]) {
        return false;
      }
      if (pn >= lo[i]) {
        return true;
      }
    }
    return count == MAX_RANGES && pn < lo[count - 1] - 1;
  }

  /**
   * Records a successfully processed packet (call only after its frames were processed, RFC 9000
   * §13.1).
   *
   * @return false if the packet was a duplicate (nothing recorded)
   */
  public boolean onReceived(long pn, boolean ackEliciting, long nowNanos) {
    if (pn < 0 || isDuplicate(pn)) {
      return false;
    }
    int idx = insert(pn);
    if (pn > largestReceived) {
      largestReceived = pn;
      largestReceivedTime = nowNanos;
    }
    if (ackEliciting) {
      // RFC 9000 §13.2.1: reordering (below the largest ack-eliciting) or a gap just below this
      // packet
      // (above the largest ack-eliciting) asks for an immediate ACK to help the sender's loss
      // detection.
      boolean outOfOrder =
          pn < largestAckEliciting || (lo[idx] > largestAckEliciting + 1 && lo[idx] > floor);
      if (pn > largestAckEliciting) {
        largestAckEliciting = pn;
      }
      unackedAckEliciting++;
      long deadline;
      if (ackImmediately || outOfOrder || unackedAckEliciting >= 2) {
        deadline = nowNanos;
      } else {
        deadline = nowNanos + maxAckDelayNanos;
      }
      if (deadline < ackDeadline) {
        ackDeadline = deadline;
      }
    }
    return true;
  }

  /** Inserts a non-duplicate pn, returns the index of the range now holding it. */
  private int insert(long pn) {
    int i = 0;
    while (i < count && pn < lo[i]) {
      i++;
    }
    // pn lies strictly between range i (below, if any) and range i - 1 (above, if any).
    boolean joinAbove = i > 0 && pn + 1 == lo[i - 1];
    boolean joinBelow = i < count && pn - 1 == hi[i];
    if (joinAbove && joinBelow) {
      lo[i - 1] = lo[i];
      removeAt(i);
      return i - 1;
    }
    if (joinAbove) {
      lo[i - 1] = pn;
      return i - 1;
    }
    if (joinBelow) {
      hi[i] = pn;
      return i;
    }
    System.arraycopy(lo, i, lo, i + 1, count - i);
    System.arraycopy(hi, i, hi, i + 1, count - i);
    lo[i] = pn;
    hi[i] = pn;
    count++;
    if (count > MAX_RANGES) {
      // isDuplicate() guarantees the new range is not the lowest one.
      count--;
      floor = hi[count] + 1;
    }
    return i;
  }

  private void removeAt(int i) {
    System.arraycopy(lo, i + 1, lo, i, count - i - 1);
    System.arraycopy(hi, i + 1, hi, i, count - i - 1);
    count--;
  }

  /** Whether an ACK frame should be sent now. */
  public boolean ackWanted(long nowNanos) {
    return ackDeadline != PacketNumberSpace.NO_TIME && nowNanos >= ackDeadline;
  }

  /**
   * When an ACK must be sent at the latest, {@link PacketNumberSpace#NO_TIME} if none is pending.
   */
  public long ackDeadline() {
    return ackDeadline;
  }

  /** Whether there is anything to acknowledge (an ACK frame can be written). */
  public boolean hasRanges() {
    return count > 0;
  }

  /** Largest packet number received so far (also for packet number decoding), -1 if none. */
  public long largest() {
    return largestReceived;
  }

  /**
   * Largest packet number minus the smallest one of the highest range (the First ACK Range field).
   */
  public long firstRange() {
    return count == 0 ? 0 : hi[0] - lo[0];
  }

  /** The ACK Range Count field: number of (gap, length) pairs after the first range. */
  public int rangeCount() {
    return count == 0 ? 0 : count - 1;
  }

  /**
   * The Gap field of the {@code i}-th additional range: the number of contiguous unacknowledged
   * packets below the previous range, minus one.
   */
  public long gap(int i) {
    checkRange(i);
    return lo[i] - hi[i + 1] - 2;
  }

  /** The ACK Range Length field of the {@code i}-th additional range: its size minus one. */
  public long rangeLength(int i) {
    checkRange(i);
    return hi[i + 1] - lo[i + 1];
  }

  /**
   * Smallest packet number of the {@code r}-th range (0 = highest range), for tests and
   * diagnostics.
   */
  public long rangeLow(int r) {
    return lo[checkIndex(r)];
  }

  /** Largest packet number of the {@code r}-th range (0 = highest range). */
  public long rangeHigh(int r) {
    return hi[checkIndex(r)];
  }

  /** Number of ranges currently held (the first range included). */
  public int ranges() {
    return count;
  }

  private void checkRange(int i) {
    if (i < 0 || i >= count - 1) {
      throw new IndexOutOfBoundsException(i);
    }
  }

  private int checkIndex(int r) {
    if (r < 0 || r >= count) {
      throw new IndexOutOfBoundsException(r);
    }
    return r;
  }

  /**
   * The ACK Delay to report, in microseconds, before scaling by ack_delay_exponent: time since the
   * largest packet was received (RFC 9000 §13.2.5), never negative.
   */
  public long ackDelayMicros(long nowNanos) {
    long d = nowNanos - largestReceivedTime;
    return d <= 0 ? 0 : d / 1000;
  }

  /** Every packet number below this one is treated as a duplicate. */
  public long floor() {
    return floor;
  }

  /** Call when an ACK frame carrying the current state has been sent: resets the ACK schedule. */
  public void onAckSent() {
    unackedAckEliciting = 0;
    ackDeadline = PacketNumberSpace.NO_TIME;
  }

  /**
   * The peer acknowledged a packet holding one of our ACK frames whose Largest Acknowledged was
   * {@code largestAckedByPeer}: stop acknowledging everything at or below it (RFC 9000 §13.2.4).
   */
  public void onAckOfAckReceived(long largestAckedByPeer) {
    if (largestAckedByPeer < floor) {
      return;
    }
    floor = largestAckedByPeer + 1;
    while (count > 0 && hi[count - 1] < floor) {
      count--;
    }
    if (count > 0 && lo[count - 1] < floor) {
      lo[count - 1] = floor;
    }
  }

  /** Forgets everything (the packet number space was discarded). */
  public void reset() {
    count = 0;
    floor = largestReceived + 1;
    unackedAckEliciting = 0;
    ackDeadline = PacketNumberSpace.NO_TIME;
  }
}
