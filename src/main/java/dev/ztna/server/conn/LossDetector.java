package dev.ztna.server.conn;

/**
 * Server-side loss detection across the three packet number spaces (RFC 9002 §6 and Appendix A):
 * ties the per-space {@link SentPacketLedger}s to the {@link RttEstimator}, the {@link
 * NewRenoCongestionController} and the {@link AmplificationLimiter}, and runs the single loss
 * detection timer (time threshold loss or probe timeout with exponential backoff).
 *
 * <p>Server specifics: the peer (a client) has always completed address validation from the
 * server's point of view, so the PTO count is reset by every acknowledgment and no timer is armed
 * without ack-eliciting packets in flight (the anti-deadlock probe of RFC 9002 §6.2.2.1 is a client
 * duty). While the server is blocked by the anti-amplification limit no PTO is armed (§6.2.2.1):
 * the connection calls {@link #setLossDetectionTimer()} after every {@link AmplificationLimiter}
 * update that may change {@link AmplificationLimiter#isBlocked()} (a datagram sent, or received
 * before validation, and validation itself); a PTO that expires while blocked is cancelled.
 *
 * <p>The application space gets no PTO before the handshake is confirmed (§6.2.1). When a PTO
 * fires, {@link #ptoSpace()} names the space that must send {@link #probesPending()} ack-eliciting
 * probe packets; probes are not blocked by congestion control (§7.5). Single-threaded,
 * allocation-free.
 */
public final class LossDetector {
  /** Result of {@link #onLossDetectionTimeout(long)}: the timer had not expired. */
  public static final int TIMEOUT_NONE = 0;

  /**
   * Result of {@link #onLossDetectionTimeout(long)}: packets were declared lost by time threshold.
   */
  public static final int TIMEOUT_LOSS = 1;

  /**
   * Result of {@link #onLossDetectionTimeout(long)}: probe timeout, send probes in {@link
   * #ptoSpace()}.
   */
  public static final int TIMEOUT_PTO = 2;

  /** Probe packets to send per PTO (RFC 9002 §6.2.4 allows one or two). */
  public static final int PROBES_PER_PTO = 2;

  private static final int MAX_BACKOFF_SHIFT = 24;

  private final SentPacketLedger[] ledgers = new SentPacketLedger[PacketNumberSpace.COUNT];
  private final boolean[] discarded = new boolean[PacketNumberSpace.COUNT];
  private final RttEstimator rtt;
  private final NewRenoCongestionController cc;
  private final AmplificationLimiter amplification;
  private final SentPacketListener listener;
  private final SentPacketListener internal = new Forwarder();

  private boolean handshakeConfirmed;
  private int ptoCount;
  private long timer = PacketNumberSpace.NO_TIME;
  private int ptoSpace = -1;
  private int probesPending;
  private int ptoCandidateSpace = -1;

  /**
   * @param ledgerCapacity capacity of each space's ledger (power of two)
   * @param listener receives acknowledged, lost and discarded packets for retransmission
   *     bookkeeping
   */
  public LossDetector(
      RttEstimator rtt,
      NewRenoCongestionController cc,
      AmplificationLimiter amplification,
      SentPacketListener listener,
      int ledgerCapacity) {
    this(rtt, cc, amplification, listener, ledgerCapacity, ledgerCapacity);
  }

  /**
   * As the fixed-capacity constructor, with ledgers that start at {@code initialLedgerCapacity}
   * records and double on demand up to {@code maxLedgerCapacity} (see {@link SentPacketLedger}).
   */
  public LossDetector(
      RttEstimator rtt,
      NewRenoCongestionController cc,
      AmplificationLimiter amplification,
      SentPacketListener listener,
      int initialLedgerCapacity,
      int maxLedgerCapacity) {
    this.rtt = rtt;
    this.cc = cc;
    this.amplification = amplification;
    this.listener = listener;
    for (int s = 0; s < PacketNumberSpace.COUNT; s++) {
      ledgers[s] = new SentPacketLedger(s, initialLedgerCapacity, maxLedgerCapacity);
    }
  }

  /** The ledger of {@code space}. */
  public SentPacketLedger ledger(int space) {
    return ledgers[space];
  }

  /** Whether no more ack-eliciting or in-flight packet can be recorded in {@code space} now. */
  public boolean isFull(int space) {
    return ledgers[space].isFull();
  }

  /**
   * The handshake is confirmed (RFC 9001 §4.1.2): application space PTO and ack delay cap apply.
   */
  public void setHandshakeConfirmed() {
    if (!handshakeConfirmed) {
      handshakeConfirmed = true;
      setLossDetectionTimer();
    }
  }

  /** Whether the handshake is confirmed. */
  public boolean handshakeConfirmed() {
    return handshakeConfirmed;
  }

