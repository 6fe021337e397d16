package dev.ztna.server.conn;

/**
 * Sent packets of one packet number space awaiting acknowledgment, and their loss detection (RFC
 * 9002 §6.1, Appendix A.5, A.7, A.10).
 *
 * <p>Records live in a ring (doubled on demand up to a maximum) in packet number order (packet
 * numbers must increase; gaps are allowed). Only packets that are ack-eliciting or in flight are
 * recorded; pure ACK packets only advance {@link #largestSent()} and their acknowledgment is
 * ignored, so the ring cannot fill up with packets the peer never acknowledges. A record stays in
 * its slot, marked acknowledged or lost, until every older record is also settled; {@link
 * #isFull()} then tells the sender not to send anything that needs recording (ack-eliciting or
 * in-flight packets) until acknowledgments or losses free slots.
 *
 * <p>ACK processing is in three steps, so congestion control sees losses before acknowledgments as
 * in RFC 9002 Appendix A.7: {@link #onAckReceived} marks newly acknowledged packets, {@link
 * #detectLostPackets} declares losses, {@link #reportNewlyAcked} delivers the acknowledgments.
 * {@link LossDetector} does this for the connection. Single-threaded, allocation-free.
 */
public final class SentPacketLedger {
  /** kPacketThreshold, RFC 9002 §6.1.1. */
  public static final int PACKET_THRESHOLD = 3;

  /** Default ring capacity: packets outstanding per space. */
  public static final int DEFAULT_CAPACITY = 1024;

  private static final byte ACK_ELICITING = 1;
  private static final byte IN_FLIGHT = 2;
  private static final byte OUTSTANDING = 4;
  private static final byte ACKED = 8;

  private final int space;
  private final int maxCapacity;
  // The ring starts small and doubles (up to maxCapacity) when a packet would not fit, so an idle
  // connection holds little while a busy one can keep many packets in flight; it never shrinks, so
  // a connection in steady state allocates nothing.
  private int capacity;
  private int mask;
  private long[] pns;
  private long[] timeSent;
  private long[] tokens;
  private int[] sizes;
  private byte[] flags;
  private int[] newlyAcked;

  private long head; // logical index of the oldest record
  private long tail; // logical index of the next record
  private long largestSent = -1;
  private long largestAcked = -1;
  private long lossTime = PacketNumberSpace.NO_TIME;
  private long timeOfLastAckEliciting = PacketNumberSpace.NO_TIME;
  private int ackElicitingInFlight;
  private long bytesInFlight;

  private int newlyAckedCount;
  private long ackLargest;
  private boolean rttSampleReady;
  private long largestNewlyAckedTimeSent;

  private long lostInFlightBytes;
  private int lostCount;
  private long largestLostTimeSent;
  private boolean persistentCongestion;

  /** A ledger with {@link #DEFAULT_CAPACITY}. */
  public SentPacketLedger(int space) {
    this(space, DEFAULT_CAPACITY);
  }

  /**
   * A ledger of fixed capacity.
   *
   * @param space the packet number space, passed to listener callbacks
   * @param capacity maximum number of recorded packets, a power of two
   */
  public SentPacketLedger(int space, int capacity) {
    this(space, capacity, capacity);
  }

  /**
   * A ledger that starts with room for {@code initialCapacity} records and doubles when needed up
   * to {@code maxCapacity}.
   *
   * @param space the packet number space, passed to listener callbacks
   * @param initialCapacity records preallocated, a power of two >= 4
   * @param maxCapacity maximum number of recorded packets, a power of two >= initialCapacity
   */
  public SentPacketLedger(int space, int initialCapacity, int maxCapacity) {
    if (initialCapacity < 4 || Integer.bitCount(initialCapacity) != 1) {
      throw new IllegalArgumentException(
          "capacity must be a power of two >= 4: " + initialCapacity);
    }
    if (maxCapacity < initialCapacity || Integer.bitCount(maxCapacity) != 1) {
      throw new IllegalArgumentException(
          "max capacity must be a power of two >= " + initialCapacity + ": " + maxCapacity);
    }
    this.space = space;
    this.maxCapacity = maxCapacity;
    this.capacity = initialCapacity;
    this.mask = initialCapacity - 1;
    pns = new long[initialCapacity];
    timeSent = new long[initialCapacity];
    tokens = new long[initialCapacity];
    sizes = new int[initialCapacity];
    flags = new byte[initialCapacity];
    newlyAcked = new int[initialCapacity];
  }

  /** Records the ring holds before it next grows. */
  public int capacity() {
    return capacity;
  }

