package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.cluster.fabric.FabricCounters;
import dev.ztna.server.cluster.fabric.FabricNodes;
import dev.ztna.server.relay.RelayCounters;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cross-node relay path allocates nothing: a real quiche Agent on node 0 and Connector on node
 * 1 relay through both servers and the Aeron fabric between them (tryClaim on one loop thread, poll
 * on the other, both ways), and the bytes allocated by either node's duty-cycle thread stay at 0
 * over thousands of round trips after warm-up. Also prints the round-trip latency through two nodes
 * (for perf/RESULTS.md; no assertion on time).
 */
class FabricRelayAllocationTest {
  private static final int WINDOW = 16;
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @TempDir Path dir;

  /** Agent sends, the Connector echoes back, {@code window} in flight. */
  private static void pingPong(
      QuicheConnection agent, QuicheConnection connector, int count, int window)
      throws InterruptedException {
    int sent = 0;
    int received = 0;
    while (received < count) {
      while (sent < count && sent - received < window) {
        agent.sendDatagram(RelayPathAllocationTest.ipPacket(sent++, 200));
      }
      byte[] atConnector = connector.datagrams().poll(30, TimeUnit.SECONDS);
      assertNotNull(atConnector, "relayed to the Connector");
      connector.sendDatagram(atConnector);
      byte[] back = agent.datagrams().poll(30, TimeUnit.SECONDS);
      assertNotNull(back, "relayed back to the Agent");
      assertEquals(200, back.length);
      received++;
    }
  }

