package dev.ztna.server.conn;

/**
 * NewReno congestion control as specified in RFC 9002 §7 and Appendix B: slow start, congestion
 * avoidance, a recovery period per congestion event, and collapse to the minimum window on
 * persistent congestion (§7.6). Byte counts only; the connection calls it for every in-flight
 * packet (DATAGRAM frames included). ECN and pacing are not handled here. Single-threaded,
 * allocation-free.
 */
public final class NewRenoCongestionController {
  /** kLossReductionFactor = 0.5, applied as a shift. */
  private static final int LOSS_REDUCTION_SHIFT = 1;

  private final long maxDatagramSize;
  private final long minimumWindow;
  private final long initialWindow;

  private long congestionWindow;
  private long ssthresh = Long.MAX_VALUE;
  private long bytesInFlight;
  private long recoveryStartTime = Long.MIN_VALUE; // Long.MIN_VALUE: not in recovery
  private long avoidanceAckedBytes;
  private boolean recoveryActive;
  private int congestionEvents;
  private int persistentCongestionEvents;
  private boolean applicationLimited;

  /**
   * @param maxDatagramSize the sender's maximum datagram size (UDP payload), e.g. 1200..1350
   */
  public NewRenoCongestionController(int maxDatagramSize) {
    if (maxDatagramSize < 1200) {
      throw new IllegalArgumentException("maxDatagramSize " + maxDatagramSize);
    }
    this.maxDatagramSize = maxDatagramSize;
    // RFC 9002 §7.2: min(10 * max_datagram_size, max(14720, 2 * max_datagram_size)).
    this.initialWindow = Math.min(10L * maxDatagramSize, Math.max(14_720L, 2L * maxDatagramSize));
    this.minimumWindow = 2L * maxDatagramSize;
    this.congestionWindow = initialWindow;
  }

  /**
   * Back to the initial window, out of slow start and recovery (a new path, RFC 9000 §9.4); bytes
   * in flight stay counted until those packets are acknowledged or declared lost.
   */
  public void resetForNewPath() {
    congestionWindow = initialWindow;
    ssthresh = Long.MAX_VALUE;
    recoveryStartTime = Long.MIN_VALUE;
    avoidanceAckedBytes = 0;
  }

  /** Whether a packet of {@code bytes} fits in the congestion window now. */
  public boolean canSend(int bytes) {
    return bytesInFlight + bytes <= congestionWindow;
  }

  /** Bytes the window still allows (never negative). */
  public long availableWindow() {
    long a = congestionWindow - bytesInFlight;
    return a < 0 ? 0 : a;
  }

  /** An in-flight packet of {@code bytes} was sent. */
  public void onPacketSent(int bytes) {
    bytesInFlight += bytes;
  }

  /** An in-flight packet was acknowledged (RFC 9002 Appendix B.5). */
  public void onPacketAcked(int bytes, long timeSentNanos) {
    bytesInFlight -= bytes;
    if (inRecovery(timeSentNanos)) {
      // Packets sent before the recovery period started do not grow the window (§7.3.2).
      return;
    }
    recoveryActive = false; // a packet sent during recovery was acknowledged: it ends (§7.3.2)
    if (applicationLimited) {
      return; // an under-used window is not grown (§7.8)
    }
    if (congestionWindow < ssthresh) {
      congestionWindow += bytes; // slow start
    } else {
      // Congestion avoidance: one max_datagram_size per congestion window acknowledged.
      avoidanceAckedBytes += bytes;
      if (avoidanceAckedBytes >= congestionWindow) {
        avoidanceAckedBytes -= congestionWindow;
        congestionWindow += maxDatagramSize;
      }
    }
  }

  /**
   * In-flight packets were declared lost (RFC 9002 Appendix B.8), aggregated over one loss
   * detection pass.
   *
   * @param lostBytes in-flight bytes declared lost
   * @param largestLostTimeSent send time of the newest lost in-flight packet
   * @param persistentCongestion whether the losses establish persistent congestion (§7.6)
   */
  public void onPacketsLost(
      long lostBytes, long largestLostTimeSent, boolean persistentCongestion, long nowNanos) {
    if (lostBytes > 0) {
      bytesInFlight -= lostBytes;
      onCongestionEvent(largestLostTimeSent, nowNanos);
    }
    if (persistentCongestion) {
      persistentCongestionEvents++;
      congestionWindow = minimumWindow;
      recoveryStartTime = Long.MIN_VALUE;
      recoveryActive = false;
      avoidanceAckedBytes = 0;
    }
  }

  private void onCongestionEvent(long sentTime, long nowNanos) {
    if (inRecovery(sentTime)) {
      return; // at most one reduction per round trip (§7.3.2)
    }
    congestionEvents++;
    recoveryStartTime = nowNanos;
    recoveryActive = true;
    ssthresh = congestionWindow >> LOSS_REDUCTION_SHIFT;
    congestionWindow = Math.max(ssthresh, minimumWindow);
    avoidanceAckedBytes = 0;
  }

  /**
   * In-flight bytes of a discarded packet number space (RFC 9002 §6.4) or of packets otherwise
   * removed without an acknowledgment or loss signal.
   */
  public void onPacketsDiscarded(long bytes) {
    bytesInFlight -= bytes;
  }

  /**
   * The connection tells whether it is application or flow-control limited, i.e. had less to send
   * than the window allowed (RFC 9002 §7.8); while true, acknowledgments do not grow the window.
   */
  public void setApplicationLimited(boolean limited) {
    this.applicationLimited = limited;
  }

  /** Whether the sender declared itself application limited. */
  public boolean isApplicationLimited() {
    return applicationLimited;
  }

  /** Whether a packet sent at {@code timeSentNanos} belongs to the current recovery period. */
  public boolean inRecovery(long timeSentNanos) {
    return recoveryStartTime != Long.MIN_VALUE && timeSentNanos <= recoveryStartTime;
  }

  /**
   * Whether the sender is in a recovery period: from a congestion event until a packet sent after
   * its start is acknowledged (RFC 9002 §7.3.2). For tracing (qlog congestion state).
   */
  public boolean inRecoveryPeriod() {
    return recoveryActive;
  }

  /** The congestion window in bytes. */
  public long congestionWindow() {
    return congestionWindow;
  }

  /** The slow start threshold ({@link Long#MAX_VALUE} until the first congestion event). */
  public long ssthresh() {
    return ssthresh;
  }

  /** Bytes in flight. */
  public long bytesInFlight() {
    return bytesInFlight;
  }

  /** The initial window of RFC 9002 §7.2. */
  public long initialWindow() {
    return initialWindow;
  }

  /** The minimum window, 2 * max_datagram_size. */
  public long minimumWindow() {
    return minimumWindow;
  }

  /** Number of congestion events (window reductions) so far. */
  public int congestionEvents() {
    return congestionEvents;
  }

  /** Number of times persistent congestion collapsed the window. */
  public int persistentCongestionEvents() {
    return persistentCongestionEvents;
  }
}
