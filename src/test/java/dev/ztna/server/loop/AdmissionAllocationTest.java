package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.conn.HandshakeClient;
import dev.ztna.server.loop.ServerCounters.Counter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The admission path allocates nothing: limit checks against the per-address maps, admission and
 * release bookkeeping, the DATAGRAM token buckets, the refusal rate limit, and the Retry of {@code
 * --retry under-load} while under load. The CONNECTION_REFUSED answer itself derives Initial keys
 * (allocates; rate-limited): its cost per refusal is measured and bounded here.
 */
class AdmissionAllocationTest {
  private static final int WARMUP = 20_000;
  private static final int MEASURED = 50_000;
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private interface Body {
    void run(int i);
  }

  private static long allocated(Body body) {
    for (int i = 0; i < WARMUP; i++) {
      body.run(i);
    }
    long best = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 3 && best != 0; attempt++) {
      long start = THREADS.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < MEASURED; i++) {
        body.run(i);
      }
      best = Math.min(best, THREADS.getCurrentThreadAllocatedBytes() - start);
    }
    return best;
  }

  @Test
  void checksBookkeepingAndBucketsAllocateNothing() {
    ServerCounters counters = new ServerCounters();
    AdmissionControl admission =
        new AdmissionControl(
            Limits.builder()
                .maxConnectionsPerIp(4)
                .datagramsPerSecond(1_000)
                .bytesPerSecond(100_000)
                .build(),
            counters);
    PeerAddress peer = new PeerAddress();
    peer.update(new InetSocketAddress("192.0.2.7", 4433));
    long full = SourceAddressCounts.key(peer);
    ServerConnection[] held = new ServerConnection[4];
    for (int i = 0; i < held.length; i++) {
      held[i] = new ServerConnection(null, i, null, 0);
      admission.onAdmitted(held[i], full);
    }
    ServerConnection churn = new ServerConnection(null, 99, null, 0);
    InetSocketAddress from = peer.socketAddress();
    long[] now = {1_000_000_000L};
    long bytes =
        allocated(
            i -> {
              now[0] += 1_000;
              admission.startIteration();
              if (admission.check(full, from, now[0])
                  != AdmissionControl.REFUSE_CONNECTIONS_PER_IP) {
                throw new AssertionError("per-address cap not applied");
              }
              long other = 0xffff_ffff_0000_0000L | (i & 0xffff);
              if (admission.check(other, from, now[0]) != AdmissionControl.ADMIT) {
                throw new AssertionError("another address refused");
              }
              admission.onAdmitted(churn, other);
              if (i % 2 == 0) {
                admission.onEstablished(churn);
              }
              admission.onFreed(churn);
              admission.allowDatagram(held[i & 3], 1200, now[0]);
              admission.allowRefusal(100, 1200, now[0]);
            });
    assertEquals(0, bytes, "bytes allocated over " + MEASURED + " admission decisions");
    assertEquals(4, admission.live());
    assertTrue(counters.get(Counter.REFUSED_MAX_CONNECTIONS_PER_IP) > 0);
  }

  @Test
  void underLoadRetryAllocatesNothing() throws IOException {
    Random random = new Random(7);
    try (AgentHarness h =
            new AgentHarness(
                ServerConfig.RetryMode.UNDER_LOAD,
                // No handshake deadline: the half-open connection must outlive a slow run.
                Limits.builder().retryHalfOpenThreshold(0).handshakeTimeoutMs(0).build());
        DatagramChannel other = AgentHarness.openClient()) {
      // One half-open connection from another socket: now every token-less Initial gets a Retry.
      for (byte[] d : new HandshakeClient(random).flush()) {
        h.sendAndPump(other, d);
      }
      assertEquals(1, h.agent.admission().halfOpen());
      ByteBuffer[] initial = {
        direct(TestPackets.initial(new byte[8], new byte[8], new byte[0], 1200, random))
      };
      long bytes = measure(h, initial, Counter.RETRY_SENT, WARMUP, 5_000);
      assertEquals(0, bytes, "bytes allocated over 5000 under-load Retries");
      assertTrue(h.counters.get(Counter.RETRY_UNDER_LOAD) > 5_000);
    }
  }

  @Test
  void aRefusalCostsABoundedAllocation() throws IOException {
    Random random = new Random(8);
    try (AgentHarness h =
            new AgentHarness(
                ServerConfig.RetryMode.NEVER,
                Limits.builder().maxConnections(1).handshakeTimeoutMs(0).build());
        DatagramChannel other = AgentHarness.openClient()) {
      for (byte[] d : new HandshakeClient(random).flush()) {
        h.sendAndPump(other, d);
      }
      // Distinct DCIDs (a retransmission would reuse the last keys); fewer refusals than the
      // refusal bucket's burst, so every one is answered.
      ByteBuffer[] initials = new ByteBuffer[400];
      for (int i = 0; i < initials.length; i++) {
        initials[i] =
            direct(
                TestPackets.initial(
                    TestPackets.randomBytes(random, 8), new byte[8], new byte[0], 1200, random));
      }
      // 100 + 3 x 250 refusals stay within the refusal bucket's burst of 1000.
      long bytes = measure(h, initials, Counter.CONNECTION_REFUSED_SENT, 100, 250);
      System.out.println("bytes allocated per CONNECTION_REFUSED: " + bytes / 250);
      assertTrue(bytes / 250 < 32 * 1024, "per refusal " + bytes / 250);
      assertEquals(1, h.agent.liveConnections());
    }
  }

  private static ByteBuffer direct(byte[] bytes) {
    ByteBuffer b = ByteBuffer.allocateDirect(bytes.length);
    b.put(bytes).flip();
    return b;
  }

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
    h.client.receive(h.clientRx);
  }

  /** Best of three measured runs, cycling through {@code datagrams}. */
  private static long measure(
      AgentHarness h, ByteBuffer[] datagrams, Counter counter, int warmup, int measured)
      throws IOException {
    for (int i = 0; i < warmup; i++) {
      roundTrip(h, datagrams[i % datagrams.length], counter);
    }
    long best = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 3 && best != 0; attempt++) {
      long start = THREADS.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < measured; i++) {
        roundTrip(h, datagrams[i % datagrams.length], counter);
      }
      best = Math.min(best, THREADS.getCurrentThreadAllocatedBytes() - start);
    }
    return best;
  }
}
