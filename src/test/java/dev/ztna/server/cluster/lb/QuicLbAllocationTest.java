package dev.ztna.server.cluster.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Minting a QUIC-LB CID and decoding its server ID allocate nothing in steady state (thread
 * allocation counter over 100k calls after a warm-up; the minimum of 5 attempts must be 0).
 */
class QuicLbAllocationTest {
  private static final com.sun.management.ThreadMXBean TMX =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @SuppressWarnings("deprecation") // Thread.getId(): threadId() is JDK 19+
  private static long allocated() {
    return TMX.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  @ParameterizedTest(name = "sid {0} nonce {1} keyed {2}")
  @CsvSource({"2,6,false", "2,6,true", "8,8,true", "10,5,true", "3,16,false"})
  void mintAndDecodeAllocateNothing(int sidLength, int nonceLength, boolean keyed) {
    byte[] key = keyed ? QuicLbVectorsTest.hex("8f95f09245765f80256934e50c66207f") : null;
    QuicLbConfig config = new QuicLbConfig(1, sidLength, nonceLength, key, true);
    QuicLbConnectionIds ids =
        new QuicLbConnectionIds(config, new byte[sidLength], QuicLbProperties.seeded(7));
    QuicLbDecoder decoder = new QuicLbDecoder(config);
    byte[] cid = new byte[20];
    byte[] sid = new byte[19];
    int[] bad = new int[1];
    Runnable op =
        () -> {
          ids.next(cid, 0);
          if (decoder.serverId(cid, 0, config.cidLength(), sid, 0) != sidLength) {
            bad[0]++;
          }
        };
    for (int i = 0; i < 20_000; i++) {
      op.run();
    }
    long min = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 5 && min != 0; attempt++) {
      long before = allocated();
      for (int i = 0; i < 100_000; i++) {
        op.run();
      }
      min = Math.min(min, allocated() - before);
    }
    assertEquals(0, min, "bytes allocated by 100k mint+decode");
    assertEquals(0, bad[0]);
  }
}
