package dev.ztna.server.relay;

/**
 * A token bucket for attacker-triggerable log lines: at most {@code perSecond} lines a second on
 * average, bursts up to {@code burst}; the lines it refuses are counted so that the next line can
 * say how many were suppressed. Time comes from the caller (nanoseconds, any origin). Allocates
 * nothing; one thread.
 */
final class LogBudget {
  private final long nanosPerLine;
  private final long burstNanos;
  private long credit; // in nanoseconds of accumulated allowance
  private long last;
  private boolean started;
  private long suppressed;

  LogBudget(int perSecond, int burst) {
    this.nanosPerLine = 1_000_000_000L / perSecond;
    this.burstNanos = nanosPerLine * burst;
  }

  /** True if a line may be logged at {@code now}; otherwise counts it as suppressed. */
  boolean tryAcquire(long now) {
    if (!started) {
      started = true;
      last = now;
      credit = burstNanos;
    }
    long elapsed = now - last;
    if (elapsed > 0) {
      credit = elapsed >= burstNanos - credit ? burstNanos : credit + elapsed; // no overflow
    }
    last = now;
    if (credit >= nanosPerLine) {
      credit -= nanosPerLine;
      return true;
    }
    suppressed++;
    return false;
  }

  /** How many lines were suppressed since the last call; resets the count. */
  long takeSuppressed() {
    long s = suppressed;
    suppressed = 0;
    return s;
  }
}
