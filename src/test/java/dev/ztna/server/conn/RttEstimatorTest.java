package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RttEstimatorTest {
  private static final long MS = 1_000_000L;

  @Test
  void initialValues() {
    RttEstimator r = new RttEstimator();
    assertFalse(r.hasSample());
    assertEquals(333 * MS, r.smoothedRtt());
    assertEquals(166_500_000L, r.rttVar());
    // PTO = 333 + 4 * 166.5 = 999 ms, plus max_ack_delay in the application space.
    assertEquals(999 * MS, r.pto(false));
    assertEquals(1024 * MS, r.pto(true));
  }

  @Test
  void firstSampleInitialisesEverything() {
    RttEstimator r = new RttEstimator();
    r.onRttSample(100 * MS, 10 * MS, false, 7);
    assertTrue(r.hasSample());
    assertEquals(7, r.firstSampleTime());
    assertEquals(100 * MS, r.latestRtt());
    assertEquals(100 * MS, r.minRtt());
    assertEquals(100 * MS, r.smoothedRtt()); // the first sample ignores ack delay
    assertEquals(50 * MS, r.rttVar());
  }

  @Test
  void subsequentSampleSubtractsAckDelay() {
    RttEstimator r = new RttEstimator();
    r.onRttSample(100 * MS, 0, true, 0);
    r.onRttSample(130 * MS, 20 * MS, true, 1);
    // adjusted = 110; rttvar = 3/4*50 + 1/4*|100-110| = 40; srtt = 7/8*100 + 1/8*110 = 101.25
    assertEquals(40 * MS, r.rttVar());
    assertEquals(101_250_000L, r.smoothedRtt());
    assertEquals(100 * MS, r.minRtt());
  }

  @Test
  void ackDelayNotSubtractedBelowMinRtt() {
    RttEstimator r = new RttEstimator();
    r.onRttSample(100 * MS, 0, true, 0);
    r.onRttSample(110 * MS, 20 * MS, true, 1); // 110 - 20 < min_rtt 100: use 110
    assertEquals((7 * 100 * MS + 110 * MS) / 8, r.smoothedRtt());
  }

  @Test
  void ackDelayCappedOnlyAfterHandshakeConfirmed() {
    RttEstimator unconfirmed = new RttEstimator();
    RttEstimator confirmed = new RttEstimator();
    unconfirmed.setMaxAckDelay(10 * MS);
    confirmed.setMaxAckDelay(10 * MS);
    unconfirmed.onRttSample(50 * MS, 0, false, 0);
    confirmed.onRttSample(50 * MS, 0, true, 0);
    unconfirmed.onRttSample(200 * MS, 100 * MS, false, 1); // adjusted 100
    confirmed.onRttSample(200 * MS, 100 * MS, true, 1); // ack delay capped to 10: adjusted 190
    assertEquals((7 * 50 * MS + 100 * MS) / 8, unconfirmed.smoothedRtt());
    assertEquals((7 * 50 * MS + 190 * MS) / 8, confirmed.smoothedRtt());
  }

  @Test
  void minRttTracksSmallestRawSample() {
    RttEstimator r = new RttEstimator();
    r.onRttSample(100 * MS, 0, true, 0);
    r.onRttSample(80 * MS, 50 * MS, true, 1);
    assertEquals(80 * MS, r.minRtt());
  }

  @Test
  void ptoHasGranularityFloorAndLossDelay() {
    RttEstimator r = new RttEstimator();
    r.setMaxAckDelay(0);
    r.onRttSample(0, 0, true, 0);
    assertEquals(RttEstimator.GRANULARITY_NANOS, r.pto(true));
    assertEquals(RttEstimator.GRANULARITY_NANOS, r.lossDelay());
    r.onRttSample(80 * MS, 0, true, 1);
    // loss delay = 9/8 * max(srtt, latest) = 9/8 * 80 ms
    assertEquals(90 * MS, r.lossDelay());
    assertEquals(
        3 * (r.smoothedRtt() + Math.max(4 * r.rttVar(), RttEstimator.GRANULARITY_NANOS)),
        r.persistentCongestionDuration());
  }
}
