package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Shared helpers of the real-client fault scenarios: condition waits with a generous deadline,
 * seeded payloads, and echo round trips that tolerate datagram loss (DATAGRAM frames are
 * unreliable, RFC 9221 §5) by re-sending until the same bytes come back.
 */
final class Scenarios {
  /** The deadline of every wait: generous, the scenarios normally finish in well under a second. */
  static final long DEADLINE_SECONDS = 30;

  private Scenarios() {}

  /** Polls {@code condition} every 5 ms until it holds; fails after {@link #DEADLINE_SECONDS}. */
  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + DEADLINE_SECONDS + " s waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  /** A payload of {@code size} bytes derived from {@code seed} and the size (so sizes differ). */
  static byte[] payload(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed * 1_000_003L + size).nextBytes(b);
    return b;
  }

  /**
   * Sends {@code payload} and waits until exactly these bytes come back, skipping anything else
   * (late duplicates of earlier echoes: Kwik retransmits DATAGRAM frames). Re-sends every 200 ms
   * while nothing matching came back, so a lost datagram in either direction is not a failure.
   */
  static void echo(Consumer<byte[]> send, BlockingQueue<byte[]> received, byte[] payload)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    while (System.nanoTime() < deadline) {
      send.accept(payload);
      long resendAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
      long now;
      while ((now = System.nanoTime()) < resendAt) {
        byte[] back = received.poll(resendAt - now, TimeUnit.NANOSECONDS);
        if (back != null && Arrays.equals(back, payload)) {
          return;
        }
      }
    }
    throw new AssertionError("no echo of " + payload.length + " bytes within the deadline");
  }

  /** Sends once and expects the exact bytes back (no loss expected: direct loopback). */
  static void echoOnce(Consumer<byte[]> send, BlockingQueue<byte[]> received, byte[] payload)
      throws InterruptedException {
    send.accept(payload);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    long now;
    while ((now = System.nanoTime()) < deadline) {
      byte[] back = received.poll(deadline - now, TimeUnit.NANOSECONDS);
      if (back != null && back.length == payload.length) {
        assertArrayEquals(payload, back, "echo of " + payload.length + " bytes changed");
        return;
      }
    }
    throw new AssertionError("no echo of " + payload.length + " bytes within the deadline");
  }
}