  /** Doubles the ring, keeping every record at its logical index (and the marked acks). */
  private void grow() {
    int newCapacity = capacity << 1;
    int newMask = newCapacity - 1;
    long[] newPns = new long[newCapacity];
    long[] newTimeSent = new long[newCapacity];
    long[] newTokens = new long[newCapacity];
    int[] newSizes = new int[newCapacity];
    byte[] newFlags = new byte[newCapacity];
    int[] newNewlyAcked = new int[newCapacity];
    for (long k = head; k < tail; k++) {
      int from = (int) (k & mask);
      int to = (int) (k & newMask);
      newPns[to] = pns[from];
      newTimeSent[to] = timeSent[from];
      newTokens[to] = tokens[from];
      newSizes[to] = sizes[from];
      newFlags[to] = flags[from];
    }
    for (int n = 0; n < newlyAckedCount; n++) {
      // The record's logical index is the one in [head, tail) that maps to its old slot.
      long k = head + ((newlyAcked[n] - head) & mask);
      newNewlyAcked[n] = (int) (k & newMask);
    }
    pns = newPns;
    timeSent = newTimeSent;
    tokens = newTokens;
    sizes = newSizes;
    flags = newFlags;
    newlyAcked = newNewlyAcked;
    capacity = newCapacity;
    mask = newMask;
  }

  /** The packet number space of this ledger. */
  public int space() {
    return space;
  }

  /** Whether no more ack-eliciting or in-flight packet can be recorded now. */
  public boolean isFull() {
    return tail - head >= maxCapacity;
  }

  /**
   * Records a sent packet.
   *
   * @param pn its packet number, larger than every packet number sent before in this space
   * @param size bytes of the packet that count in flight (the whole UDP payload share)
   * @param ackEliciting whether it carries an ack-eliciting frame
   * @param inFlight whether it counts towards bytes in flight (ack-eliciting or PADDING, RFC 9002
   *     §2)
   * @param token opaque value handed back in the listener callbacks
   * @throws IllegalStateException if the packet needs recording and {@link #isFull()}
   * @throws IllegalArgumentException if {@code pn} does not increase
   */
  public void onPacketSent(
      long pn, long nowNanos, int size, boolean ackEliciting, boolean inFlight, long token) {
    if (pn <= largestSent) {
      throw new IllegalArgumentException("packet number " + pn + " <= largest sent " + largestSent);
    }
    if (!ackEliciting && !inFlight) {
      largestSent = pn;
      return;
    }
    if (isFull()) {
      throw new IllegalStateException("sent packet ledger full");
    }
    if (tail - head >= capacity) {
      grow();
    }
    largestSent = pn;
    int i = (int) (tail & mask);
    tail++;
    pns[i] = pn;
    timeSent[i] = nowNanos;
    tokens[i] = token;
    sizes[i] = size;
    byte f = OUTSTANDING;
    if (ackEliciting) {
      f |= ACK_ELICITING;
      ackElicitingInFlight++;
      timeOfLastAckEliciting = nowNanos;
    }
    if (inFlight) {
      f |= IN_FLIGHT;
      bytesInFlight += size;
    }
    flags[i] = f;
  }

  /**
   * Step 1 of ACK processing: validates an ACK frame's ranges (RFC 9000 §19.3.1 encoding) and marks
   * the newly acknowledged packets. Does not call the listener.
   *
   * @param gaps Gap fields, {@code rangeCount} of them used
   * @param lengths ACK Range Length fields, {@code rangeCount} of them used
   * @return the number of newly acknowledged packets, or {@link ConnErrors#FRAME_ENCODING_ERROR}
   *     for ranges below 0, or {@link ConnErrors#PROTOCOL_VIOLATION} for an ACK of a packet number
   *     never sent (RFC 9000 §13.1); on error nothing changed
   */
  public int onAckReceived(
      long largest, long firstRange, int rangeCount, long[] gaps, long[] lengths) {
    newlyAckedCount = 0;
    rttSampleReady = false;
    if (largest < 0 || firstRange < 0 || firstRange > largest || rangeCount < 0) {
      return ConnErrors.FRAME_ENCODING_ERROR;
    }
    if (largest > largestSent) {
      return ConnErrors.PROTOCOL_VIOLATION;
    }
    if (rangeCount > gaps.length || rangeCount > lengths.length) {
      throw new IllegalArgumentException("rangeCount " + rangeCount + " exceeds arrays");
    }
    long lo = largest - firstRange;
    for (int r = 0; r < rangeCount; r++) {
      long gap = gaps[r];
      long len = lengths[r];
      // Next range: hi = lo - gap - 2, lo = hi - len; both must stay >= 0 (no overflow: lo >= 0).
      if (gap < 0 || len < 0 || gap > lo - 2 || len > lo - gap - 2) {
        return ConnErrors.FRAME_ENCODING_ERROR;
      }
      lo = lo - gap - 2 - len;
    }
    if (largest > largestAcked) {
      largestAcked = largest;
    }
    ackLargest = largest;
    long hi = largest;
    lo = largest - firstRange;
    markRange(lo, hi);
    for (int r = 0; r < rangeCount; r++) {
      hi = lo - gaps[r] - 2;
      lo = hi - lengths[r];
      markRange(lo, hi);
    }
    return newlyAckedCount;
  }

