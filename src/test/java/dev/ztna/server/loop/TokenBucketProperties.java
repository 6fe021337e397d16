package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The token bucket never lets more through than its burst plus its rate over the elapsed time. */
class TokenBucketProperties {
  @Property
  void neverExceedsBurstPlusRate(
      @ForAll @LongRange(min = 1, max = 2_000_000) long rate,
      @ForAll @Size(min = 1, max = 300) List<@IntRange(min = 0, max = 20_000_000) Integer> gaps,
      @ForAll @IntRange(min = 1, max = 1500) int cost) {
    TokenBucket bucket = new TokenBucket();
    long now = 5_000_000_000L;
    long start = now;
    long taken = 0;
    for (int gap : gaps) {
      now += gap;
      if (bucket.tryTake(cost, rate, now)) {
        taken += cost;
      }
    }
    double allowed = rate + rate * ((now - start) / 1e9);
    assertTrue(taken <= allowed + 1e-6, "took " + taken + ", allowed " + allowed);
  }

  @Property
  void unlimitedAlwaysAdmits(@ForAll @LongRange(min = 0, max = 1_000_000) long cost) {
    assertTrue(new TokenBucket().tryTake(cost, 0, 123));
  }

  @Test
  void refillsAtTheRate() {
    TokenBucket b = new TokenBucket();
    long t = 1_000_000_000L;
    for (int i = 0; i < 10; i++) {
      assertTrue(b.tryTake(1, 10, t), "burst " + i);
    }
    assertFalse(b.tryTake(1, 10, t));
    // Tiny refills add up: 100 steps of 1 ms are one token at 10/s.
    int admitted = 0;
    for (int i = 0; i < 100; i++) {
      t += 1_000_000L;
      if (b.tryTake(1, 10, t)) {
        admitted++;
      }
    }
    assertEquals(1, admitted);
    assertTrue(b.tryTake(10, 10, t + 1_000_000_000L), "full again after a second");
  }
}