  /**
   * Records a sent packet (RFC 9002 Appendix A.5) and re-arms the timer. Pure ACK packets ({@code
   * !ackEliciting && !inFlight}) are only counted for packet number validation.
   */
  public void onPacketSent(
      int space,
      long pn,
      long nowNanos,
      int size,
      boolean ackEliciting,
      boolean inFlight,
      long token) {
    if (discarded[space]) {
      throw new IllegalStateException(PacketNumberSpace.name(space) + " space discarded");
    }
    ledgers[space].onPacketSent(pn, nowNanos, size, ackEliciting, inFlight, token);
    if (inFlight) {
      cc.onPacketSent(size);
    }
    if (ackEliciting) {
      if (probesPending > 0 && space == ptoSpace) {
        probesPending--;
      }
      setLossDetectionTimer();
    }
  }

  /**
   * Processes an ACK frame (RFC 9002 Appendix A.7): marks acknowledged packets, takes an RTT
   * sample, detects losses, informs congestion control and the listener, re-arms the timer.
   *
   * @param ackDelayNanos the decoded ACK Delay (ignored for the Initial space)
   * @return newly acknowledged packet count, or a negative {@link ConnErrors} code (nothing
   *     changed)
   */
  public int onAckReceived(
      int space,
      long largest,
      long ackDelayNanos,
      long firstRange,
      int rangeCount,
      long[] gaps,
      long[] lengths,
      long nowNanos) {
    if (discarded[space]) {
      return 0; // keys gone: such packets cannot even be decrypted any more
    }
    SentPacketLedger ledger = ledgers[space];
    int n = ledger.onAckReceived(largest, firstRange, rangeCount, gaps, lengths);
    if (n <= 0) {
      return n;
    }
    if (ledger.hasRttSample()) {
      long delay = space == PacketNumberSpace.INITIAL ? 0 : ackDelayNanos;
      rtt.onRttSample(
          nowNanos - ledger.largestNewlyAckedTimeSent(), delay, handshakeConfirmed, nowNanos);
    }
    detectAndRemoveLostPackets(space, nowNanos);
    ledger.reportNewlyAcked(internal);
    // The server always considers the client's address validation complete (RFC 9002 §6.2.1).
    ptoCount = 0;
    setLossDetectionTimer();
    return n;
  }

  private void detectAndRemoveLostPackets(int space, long nowNanos) {
    SentPacketLedger ledger = ledgers[space];
    ledger.detectLostPackets(
        nowNanos,
        rtt.lossDelay(),
        rtt.firstSampleTime(),
        rtt.persistentCongestionDuration(),
        internal);
    if (ledger.lostCount() > 0) {
      cc.onPacketsLost(
          ledger.lostInFlightBytes(),
          ledger.largestLostTimeSent(),
          ledger.persistentCongestion(),
          nowNanos);
    }
  }

  /**
   * Re-arms the loss detection timer (RFC 9002 Appendix A.8): the earliest time threshold loss time
   * if any, else the PTO unless amplification-blocked or nothing ack-eliciting is in flight.
   */
  public void setLossDetectionTimer() {
    long lossTime = earliestLossTime();
    if (lossTime != PacketNumberSpace.NO_TIME) {
      timer = lossTime;
      return;
    }
    if (amplification != null && amplification.isBlocked()) {
      timer = PacketNumberSpace.NO_TIME;
      return;
    }
    timer = ptoTime();
  }

  private long earliestLossTime() {
    long t = PacketNumberSpace.NO_TIME;
    for (int s = 0; s < PacketNumberSpace.COUNT; s++) {
      long l = ledgers[s].lossTime();
      if (l < t) {
        t = l;
      }
    }
    return t;
  }

  private int earliestLossSpace() {
    long t = PacketNumberSpace.NO_TIME;
    int space = -1;
    for (int s = 0; s < PacketNumberSpace.COUNT; s++) {
      long l = ledgers[s].lossTime();
      if (l < t) {
        t = l;
        space = s;
      }
    }
    return space;
  }

  /** PTO time (and {@link #ptoCandidateSpace}), RFC 9002 Appendix A.8 GetPtoTimeAndSpace. */
  private long ptoTime() {
    int shift = Math.min(ptoCount, MAX_BACKOFF_SHIFT);
    long duration = rtt.pto(false) << shift;
    long best = PacketNumberSpace.NO_TIME;
    ptoCandidateSpace = -1;
    for (int s = 0; s < PacketNumberSpace.COUNT; s++) {
      SentPacketLedger l = ledgers[s];
      if (discarded[s] || l.ackElicitingInFlight() == 0) {
        continue;
      }
      long d = duration;
      if (s == PacketNumberSpace.APPLICATION) {
        if (!handshakeConfirmed) {
          break; // no application space PTO before the handshake is confirmed (§6.2.1)
        }
        d += rtt.maxAckDelay() << shift;
      }
      long t = l.timeOfLastAckEliciting() + d;
      if (t < best) {
        best = t;
        ptoCandidateSpace = s;
      }
    }
    return best;
  }

