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

  private static final int RELAY_SAMPLES = 4096; // relayed datagrams timed per iteration

  private final long[] relayReadNanos = new long[RELAY_SAMPLES];
  private int relayPending;

  private static long clamp(long nanos) {
    return nanos < 1 ? 1 : Math.min(nanos, HIGHEST_TRACKABLE_NANOS);
  }

  /**
   * Loop thread only: a relayed copy was queued for a datagram read at {@code readNanos}; timed at
   * {@link #endIteration} (at most {@value #RELAY_SAMPLES} per iteration, the rest untimed).
   */
  void relayed(long readNanos) {
    if (relayPending < RELAY_SAMPLES) {
      relayReadNanos[relayPending++] = readNanos;
    }
  }

  /**
   * Loop thread only: an iteration that did work ran from {@code start} to {@code end} (after its
   * flush); records it and the relay latency of every copy queued in it.
   */
  void endIteration(long start, long end) {
    dutyCycle.recordValue(clamp(end - start));
    for (int i = 0; i < relayPending; i++) {
      relayLatency.recordValue(clamp(end - relayReadNanos[i]));
    }
    relayPending = 0;
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
