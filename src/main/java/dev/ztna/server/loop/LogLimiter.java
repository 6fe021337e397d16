package dev.ztna.server.loop;

/**
 * Lets one log line through per interval and counts the ones it held back, so that a line an
 * attacker can trigger costs at most one formatted message per interval. Allocation-free;
 * single-threaded (the loop thread).
 */
final class LogLimiter {
  private final long intervalNanos;
  private long nextNanos = Long.MIN_VALUE;
  private long suppressed;

  LogLimiter(long intervalNanos) {
    this.intervalNanos = intervalNanos;
  }

  /** True when a line may be logged now; otherwise the line is counted as suppressed. */
  boolean tryAcquire(long nowNanos) {
    if (nextNanos != Long.MIN_VALUE && nowNanos - nextNanos < 0) {
      suppressed++;
      return false;
    }
    nextNanos = nowNanos + intervalNanos;
    return true;
  }

  /** Lines held back since the last one let through; resets the count. */
  long takeSuppressed() {
    long s = suppressed;
    suppressed = 0;
    return s;
  }
}
