package dev.ztna.server.loop;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Latency histograms the loop thread records and another thread (the admin endpoint) reads, handed
 * over by HdrHistogram's interval swap ({@link SingleWriterRecorder}): the loop records into the
 * active, pre-allocated histogram without locks, waits or allocation; the reader swaps in a spare
 * and takes the filled one ({@link #dutyCycleInterval}, {@link #relayLatencyInterval}). Values are
 * nanoseconds, clamped to {@link #HIGHEST_TRACKABLE_NANOS}, with 2 significant digits (1 %).
 *
 * <ul>
 *   <li>duty-cycle work time: the nanos of each {@code doWork()} iteration that did work;
 *   <li>in-server relay latency: for each DATAGRAM the application queued on another connection
 *       while it handled a received DATAGRAM (the relay), from the moment the loop read the UDP
 *       datagram that carried it (right after {@code receive}/{@code read} returned) to the end of
 *       the flush in the same iteration, which wrote every connection's packets to its socket. A
 *       relayed copy that congestion control holds back past that flush leaves later; that wait is
 *       not in this figure.
 * </ul>
 */
public final class LoopMetrics {
  /** Values above this are recorded as this (10 s). */
  public static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private static final int DIGITS = 2;

  private final SingleWriterRecorder dutyCycle =
      new SingleWriterRecorder(1, HIGHEST_TRACKABLE_NANOS, DIGITS);
  private final SingleWriterRecorder relayLatency =
      new SingleWriterRecorder(1, HIGHEST_TRACKABLE_NANOS, DIGITS);

  private static long clamp(long nanos) {
    return nanos < 1 ? 1 : Math.min(nanos, HIGHEST_TRACKABLE_NANOS);
  }

  /** Loop thread only: one iteration that did work took {@code nanos}. */
  void recordDutyCycle(long nanos) {
    dutyCycle.recordValue(clamp(nanos));
  }

  /** Loop thread only: one relayed datagram spent {@code nanos} in the server. */
  void recordRelayLatency(long nanos) {
    relayLatency.recordValue(clamp(nanos));
  }

  /**
   * The duty-cycle values recorded since the previous call (one reader thread at a time); {@code
   * recycle} (the histogram the previous call returned, or null) is reused as the next spare.
   */
  public synchronized Histogram dutyCycleInterval(Histogram recycle) {
    return dutyCycle.getIntervalHistogram(recycle);
  }

  /** As {@link #dutyCycleInterval}, for the relay latency. */
  public synchronized Histogram relayLatencyInterval(Histogram recycle) {
    return relayLatency.getIntervalHistogram(recycle);
  }

  /** A histogram of this shape, e.g. for a reader's running total. */
  public static Histogram newHistogram() {
    return new Histogram(1, HIGHEST_TRACKABLE_NANOS, DIGITS);
  }
}
