package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class RttEstimatorProperties {
  private static final long MS = 1_000_000L;

  /**
   * Whatever the samples and ack delays: min_rtt is the smallest raw sample, smoothed_rtt stays
   * within [min adjusted sample, max sample], rttvar is non-negative and the PTO at least
   * kGranularity.
   */
  @Property(tries = 500)
  void estimatesStayWithinSampleBounds(
      @ForAll @Size(min = 1, max = 200) List<@LongRange(min = 0, max = 2_000) Long> samplesMs,
      @ForAll @Size(min = 1, max = 200) List<@LongRange(min = 0, max = 300) Long> delaysMs,
      @ForAll boolean confirmed) {
    RttEstimator r = new RttEstimator();
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int i = 0; i < samplesMs.size(); i++) {
      long sample = samplesMs.get(i) * MS;
      long delay = delaysMs.get(i % delaysMs.size()) * MS;
      r.onRttSample(sample, delay, confirmed, i);
      min = Math.min(min, sample);
      max = Math.max(max, sample);
      assertTrue(r.minRtt() == min);
      assertTrue(r.smoothedRtt() <= max, "srtt above every sample");
      assertTrue(r.smoothedRtt() >= min - 1, "srtt below min_rtt"); // -1: integer rounding
      assertTrue(r.rttVar() >= 0);
      assertTrue(r.pto(false) >= RttEstimator.GRANULARITY_NANOS);
      assertTrue(r.pto(true) >= r.pto(false));
      assertTrue(r.lossDelay() >= RttEstimator.GRANULARITY_NANOS);
    }
  }
}
