package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.interop.FaultProxy;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Relaying over an impaired path: the Agent (quiche) reaches the server through the fault proxy
 * with seeded loss, reordering, duplication and corruption in both directions; what arrives is
 * unchanged, and the server relays every QUIC packet at most once (RFC 9000 §12.3: duplicated
 * packets are discarded), so the Connector sees a duplicate only where the test itself resent.
 */
class LossyPathTest {
  @Test
  void relayOverLossyReorderingDuplicatingPath() throws Exception {
    long seed = 5150L;
    System.out.println("LossyPathTest seed=" + seed);
    try (E2e.Relay relay = new E2e.Relay();
        FaultProxy proxy = new FaultProxy(relay.address(), seed);
        QuichePeer agent = QuichePeer.connect("agent", proxy.clientFacingAddress());
        KwikPeer connector = KwikPeer.connect("connector", relay.address())) {
      E2e.registerConnector(relay, connector, "lossy");
      E2e.registerAgent(relay, agent, "lossy");
      for (FaultProxy.Policy p :
          new FaultProxy.Policy[] {proxy.clientToServer(), proxy.serverToClient()}) {
        p.loss(0.03).reorder(0.05).duplicate(0.05).corrupt(0.01);
      }
      int agentIp = E2e.ipv4(10, 8, 0, 2);
      int serviceIp = E2e.ipv4(172, 16, 8, 1);
      Random sizes = new Random(seed);
      byte[][] up = new byte[300][];
      byte[][] down = new byte[300][];
      for (int i = 0; i < up.length; i++) {
        up[i] = E2e.ipv4Packet(agentIp, serviceIp, i, 20 + sizes.nextInt(1000), seed);
        down[i] = E2e.ipv4Packet(serviceIp, agentIp, i, 20 + sizes.nextInt(1000), ~seed);
      }
      E2e.Flow upFlow = new E2e.Flow(agent, connector, up, 16);
      E2e.Flow downFlow = new E2e.Flow(connector, agent, down, 16);
      E2e.run(Duration.ofSeconds(120), upFlow, downFlow);
      assertTrue(
          upFlow.duplicates <= upFlow.resent,
          "server relayed a duplicated QUIC packet twice: " + upFlow);
      for (FaultProxy.Policy p :
          new FaultProxy.Policy[] {proxy.clientToServer(), proxy.serverToClient()}) {
        p.clear();
      }
      E2e.pingPong(agent, connector, E2e.ipv4Packet(agentIp, serviceIp, 1000, 64, seed));
    }
  }
}