  private void markRange(long lo, long hi) {
    // Binary search for the newest record with pn <= hi.
    long a = head;
    long b = tail - 1;
    long found = -1;
    while (a <= b) {
      long m = (a + b) >>> 1;
      if (pns[(int) (m & mask)] <= hi) {
        found = m;
        a = m + 1;
      } else {
        b = m - 1;
      }
    }
    for (long k = found; k >= head && k >= 0; k--) {
      int i = (int) (k & mask);
      if (pns[i] < lo) {
        break;
      }
      byte f = flags[i];
      if ((f & OUTSTANDING) == 0) {
        continue;
      }
      flags[i] = (byte) ((f & ~OUTSTANDING) | ACKED);
      settle(f, i);
      if (pns[i] == ackLargest) {
        // RFC 9002 §5.1: an RTT sample needs the frame's Largest Acknowledged newly acknowledged;
        // hasRttSample() also requires an ack-eliciting packet among the newly acknowledged.
        largestNewlyAckedTimeSent = timeSent[i];
        rttSampleReady = true;
      }
      newlyAcked[newlyAckedCount++] = i;
    }
  }

  private void settle(byte f, int i) {
    if ((f & ACK_ELICITING) != 0) {
      ackElicitingInFlight--;
    }
    if ((f & IN_FLIGHT) != 0) {
      bytesInFlight -= sizes[i];
    }
  }

  /**
   * After {@link #onAckReceived}: whether the ACK yields an RTT sample, i.e. the ACK's Largest
   * Acknowledged was newly acknowledged and at least one newly acknowledged packet was
   * ack-eliciting (RFC 9002 §5.1).
   */
  public boolean hasRttSample() {
    if (!rttSampleReady) {
      return false;
    }
    for (int n = 0; n < newlyAckedCount; n++) {
      if ((flags[newlyAcked[n]] & ACK_ELICITING) != 0) {
        return true;
      }
    }
    return false;
  }

  /** After {@link #onAckReceived}: send time of the newly acknowledged largest packet. */
  public long largestNewlyAckedTimeSent() {
    return largestNewlyAckedTimeSent;
  }

  /** Number of packets marked by the last {@link #onAckReceived}. */
  public int newlyAckedCount() {
    return newlyAckedCount;
  }

  /**
   * Step 3 of ACK processing: reports the packets marked by the last {@link #onAckReceived}
   * (largest first) and frees their slots.
   */
  public void reportNewlyAcked(SentPacketListener listener) {
    for (int n = 0; n < newlyAckedCount; n++) {
      int i = newlyAcked[n];
      listener.onPacketAcked(
          space, pns[i], tokens[i], sizes[i], (flags[i] & IN_FLIGHT) != 0, timeSent[i]);
    }
    newlyAckedCount = 0;
    advanceHead();
  }

