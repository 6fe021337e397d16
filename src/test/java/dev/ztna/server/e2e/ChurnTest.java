package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.interop.QuicheClient;
import dev.ztna.server.relay.RelayCounters.Counter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import org.junit.jupiter.api.Test;

/**
 * Connect/register/relay/disconnect cycles (1000 by default, 200 with -Dztna.e2e.full=false): the
 * server's connection count and the registry return to empty and the heap stays flat.
 */
class ChurnTest {
  private static final long SLACK_BYTES = 32L << 20;
  private static final int SERVICE_IP = E2e.ipv4(172, 16, 7, 1);

  private static void cycle(E2e.Relay relay, QuicheClient shared, Peer connector, int i)
      throws Exception {
    // A distinct inner address per cycle: a previous Agent may still be registered while the
    // server drains its connection, and replies are routed by inner address then.
    int agentIp = E2e.ipv4(10, 7, (i >>> 8) & 0xff, i & 0xff);
    QuichePeer agent = QuichePeer.startOn("agent" + i, shared, relay.address());
    try {
      agent.await(E2e.DEADLINE);
      E2e.registerAgent(relay, agent, "churn");
      E2e.pingPong(agent, connector, E2e.ipv4Packet(agentIp, SERVICE_IP, i, 60 + i % 900, i));
      E2e.pingPong(connector, agent, E2e.ipv4Packet(SERVICE_IP, agentIp, i, 60 + i % 700, -i));
    } finally {
      agent.close();
    }
  }

  private static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long min = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      min = Math.min(min, memory.getHeapMemoryUsage().getUsed());
    }
    return min;
  }

  @Test
  void cyclesLeaveNothingBehind() throws Exception {
    int cycles = E2e.FULL ? 1000 : 200;
    int warmUp = 20;
    try (E2e.Relay relay = new E2e.Relay();
        QuicheClient shared = new QuicheClient(30_000)) {
      KwikPeer connector = KwikPeer.connect("connector", relay.address());
      try {
        E2e.registerConnector(relay, connector, "churn");
        for (int i = 0; i < warmUp; i++) {
          cycle(relay, shared, connector, i);
        }
        E2e.await(() -> relay.server.liveConnections() == 1, () -> "only the Connector left");
        long before = usedHeapAfterGc();
        for (int i = warmUp; i < warmUp + cycles; i++) {
          cycle(relay, shared, connector, i);
        }
        E2e.await(() -> relay.server.liveConnections() == 1, () -> "only the Connector left");
        long after = usedHeapAfterGc();
        System.out.printf(
            "churn: %d cycles, used heap after GC %d -> %d bytes (delta %d)%n",
            cycles, before, after, after - before);
        assertTrue(
            after - before < SLACK_BYTES,
            "heap grew by " + (after - before) + " bytes over " + cycles + " cycles");
        assertEquals(warmUp + cycles, relay.relay(Counter.AGENTS_REGISTERED));
        E2e.await(
            () -> relay.relay(Counter.REGISTRATIONS_ENDED) == warmUp + cycles,
            () -> "every Agent registration ended; " + relay.app.counters());
        assertEquals(1, relay.app.registry().serviceCount());
        assertEquals(0, relay.app.registry().agentCount("churn"));
        assertEquals(0, relay.app.registry().learnedAddressCount("churn"));
      } finally {
        connector.close();
      }
      relay.awaitAllFreed();
    }
  }
}