  /** The loss detection timer deadline, {@link PacketNumberSpace#NO_TIME} when not armed. */
  public long timerDeadline() {
    return timer;
  }

  /**
   * Handles the loss detection timer (RFC 9002 Appendix A.9). Safe to call early: returns {@link
   * #TIMEOUT_NONE} if the deadline has not passed.
   */
  public int onLossDetectionTimeout(long nowNanos) {
    if (timer == PacketNumberSpace.NO_TIME || nowNanos < timer) {
      return TIMEOUT_NONE;
    }
    int lossSpace = earliestLossSpace();
    if (lossSpace >= 0) {
      detectAndRemoveLostPackets(lossSpace, nowNanos);
      setLossDetectionTimer();
      return TIMEOUT_LOSS;
    }
    if (amplification != null && amplification.isBlocked()) {
      // Armed before the last datagram hit the limit: no PTO while blocked (RFC 9002 §6.2.2.1).
      timer = PacketNumberSpace.NO_TIME;
      return TIMEOUT_NONE;
    }
    ptoTime();
    if (ptoCandidateSpace < 0) {
      // Nothing ack-eliciting in flight: a server has nothing to probe (the client does, §6.2.2.1).
      timer = PacketNumberSpace.NO_TIME;
      return TIMEOUT_NONE;
    }
    ptoSpace = ptoCandidateSpace;
    probesPending = PROBES_PER_PTO;
    ptoCount++;
    setLossDetectionTimer();
    return TIMEOUT_PTO;
  }

  /** The space that must send probes after the last PTO, -1 if none yet. */
  public int ptoSpace() {
    return ptoSpace;
  }

  /**
   * Ack-eliciting probe packets still to send in {@link #ptoSpace()}; each ack-eliciting packet
   * sent there counts down. Probes bypass the congestion window (RFC 9002 §7.5), not the
   * amplification limit.
   */
  public int probesPending() {
    return probesPending;
  }

  /** Number of consecutive PTOs without an acknowledgment. */
  public int ptoCount() {
    return ptoCount;
  }

  /**
   * Whether an in-flight packet of {@code bytes} may be sent in {@code space} now: a probe is
   * pending there, or the congestion window has room; and the ledger has room.
   */
  public boolean canSend(int space, int bytes) {
    if (ledgers[space].isFull()) {
      return false;
    }
    return (probesPending > 0 && space == ptoSpace) || cc.canSend(bytes);
  }

  /**
   * Discards a packet number space whose keys were dropped (RFC 9002 §6.4, Appendix A.11): its
   * outstanding packets leave bytes in flight without a loss signal, the PTO count is reset.
   */
  public void discardSpace(int space) {
    if (discarded[space]) {
      return;
    }
    discarded[space] = true;
    long bytes = ledgers[space].discardAll(listener);
    cc.onPacketsDiscarded(bytes);
    if (ptoSpace == space) {
      probesPending = 0;
      ptoSpace = -1;
    }
    ptoCount = 0;
    setLossDetectionTimer();
  }

  /** Whether {@code space} was discarded. */
  public boolean isDiscarded(int space) {
    return discarded[space];
  }

  /** Sum of the ledgers' in-flight bytes (equals the congestion controller's count). */
  public long bytesInFlight() {
    long b = 0;
    for (SentPacketLedger l : ledgers) {
      b += l.bytesInFlight();
    }
    return b;
  }

  /** Forwards ledger events to congestion control (acks) and the connection's listener. */
  private final class Forwarder implements SentPacketListener {
    @Override
    public void onPacketAcked(
        int space, long pn, long token, int size, boolean inFlight, long timeSentNanos) {
      if (inFlight) {
        cc.onPacketAcked(size, timeSentNanos);
      }
      listener.onPacketAcked(space, pn, token, size, inFlight, timeSentNanos);
    }

    @Override
    public void onPacketLost(
        int space, long pn, long token, int size, boolean inFlight, long timeSentNanos) {
      // Congestion control gets the aggregate after the pass (SentPacketLedger#lostInFlightBytes).
      listener.onPacketLost(space, pn, token, size, inFlight, timeSentNanos);
    }

    @Override
    public void onPacketDiscarded(int space, long pn, long token, int size) {
      listener.onPacketDiscarded(space, pn, token, size);
    }
  }
}
