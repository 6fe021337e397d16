package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogRateLimiterTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void withoutAStartTimeTheFirstCallSetsTheOriginEvenOnANegativeClock() {
    // System.nanoTime() may be negative: the bucket must still refill from the first call.
    long t0 = -50 * SECOND;
    LogRateLimiter l = new LogRateLimiter(1, 1);
    assertTrue(l.tryAcquire(t0));
    assertFalse(l.tryAcquire(t0 + SECOND / 2));
    assertTrue(l.tryAcquire(t0 + SECOND), "refilled one second after the first call");
    assertEquals(1, l.takeSuppressed());
  }

  @Test
  void burstThenRateAndSuppressedCount() {
    LogRateLimiter l = new LogRateLimiter(10, 3, 0);
    assertTrue(l.tryAcquire(0));
    assertTrue(l.tryAcquire(0));
    assertTrue(l.tryAcquire(0));
    assertFalse(l.tryAcquire(0));
    assertFalse(l.tryAcquire(SECOND / 20));
    assertTrue(l.tryAcquire(SECOND / 10), "one token per 100 ms");
    assertEquals(2, l.takeSuppressed());
    assertEquals(0, l.takeSuppressed());
    assertFalse(l.tryAcquire(SECOND / 10));
    // A long quiet period refills to the burst, not beyond.
    long later = 100 * SECOND;
    for (int i = 0; i < 3; i++) {
      assertTrue(l.tryAcquire(later));
    }
    assertFalse(l.tryAcquire(later));
  }

  @Test
  void allocatesNothing() {
    LogRateLimiter l = new LogRateLimiter(10, 20, 0);
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long t = Thread.currentThread().getId();
    for (int i = 0; i < 10_000; i++) {
      l.tryAcquire(i * 1000L);
    }
    long before = mx.getThreadAllocatedBytes(t);
    for (int i = 0; i < 1_000_000; i++) {
      l.tryAcquire(i * 1000L);
    }
    long allocated = mx.getThreadAllocatedBytes(t) - before;
    // One allocation per call would be at least 16 MB; the measurement itself costs a few bytes.
    assertTrue(allocated < 1024, allocated + " bytes for 1M calls");
  }
}
