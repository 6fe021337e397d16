package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * ZTNA-V1 §4: an Agent (quiche, like the existing Agents) and a Connector (Kwik, or quiche)
 * register for one service and exchange 1000 IP-looking datagrams each way, 20 bytes up to the
 * largest either side can send (at most 1200), unchanged, in windows of 32.
 */
class RelayTransferTest {
  private static final int COUNT = 1000;
  private static final int WINDOW = 32;

  static byte[][] packets(int src, int dst, int max, long seed) {
    Random sizes = new Random(seed);
    byte[][] p = new byte[COUNT][];
    for (int i = 0; i < COUNT; i++) {
      int size = i == 0 ? 20 : i == 1 ? max : 20 + sizes.nextInt(max - 19);
      p[i] = E2e.ipv4Packet(src, dst, i, size, seed);
    }
    return p;
  }

  static void transfer(E2e.Relay relay, Peer agent, Peer connector, long seed) throws Exception {
    System.out.println("RelayTransferTest seed=" + seed);
    E2e.nextObserved(agent);
    E2e.nextObserved(connector);
    E2e.registerConnector(relay, connector, "svc-transfer");
    E2e.registerAgent(relay, agent, "svc-transfer");
    int max = Math.min(1200, Math.min(agent.maxDatagram(), connector.maxDatagram()));
    assertTrue(max >= 20, "max datagram " + max);
    int agentIp = E2e.ipv4(10, 0, 0, 2);
    int serverIp = E2e.ipv4(192, 168, 1, 10);
    E2e.Flow up = new E2e.Flow(agent, connector, packets(agentIp, serverIp, max, seed), WINDOW);
    E2e.Flow down =
        new E2e.Flow(connector, agent, packets(serverIp, agentIp, max, seed + 1), WINDOW);
    E2e.run(Duration.ofSeconds(120), up, down);
    System.out.println(relay.app.counters());
  }

  @Test
  void quicheAgentKwikConnector() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        QuichePeer agent = QuichePeer.connect("agent", relay.address());
        KwikPeer connector = KwikPeer.connect("connector", relay.address())) {
      transfer(relay, agent, connector, 20261122L);
    }
  }

  @Test
  void quicheAgentQuicheConnector() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        QuichePeer agent = QuichePeer.connect("agent", relay.address());
        QuichePeer connector = QuichePeer.connect("connector", relay.address())) {
      transfer(relay, agent, connector, 42L);
    }
  }
}
