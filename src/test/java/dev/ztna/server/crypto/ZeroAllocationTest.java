package dev.ztna.server.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Per-packet operations allocate exactly 0 bytes in steady state (measured with the thread
 * allocation counter over 100k iterations after a warm-up; the minimum of a few attempts must be 0,
 * to tolerate one-off JIT/runtime noise).
 */
class ZeroAllocationTest {
  private static final com.sun.management.ThreadMXBean TMX =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  interface Op {
    void run(int i);
  }

  @SuppressWarnings("deprecation") // Thread.getId(): threadId() is JDK 19+
  private static long allocated() {
    return TMX.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  /** Minimum over 5 attempts of the bytes allocated by {@code iters} calls, after warm-up. */
  static long measure(Op op, int iters) {
    for (int i = 0; i < 20_000; i++) {
      op.run(i);
    }
    long min = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 5 && min != 0; attempt++) {
      long before = allocated();
      for (int i = 0; i < iters; i++) {
        op.run(i);
      }
      long delta = allocated() - before;
      min = Math.min(min, delta);
    }
    return min;
  }

  static List<AeadEquivalenceProperties.Impl> impls() {
    List<AeadEquivalenceProperties.Impl> l = new ArrayList<>();
    for (AeadEquivalenceProperties.Impl i : AeadEquivalenceProperties.Impl.values()) {
      if (AeadFactory.INTRINSIC_WORKS || i.aes != AeadFactory.AesImpl.JDK_INTRINSIC) {
        l.add(i);
      }
    }
    return l;
  }

  static volatile Object sink;

  @Test
  void measurementBaselineIsZeroAndDetectsAllocation() {
    assertEquals(0, measure(i -> {}, 100_000));
    assertTrue(measure(i -> sink = new byte[16], 1000) >= 16_000);
  }

  @ParameterizedTest
  @MethodSource("impls")
  void sealOpen64And1200(AeadEquivalenceProperties.Impl impl) {
    SplittableRandom r = new SplittableRandom(42);
    byte[] secret = new byte[impl.suite.hash().length()];
    r.nextBytes(secret);
    PacketProtection tx = PacketProtection.create(impl.suite, secret, impl.aes);
    PacketProtection rx = PacketProtection.create(impl.suite, secret, impl.aes);
    for (int size : new int[] {64, 1200}) {
      byte[] buf = new byte[1500];
      r.nextBytes(buf);
      int[] failures = new int[1];
      long bytes =
          measure(
              i -> {
                int n = tx.seal(buf, 3, 20, size, i);
                if (rx.open(buf, 3, 20, n, i) != size) {
                  failures[0]++;
                }
              },
              100_000);
      assertEquals(0, failures[0]);
      assertEquals(0, bytes, impl + " seal+open " + size + " B allocated");
    }
  }

  @ParameterizedTest
  @MethodSource("impls")
  void protectUnprotectAndMask(AeadEquivalenceProperties.Impl impl) {
    byte[] secret = new byte[impl.suite.hash().length()];
    PacketProtection tx = PacketProtection.create(impl.suite, secret, impl.aes);
    PacketProtection rx = PacketProtection.create(impl.suite, secret, impl.aes);
    byte[] buf = new byte[1500];
    byte[] mask = new byte[5];
    int[] failures = new int[1];
    long bytes =
        measure(
            i -> {
              buf[0] = 0x41; // short header, pnLen 2
              buf[9] = (byte) (i >>> 8);
              buf[10] = (byte) i;
              int total = tx.protect(buf, 0, 9, 2, 100, i);
              if (rx.unprotect(buf, 0, 9, total, i - 1) != i) {
                failures[0]++;
              }
              tx.headerProtectionMask(buf, 20, mask);
            },
            100_000);
    assertEquals(0, failures[0]);
    assertEquals(0, bytes, impl + " protect+unprotect+mask allocated");
  }

  @Test
  void retryIntegrityTags() {
    List<RetryIntegrity> ris = new ArrayList<>();
    ris.add(new RetryIntegrity(AeadFactory.AesImpl.PORTABLE));
    if (AeadFactory.INTRINSIC_WORKS) {
      ris.add(new RetryIntegrity(AeadFactory.AesImpl.JDK_INTRINSIC));
    }
    for (RetryIntegrity ri : ris) {
      byte[] odcid = new byte[20];
      byte[] retry = new byte[120];
      int[] failures = new int[1];
      long bytes =
          measure(
              i -> {
                odcid[0] = (byte) i;
                ri.computeTag(odcid, 0, 20, retry, 0, 104, retry, 104);
                if (!ri.verify(odcid, 0, 20, retry, 0, 120)) {
                  failures[0]++;
                }
              },
              100_000);
      assertEquals(0, failures[0]);
      assertEquals(0, bytes, "Retry integrity allocated");
    }
  }

  @Test
  void postJitResultsStillMatchJce() throws Exception {
    // After the loops above (or on its own) the compiled/intrinsified code must still agree with
    // JCE: run long enough to be compiled, then compare a fresh batch.
    SplittableRandom r = new SplittableRandom(7);
    for (AeadEquivalenceProperties.Impl impl : impls()) {
      byte[] key = new byte[impl.suite.keyLength()];
      r.nextBytes(key);
      Aead aead = impl.create(key);
      byte[] nonce = new byte[12];
      byte[] buf = new byte[1300];
      for (int i = 0; i < 30_000; i++) {
        aead.seal(nonce, buf, 0, 20, buf, 20, (i & 1) == 0 ? 64 : 1200);
      }
      for (int t = 0; t < 50; t++) {
        int len = r.nextInt(1200);
        r.nextBytes(nonce);
        r.nextBytes(buf);
        byte[] aad = java.util.Arrays.copyOfRange(buf, 0, 20);
        byte[] plain = java.util.Arrays.copyOfRange(buf, 20, 20 + len);
        byte[] expected = AeadEquivalenceProperties.jceSeal(impl.suite, key, nonce, aad, plain);
        aead.seal(nonce, buf, 0, 20, buf, 20, len);
        assertTrue(
            java.util.Arrays.equals(expected, 0, len + 16, buf, 20, 20 + len + 16),
            impl + " len " + len);
      }
    }
  }
}
