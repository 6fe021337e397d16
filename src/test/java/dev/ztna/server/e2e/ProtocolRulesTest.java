package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ztna.server.relay.RelayCounters.Counter;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** ZTNA-V1 §2/§4 rules seen from real clients: drops, duplicate REGISTERs, IPv6 routing. */
class ProtocolRulesTest {
  /** An IPv6-looking packet: 0x60, {@code seq} at bytes 4..7, source 8..23, destination 24..39. */
  static byte[] ipv6Packet(byte[] src, byte[] dst, int seq, int size, long seed) {
    byte[] p = new byte[size];
    new Random(seed * 31 + seq).nextBytes(p);
    p[0] = 0x60;
    E2e.putInt(p, 4, seq);
    System.arraycopy(src, 0, p, 8, 16);
    System.arraycopy(dst, 0, p, 24, 16);
    return p;
  }

  static byte[] v6(int last) {
    byte[] a = new byte[16];
    a[0] = (byte) 0xfd;
    a[1] = 0x12;
    a[15] = (byte) last;
    return a;
  }

  @Test
  void dropsAndDuplicateRegisterLeaveRolesUnchanged() throws Exception {
    int agentIp = E2e.ipv4(10, 10, 0, 2);
    int serviceIp = E2e.ipv4(172, 16, 10, 1);
    try (E2e.Relay relay = new E2e.Relay();
        QuichePeer agent = QuichePeer.connect("agent", relay.address());
        KwikPeer connector = KwikPeer.connect("connector", relay.address())) {
      E2e.nextObserved(agent);
      // An IP packet before REGISTER is dropped and counted.
      agent.send(E2e.ipv4Packet(agentIp, serviceIp, 0, 50, 1));
      E2e.await(
          () -> relay.relay(Counter.DROP_UNREGISTERED) == 1, () -> relay.app.counters().toString());
      // OBSERVED_ADDRESS from a client is dropped.
      agent.send(new byte[] {0x01, 127, 0, 0, 1, 0x12, 0x34});
      E2e.await(
          () -> relay.relay(Counter.DROP_QAD_FROM_CLIENT) == 1,
          () -> relay.app.counters().toString());
      E2e.registerConnector(relay, connector, "rules");
      E2e.registerAgent(relay, agent, "rules");
      // A second REGISTER (even for another role/service) is ignored: the Agent stays an Agent.
      agent.send(E2e.connectorRegister("other"));
      E2e.await(
          () -> relay.relay(Counter.DROP_DUPLICATE_REGISTER) >= 1,
          () -> relay.app.counters().toString());
      assertEquals(1, relay.relay(Counter.CONNECTORS_REGISTERED));
      E2e.pingPong(agent, connector, E2e.ipv4Packet(agentIp, serviceIp, 1, 300, 1));
      E2e.pingPong(connector, agent, E2e.ipv4Packet(serviceIp, agentIp, 2, 300, 1));
      // Non-IP first bytes are relayed all the same (§2: the server does not interpret them).
      byte[] odd = E2e.ipv4Packet(agentIp, serviceIp, 3, 64, 1);
      odd[0] = (byte) 0x99;
      E2e.pingPong(agent, connector, odd);
      assertEquals(1, relay.app.registry().serviceCount());
    }
  }

  @Test
  void ipv6RepliesRoutedByInnerAddress() throws Exception {
    long seed = 6L;
    try (E2e.Relay relay = new E2e.Relay();
        QuichePeer connector = QuichePeer.connect("connector", relay.address());
        QuichePeer a1 = QuichePeer.connect("agent1", relay.address());
        KwikPeer a2 = KwikPeer.connect("agent2", relay.address())) {
      E2e.registerConnector(relay, connector, "v6");
      E2e.registerAgent(relay, a1, "v6");
      E2e.registerAgent(relay, a2, "v6");
      Peer[] agents = {a1, a2};
      byte[] service = v6(0xff);
      for (int i = 0; i < 2; i++) {
        E2e.pingPong(agents[i], connector, ipv6Packet(v6(i + 1), service, i, 120, seed));
      }
      E2e.await(() -> relay.app.registry().learnedAddressCount("v6") == 2, () -> "learned 2");
      for (int round = 0; round < 6; round++) {
        int i = round % 2;
        byte[] reply = ipv6Packet(service, v6(i + 1), 10 + round, 200 + round, seed);
        connector.send(reply);
        assertArrayEquals(reply, E2e.nextPacket(agents[i]), "reply " + round);
      }
      assertEquals(null, pollPacket(a1));
      assertEquals(null, pollPacket(a2));
    }
  }

  private static byte[] pollPacket(Peer p) {
    byte[] d;
    while ((d = p.datagrams().poll()) != null) {
      if (!E2e.isObservedAddress(d)) {
        return d;
      }
    }
    return null;
  }
}
