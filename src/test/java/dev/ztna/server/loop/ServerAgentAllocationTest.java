package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.loop.ServerCounters.Counter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The stateless paths of the loop allocate nothing in steady state: the agent is driven on this
 * thread (no agent thread), so the thread's allocated-bytes counter covers receive, header parsing,
 * token minting and validation, Retry/VN encoding, the integrity tag and the send.
 */
class ServerAgentAllocationTest {
  private static final int WARMUP = 20_000;
  private static final int MEASURED = 5_000;
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private final Random random = new Random(42);

  /**
   * Sends one prepared datagram and runs the agent until it produced {@code counter}'s next
   * increment.
   */
  private static void roundTrip(AgentHarness h, ByteBuffer datagram, Counter counter)
      throws IOException {
    long before = h.counters.get(counter);
    datagram.rewind();
    h.client.send(datagram, h.endpoint.localAddress());
    long deadline = System.nanoTime() + AgentHarness.DEADLINE_NS;
    while (h.counters.get(counter) == before) {
      h.agent.doWork();
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the agent never produced " + counter);
      }
    }
    h.clientRx.clear();
    h.client.receive(h.clientRx); // drain the reply, if any (no allocation: same sender every time)
  }

  private long measure(AgentHarness h, ByteBuffer datagram, Counter counter) throws IOException {
    for (int i = 0; i < WARMUP; i++) {
      roundTrip(h, datagram, counter);
    }
    long best = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 3 && best != 0; attempt++) {
      long start = THREADS.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < MEASURED; i++) {
        roundTrip(h, datagram, counter);
      }
      best = Math.min(best, THREADS.getCurrentThreadAllocatedBytes() - start);
    }
    return best;
  }

  private static ByteBuffer direct(byte[] bytes) {
    ByteBuffer b = ByteBuffer.allocateDirect(bytes.length);
    b.put(bytes).flip();
    return b;
  }

  @Test
  void retryPathAllocatesNothing() throws IOException {
    try (AgentHarness h = new AgentHarness(ServerConfig.RetryMode.ALWAYS)) {
      ByteBuffer initial =
          direct(TestPackets.initial(new byte[8], new byte[8], new byte[0], 1200, random));
      long bytes = measure(h, initial, Counter.RETRY_SENT);
      assertEquals(0, bytes, "bytes allocated over " + MEASURED + " Retries");
    }
  }

  @Test
  void tokenValidationAllocatesNothing() {
    // A valid token creates a connection (which allocates by design), so the validation itself is
    // measured.
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    RetryTokens tokens = new RetryTokens(secret, 10_000);
    byte[] ip = {127, 0, 0, 1};
    byte[] odcid = new byte[8];
    byte[] token = new byte[RetryTokens.MAX_LENGTH];
    byte[] rscid = new byte[8];
    int len = tokens.mint(ip, 4, 4433, odcid, 0, 8, rscid, 0, 8, 1_000L, token, 0);
    long best = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 3 && best != 0; attempt++) {
      for (int i = 0; i < WARMUP; i++) {
        assertEquals(
            RetryTokens.VALID, tokens.validate(token, 0, len, rscid, 0, 8, ip, 4, 4433, 2_000L));
      }
      long start = THREADS.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < MEASURED * 10; i++) {
        if (tokens.validate(token, 0, len, rscid, 0, 8, ip, 4, 4433, 2_000L) != RetryTokens.VALID) {
          throw new AssertionError("token refused");
        }
      }
      best = Math.min(best, THREADS.getCurrentThreadAllocatedBytes() - start);
    }
    assertEquals(0, best, "bytes allocated over " + MEASURED * 10 + " token validations");
  }

  @Test
  void versionNegotiationPathAllocatesNothing() throws IOException {
    try (AgentHarness h = new AgentHarness(ServerConfig.RetryMode.ALWAYS)) {
      ByteBuffer unknown =
          direct(
              TestPackets.longHeader(
                  0x0a0a0a0a, 0xc0, new byte[8], new byte[8], new byte[0], 1200, random));
      long bytes = measure(h, unknown, Counter.VERSION_NEGOTIATION_SENT);
      assertEquals(0, bytes, "bytes allocated over " + MEASURED + " Version Negotiations");
    }
  }

  @Test
  void statelessResetPathAllocatesNothing() throws IOException {
    // The reset padding is an AES keystream (RFC 9000 §10.3): still allocation-free.
    try (AgentHarness h = new AgentHarness(ServerConfig.RetryMode.ALWAYS)) {
      byte[] p = TestPackets.randomBytes(random, 60);
      p[0] = 0x41;
      long bytes = measure(h, direct(p), Counter.DATAGRAMS_RECEIVED);
      assertTrue(h.counters.get(Counter.STATELESS_RESET_SENT) > 0);
      assertEquals(0, bytes, "bytes allocated over " + MEASURED + " stateless reset triggers");
    }
  }
}
