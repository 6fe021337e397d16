package dev.ztna.server.loop;

/**
 * An allocation-free token bucket on a nanosecond clock. The rate is passed on every call (so a new
 * rate applies at once, without touching the buckets), the burst is one second's worth of the rate,
 * and a new bucket starts full. Tokens are kept in nano-units ({@code tokens x 10^9}) so that
 * refills every few nanoseconds never round down to nothing. Single-threaded.
 */
public final class TokenBucket {
  /** Largest rate per second: {@code rate x 10^9} must fit in a {@code long}. */
  public static final long MAX_RATE = 9_000_000_000L;

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private long nanoTokens = -1; // -1: full at first use
  private long lastNanos;

  /**
   * Takes {@code cost} tokens if the bucket holds them.
   *
   * @param cost tokens wanted, 0..{@link #MAX_RATE}
   * @param ratePerSecond the refill rate and burst; 0 means unlimited (always true)
   * @param nowNanos the current time
   * @return true when the tokens were taken; false (and nothing taken) otherwise
   */
  public boolean tryTake(long cost, long ratePerSecond, long nowNanos) {
    if (ratePerSecond <= 0) {
      return true;
    }
    long capacity = ratePerSecond * NANOS_PER_SECOND;
    if (nanoTokens < 0) {
      nanoTokens = capacity;
    } else {
      long elapsed = nowNanos - lastNanos;
      if (elapsed >= NANOS_PER_SECOND) {
        nanoTokens = capacity;
      } else if (elapsed > 0) {
        nanoTokens = Math.min(capacity, nanoTokens + elapsed * ratePerSecond);
      }
    }
    lastNanos = nowNanos;
    long wanted = cost * NANOS_PER_SECOND;
    if (nanoTokens < wanted) {
      return false;
    }
    nanoTokens -= wanted;
    return true;
  }
}
