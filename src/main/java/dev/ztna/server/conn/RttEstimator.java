package dev.ztna.server.conn;

/**
 * Round-trip time estimation per RFC 9002 §5 (latest, minimum, smoothed RTT and its variation) and
 * the probe timeout duration of RFC 9002 §6.2.1. All values are in nanoseconds. Single-threaded,
 * allocation-free.
 */
public final class RttEstimator {
  /** kInitialRtt, RFC 9002 §6.2.2: 333 ms. */
  public static final long INITIAL_RTT_NANOS = 333_000_000L;

  /** kGranularity, RFC 9002 §6.1.2: 1 ms. */
  public static final long GRANULARITY_NANOS = 1_000_000L;

  /** Default max_ack_delay of the peer when it does not send the transport parameter: 25 ms. */
  public static final long DEFAULT_MAX_ACK_DELAY_NANOS = 25_000_000L;

  /** kPersistentCongestionThreshold, RFC 9002 §7.6.1. */
  public static final int PERSISTENT_CONGESTION_THRESHOLD = 3;

  private long latestRtt;
  private long minRtt;
  private long smoothedRtt;
  private long rttVar;
  private boolean hasSample;
  private long firstSampleTime = PacketNumberSpace.NO_TIME;
  private long maxAckDelayNanos = DEFAULT_MAX_ACK_DELAY_NANOS;

  /** A fresh estimator: smoothed_rtt = 333 ms, rttvar = 166.5 ms (RFC 9002 §5.3, §6.2.2). */
  public RttEstimator() {
    reset();
  }

  /** Back to the initial state (e.g. after a path change, RFC 9000 §9.4). */
  public void reset() {
    latestRtt = 0;
    minRtt = 0;
    smoothedRtt = INITIAL_RTT_NANOS;
    rttVar = INITIAL_RTT_NANOS / 2;
    hasSample = false;
    firstSampleTime = PacketNumberSpace.NO_TIME;
  }

  /** Sets the peer's max_ack_delay transport parameter (RFC 9000 §18.2). */
  public void setMaxAckDelay(long nanos) {
    if (nanos < 0) {
      throw new IllegalArgumentException("max_ack_delay " + nanos);
    }
    this.maxAckDelayNanos = nanos;
  }

  /** The peer's max_ack_delay in nanoseconds. */
  public long maxAckDelay() {
    return maxAckDelayNanos;
  }

  /**
   * Takes an RTT sample (RFC 9002 §5.1, §5.3): call when the largest acknowledged packet of an ACK
   * frame is newly acknowledged and at least one newly acknowledged packet was ack-eliciting.
   *
   * @param latestRttNanos now minus the send time of the largest acknowledged packet
   * @param ackDelayNanos the decoded ACK Delay field; the caller passes 0 for the Initial space,
   *     whose acknowledgments are never delayed (RFC 9002 §5.3)
   * @param handshakeConfirmed once true, the ack delay is capped at the peer's max_ack_delay
   * @param nowNanos the current time (remembered for the first sample, see {@link
   *     #firstSampleTime()})
   */
  public void onRttSample(
      long latestRttNanos, long ackDelayNanos, boolean handshakeConfirmed, long nowNanos) {
    if (latestRttNanos < 0) {
      latestRttNanos = 0;
    }
    if (ackDelayNanos < 0) {
      ackDelayNanos = 0;
    }
    latestRtt = latestRttNanos;
    if (!hasSample) {
      hasSample = true;
      firstSampleTime = nowNanos;
      minRtt = latestRttNanos;
      smoothedRtt = latestRttNanos;
      rttVar = latestRttNanos / 2;
      return;
    }
    // min_rtt ignores ack delay (RFC 9002 §5.2).
    if (latestRttNanos < minRtt) {
      minRtt = latestRttNanos;
    }
    if (handshakeConfirmed && ackDelayNanos > maxAckDelayNanos) {
      ackDelayNanos = maxAckDelayNanos;
    }
    long adjusted = latestRttNanos;
    // Never subtract the ack delay if that would bring the sample below min_rtt.
    if (latestRttNanos - minRtt >= ackDelayNanos) {
      adjusted = latestRttNanos - ackDelayNanos;
    }
    rttVar = (3 * rttVar + Math.abs(smoothedRtt - adjusted)) / 4;
    smoothedRtt = (7 * smoothedRtt + adjusted) / 8;
  }

  /** Whether at least one RTT sample was taken. */
  public boolean hasSample() {
    return hasSample;
  }

  /** Time of the first RTT sample, {@link PacketNumberSpace#NO_TIME} before it. */
  public long firstSampleTime() {
    return firstSampleTime;
  }

  /** latest_rtt (0 before the first sample). */
  public long latestRtt() {
    return latestRtt;
  }

  /** min_rtt (0 before the first sample). */
  public long minRtt() {
    return minRtt;
  }

  /** smoothed_rtt. */
  public long smoothedRtt() {
    return smoothedRtt;
  }

  /** rttvar. */
  public long rttVar() {
    return rttVar;
  }

  /**
   * The probe timeout duration without backoff (RFC 9002 §6.2.1): smoothed_rtt + max(4*rttvar,
   * kGranularity), plus the peer's max_ack_delay when {@code includeMaxAckDelay} (application space
   * only).
   */
  public long pto(boolean includeMaxAckDelay) {
    long pto = smoothedRtt + Math.max(4 * rttVar, GRANULARITY_NANOS);
    return includeMaxAckDelay ? pto + maxAckDelayNanos : pto;
  }

  /**
   * The time threshold loss delay (RFC 9002 §6.1.2): max(9/8 * max(smoothed_rtt, latest_rtt),
   * kGranularity).
   */
  public long lossDelay() {
    long base = Math.max(smoothedRtt, latestRtt);
    return Math.max(base + base / 8, GRANULARITY_NANOS);
  }

  /**
   * Duration above which a run of lost packets is persistent congestion (RFC 9002 §7.6.1):
   * (smoothed_rtt + max(4*rttvar, kGranularity) + max_ack_delay) * 3.
   */
  public long persistentCongestionDuration() {
    return pto(true) * PERSISTENT_CONGESTION_THRESHOLD;
  }
}
