package dev.ztna.server.loop;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one {@code stats:} line at INFO every interval, from its own daemon thread (never from the
 * duty cycle): live connections, bytes allocated so far by the loop thread, heap in use, GC count
 * and time, then every non-zero counter as {@code name=value}. Operators read it for health; {@code
 * perf/} reads it for allocation per operation (the difference of {@code loop_allocated_bytes}
 * between two lines over the difference of an operation counter).
 */
public final class StatsReporter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StatsReporter.class);

  private final ZtnaServer server;
  private final List<? extends CounterSet<?>> extraCounters;
  private final ScheduledExecutorService executor;

  private StatsReporter(ZtnaServer server, List<? extends CounterSet<?>> extraCounters) {
    this.server = server;
    this.extraCounters = List.copyOf(extraCounters);
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ztna-stats");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts logging every {@code interval} (nothing is started when it is zero or negative); {@code
   * extraCounters} (e.g. the relay's) are appended to the server's.
   */
  public static StatsReporter start(
      ZtnaServer server, Duration interval, List<? extends CounterSet<?>> extraCounters) {
    StatsReporter reporter = new StatsReporter(server, extraCounters);
    if (!interval.isZero() && !interval.isNegative()) {
      long ms = interval.toMillis();
      // The task never throws (logLine catches), so the future carries nothing worth reading.
      ScheduledFuture<?> unused =
          reporter.executor.scheduleAtFixedRate(reporter::logLine, ms, ms, TimeUnit.MILLISECONDS);
    }
    return reporter;
  }

  private void logLine() {
    try {
      LOG.info("stats: {}", line());
    } catch (RuntimeException e) {
      LOG.warn("stats line failed", e);
    }
  }

  /** The current line (without the {@code stats: } prefix). */
  public String line() {
    StringBuilder sb = new StringBuilder(512);
    sb.append("live_connections=").append(server.liveConnections());
    sb.append(" loop_allocated_bytes=").append(loopAllocatedBytes(server.loopThread()));
    sb.append(" heap_used_bytes=")
        .append(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    long gcCount = 0;
    long gcTimeMs = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcCount += Math.max(0, gc.getCollectionCount());
      gcTimeMs += Math.max(0, gc.getCollectionTime());
    }
    sb.append(" gc_count=").append(gcCount).append(" gc_time_ms=").append(gcTimeMs);
    appendCounters(sb, server.counters());
    for (CounterSet<?> counters : extraCounters) {
      appendCounters(sb, counters);
    }
    return sb.toString();
  }

  private static void appendCounters(StringBuilder sb, CounterSet<?> counters) {
    String text = counters.toString();
    if (!text.isEmpty()) {
      sb.append(' ').append(text);
    }
  }

  /**
   * Bytes allocated so far by {@code thread} (HotSpot's per-thread counter), or -1 where the JVM
   * does not provide it.
   */
  static long loopAllocatedBytes(Thread thread) {
    ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    if (thread == null || !(bean instanceof com.sun.management.ThreadMXBean)) {
      return -1;
    }
    @SuppressWarnings("deprecation") // Thread.threadId() is JDK 19+; this must run on 17
    long id = thread.getId();
    return ((com.sun.management.ThreadMXBean) bean).getThreadAllocatedBytes(id);
  }

  /**
   * Stops logging and waits (up to 5 s) for a line in progress, so that none reads the counters
   * once their file is unmapped.
   */
  @Override
  public void close() {
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("the stats thread has not stopped after 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