  /**
   * Step 2: declares outstanding packets at or below the largest acknowledged one lost when they
   * are {@link #PACKET_THRESHOLD} packets older or were sent more than {@code lossDelayNanos} ago
   * (RFC 9002 §6.1), reports them to {@code listener} and updates {@link #lossTime()}. Afterwards
   * {@link #lostInFlightBytes()}, {@link #lostCount()}, {@link #largestLostTimeSent()} and {@link
   * #persistentCongestion()} describe this call.
   *
   * @param firstRttSampleTime only packets sent after it count for persistent congestion ({@link
   *     PacketNumberSpace#NO_TIME} disables the check)
   * @param persistentCongestionNanos persistent congestion duration (RFC 9002 §7.6.1)
   */
  public void detectLostPackets(
      long nowNanos,
      long lossDelayNanos,
      long firstRttSampleTime,
      long persistentCongestionNanos,
      SentPacketListener listener) {
    lossTime = PacketNumberSpace.NO_TIME;
    lostInFlightBytes = 0;
    lostCount = 0;
    largestLostTimeSent = Long.MIN_VALUE;
    persistentCongestion = false;
    if (largestAcked < 0) {
      return;
    }
    long lostSendTime = nowNanos - lossDelayNanos;
    // Persistent congestion (RFC 9002 §7.6.2): ack-eliciting packets lost in a row, no packet in
    // between acknowledged, first and last sent more than the duration apart.
    long runStart = PacketNumberSpace.NO_TIME;
    for (long k = head; k < tail; k++) {
      int i = (int) (k & mask);
      if (pns[i] > largestAcked) {
        break;
      }
      byte f = flags[i];
      if ((f & ACKED) != 0) {
        runStart = PacketNumberSpace.NO_TIME;
        continue;
      }
      if ((f & OUTSTANDING) == 0) {
        continue;
      }
      long sent = timeSent[i];
      if (sent <= lostSendTime || largestAcked - pns[i] >= PACKET_THRESHOLD) {
        flags[i] = (byte) (f & ~OUTSTANDING);
        settle(f, i);
        lostCount++;
        if ((f & IN_FLIGHT) != 0) {
          lostInFlightBytes += sizes[i];
          if (sent > largestLostTimeSent) {
            largestLostTimeSent = sent;
          }
        }
        if ((f & ACK_ELICITING) != 0
            && firstRttSampleTime != PacketNumberSpace.NO_TIME
            && sent > firstRttSampleTime) {
          if (runStart == PacketNumberSpace.NO_TIME) {
            runStart = sent;
          } else if (sent - runStart > persistentCongestionNanos) {
            persistentCongestion = true;
          }
        }
        listener.onPacketLost(space, pns[i], tokens[i], sizes[i], (f & IN_FLIGHT) != 0, sent);
      } else {
        long t = sent + lossDelayNanos;
        if (t < lossTime) {
          lossTime = t;
        }
      }
    }
    if (newlyAckedCount == 0) {
      advanceHead();
    }
  }

  private void advanceHead() {
    while (head < tail && (flags[(int) (head & mask)] & OUTSTANDING) == 0) {
      flags[(int) (head & mask)] = 0;
      head++;
    }
  }

  /**
   * Forgets every record (the space's keys were discarded, RFC 9002 §6.4), reporting outstanding
   * ones as discarded.
   *
   * @return the bytes in flight removed (to take out of congestion control)
   */
  public long discardAll(SentPacketListener listener) {
    long removed = bytesInFlight;
    for (long k = head; k < tail; k++) {
      int i = (int) (k & mask);
      if ((flags[i] & OUTSTANDING) != 0) {
        listener.onPacketDiscarded(space, pns[i], tokens[i], sizes[i]);
      }
      flags[i] = 0;
    }
    head = tail;
    newlyAckedCount = 0;
    bytesInFlight = 0;
    ackElicitingInFlight = 0;
    lossTime = PacketNumberSpace.NO_TIME;
    timeOfLastAckEliciting = PacketNumberSpace.NO_TIME;
    return removed;
  }

  /** Earliest time an outstanding packet becomes lost by the time threshold, or NO_TIME. */
  public long lossTime() {
    return lossTime;
  }

  /** Send time of the last ack-eliciting packet, or NO_TIME (after a discard). */
  public long timeOfLastAckEliciting() {
    return timeOfLastAckEliciting;
  }

  /** Number of ack-eliciting packets outstanding. */
  public int ackElicitingInFlight() {
    return ackElicitingInFlight;
  }

  /** Bytes of in-flight packets outstanding in this space. */
  public long bytesInFlight() {
    return bytesInFlight;
  }

  /** Largest packet number sent, -1 if none. */
  public long largestSent() {
    return largestSent;
  }

  /** Largest packet number acknowledged by the peer, -1 if none. */
  public long largestAcked() {
    return largestAcked;
  }

  /** Slots in use (outstanding records plus settled ones not yet freed). */
  public int recordCount() {
    return (int) (tail - head);
  }

  /** After {@link #detectLostPackets}: in-flight bytes declared lost. */
  public long lostInFlightBytes() {
    return lostInFlightBytes;
  }

  /** After {@link #detectLostPackets}: packets declared lost. */
  public int lostCount() {
    return lostCount;
  }

  /** After {@link #detectLostPackets}: send time of the newest lost in-flight packet. */
  public long largestLostTimeSent() {
    return largestLostTimeSent;
  }

  /** After {@link #detectLostPackets}: whether the losses establish persistent congestion. */
  public boolean persistentCongestion() {
    return persistentCongestion;
  }
}
