package dev.ztna.server.loop;

/**
 * A token bucket for log lines that a remote peer can trigger: at most {@code burst} lines at once
 * and {@code perSecond} on average; the lines refused in between are counted so the next line
 * allowed can say how many were suppressed. Loop thread only; allocation-free.
 */
public final class LogRateLimiter {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final long burst;
  private final long nanosPerToken;
  private long tokens;
  private long lastRefillNanos;
  private boolean started;
  private long suppressed;

  /**
   * @param perSecond average lines per second, at least 1
   * @param burst lines allowed at once, at least 1
   * @param nowNanos the current time of the clock later passed to {@link #tryAcquire}
   */
  public LogRateLimiter(int perSecond, int burst, long nowNanos) {
    if (perSecond < 1 || burst < 1) {
      throw new IllegalArgumentException("perSecond and burst must be at least 1");
    }
    this.burst = burst;
    this.nanosPerToken = NANOS_PER_SECOND / perSecond;
    this.tokens = burst;
    this.lastRefillNanos = nowNanos;
    this.started = true;
  }

  /**
   * As {@link #LogRateLimiter(int, int, long)}, with the clock's origin taken from the first {@link
   * #tryAcquire} (for owners created before the loop's clock runs).
   */
  public LogRateLimiter(int perSecond, int burst) {
    this(perSecond, burst, 0);
    this.started = false;
  }

  /** True if a line may be logged now; false counts it as suppressed. */
  public boolean tryAcquire(long nowNanos) {
    if (!started) {
      started = true;
      lastRefillNanos = nowNanos;
    }
    long elapsed = nowNanos - lastRefillNanos;
    if (elapsed >= nanosPerToken) {
      long add = elapsed / nanosPerToken;
      tokens = Math.min(burst, tokens + add);
      lastRefillNanos = tokens == burst ? nowNanos : lastRefillNanos + add * nanosPerToken;
    }
    if (tokens > 0) {
      tokens--;
      return true;
    }
    suppressed++;
    return false;
  }

  /**
   * Lines suppressed since the previous call (call after a successful {@link #tryAcquire} to report
   * them), and resets the count.
   */
  public long takeSuppressed() {
    long s = suppressed;
    suppressed = 0;
    return s;
  }
}