  /** One round trip at a time; returns the histogram of round-trip times in microseconds. */
  private static Histogram latency(QuicheConnection agent, QuicheConnection connector, int count)
      throws InterruptedException {
    Histogram h = new Histogram(3);
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      agent.sendDatagram(RelayPathAllocationTest.ipPacket(i, 200));
      byte[] atConnector = connector.datagrams().poll(30, TimeUnit.SECONDS);
      assertNotNull(atConnector, "relayed to the Connector");
      connector.sendDatagram(atConnector);
      assertNotNull(agent.datagrams().poll(30, TimeUnit.SECONDS), "relayed back");
      h.recordValue((System.nanoTime() - start) / 1000);
    }
    return h;
  }

  @Test
  void crossNodeRelayAllocatesNothingOnEitherLoopThread() throws Exception {
    try (HighDescriptors descriptors = new HighDescriptors()) {
      crossNode();
    }
  }

  private void crossNode() throws Exception {
    try (FabricNodes nodes =
            FabricNodes.start(2, dir, b -> b.io(dev.ztna.server.loop.TestIo.zeroAllocationMode()));
        QuicheClient agentClient = new QuicheClient(30_000);
        QuicheClient connectorClient = new QuicheClient(30_000)) {
      QuicheConnection agent =
          agentClient.handshake(nodes.node(0).address(), Duration.ofSeconds(30));
      QuicheConnection connector =
          connectorClient.handshake(nodes.node(1).address(), Duration.ofSeconds(30));
      assertNotNull(agent.datagrams().poll(30, TimeUnit.SECONDS)); // OBSERVED_ADDRESS
      assertNotNull(connector.datagrams().poll(30, TimeUnit.SECONDS));
      connector.sendDatagram(RelayPathAllocationTest.register(0x11, "alloc-fabric"));
      agent.sendDatagram(RelayPathAllocationTest.register(0x10, "alloc-fabric"));
      // Registration and the directory are asynchronous: retry the first packet until it arrives.
      byte[] first = null;
      for (int attempt = 0; attempt < 300 && first == null; attempt++) {
        if (attempt % 20 == 19) {
          connector.sendDatagram(RelayPathAllocationTest.register(0x11, "alloc-fabric"));
          agent.sendDatagram(RelayPathAllocationTest.register(0x10, "alloc-fabric"));
        }
        agent.sendDatagram(RelayPathAllocationTest.ipPacket(-1, 200));
        first = connector.datagrams().poll(100, TimeUnit.MILLISECONDS);
      }
      assertNotNull(first, "never routed Agent -> node 0 -> fabric -> node 1 -> Connector");
      assertArrayEquals(RelayPathAllocationTest.ipPacket(-1, 200), first);
      connector.datagrams().clear();

      pingPong(agent, connector, 20_000, WINDOW);
      long t0 = nodes.node(0).server().loopThread().getId();
      long t1 = nodes.node(1).server().loopThread().getId();
      long best0 = Long.MAX_VALUE;
      long best1 = Long.MAX_VALUE;
      for (int attempt = 0; attempt < 3 && (best0 != 0 || best1 != 0); attempt++) {
        long before0 = THREADS.getThreadAllocatedBytes(t0);
        long before1 = THREADS.getThreadAllocatedBytes(t1);
        pingPong(agent, connector, 5_000, WINDOW);
        best0 = Math.min(best0, THREADS.getThreadAllocatedBytes(t0) - before0);
        best1 = Math.min(best1, THREADS.getThreadAllocatedBytes(t1) - before1);
      }
      System.out.printf(
          "cross-node relay: loop threads allocated %d (node 0) and %d (node 1) bytes over 5000"
              + " round trips%n",
          best0, best1);
      assertEquals(0, best0, "bytes allocated by node 0's loop thread over 5000 round trips");
      assertEquals(0, best1, "bytes allocated by node 1's loop thread over 5000 round trips");
      assertTrue(
          nodes.node(1).fabric(FabricCounters.Counter.RELAYED_TO_CONNECTOR) >= 25_000,
          "the datagrams crossed the fabric: " + nodes);
      assertEquals(0, nodes.node(0).relay(RelayCounters.Counter.DROP_SEND_REJECTED));

      // Latency, for perf/RESULTS.md: the same pair across the nodes, and a second pair on node 0
      // alone, measured alike (one round trip at a time, the servers' back-off idle strategy).
      int rounds = Integer.getInteger("ztna.fabric.rtt", 2_000);
      Histogram cross = latency(agent, connector, rounds);
      try (QuicheClient localAgentClient = new QuicheClient(30_000);
          QuicheClient localConnectorClient = new QuicheClient(30_000)) {
        QuicheConnection localAgent =
            localAgentClient.handshake(nodes.node(0).address(), Duration.ofSeconds(30));
        QuicheConnection localConnector =
            localConnectorClient.handshake(nodes.node(0).address(), Duration.ofSeconds(30));
        assertNotNull(localAgent.datagrams().poll(30, TimeUnit.SECONDS));
        assertNotNull(localConnector.datagrams().poll(30, TimeUnit.SECONDS));
        localConnector.sendDatagram(RelayPathAllocationTest.register(0x11, "same-node"));
        localAgent.sendDatagram(RelayPathAllocationTest.register(0x10, "same-node"));
        byte[] got = null;
        for (int attempt = 0; attempt < 300 && got == null; attempt++) {
          localAgent.sendDatagram(RelayPathAllocationTest.ipPacket(-1, 200));
          got = localConnector.datagrams().poll(100, TimeUnit.MILLISECONDS);
        }
        assertNotNull(got, "same-node pair never relayed");
        localConnector.datagrams().clear();
        pingPong(localAgent, localConnector, 2_000, WINDOW);
        Histogram same = latency(localAgent, localConnector, rounds);
        System.out.printf(
            "relay round trip, 200 B, one at a time, %d each: cross-node (Agent on node 0,"
                + " Connector on node 1) p50 %d us p99 %d us max %d us; same node p50 %d us p99"
                + " %d us max %d us; %s%n",
            rounds,
            cross.getValueAtPercentile(50),
            cross.getValueAtPercentile(99),
            cross.getMaxValue(),
            same.getValueAtPercentile(50),
            same.getValueAtPercentile(99),
            same.getMaxValue(),
            nodes);
      }
    }
  }
}
