package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.relay.RelayCounters.Counter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ZTNA-V1 §4 routing: services are separate; with several Agents, replies go by inner address. */
class IsolationTest {
  private static final long SEED = 3141L;

  /**
   * Packets already delivered to each peer (by name) from a Kwik sender: Kwik retransmits the
   * DATAGRAM frames of a packet it declares lost (TEST-CLIENTS.md), so one of these may arrive
   * again later. Such a copy is the same packet of the same flow, not a leak; anything else
   * arriving out of turn is a failure.
   */
  private final Map<String, List<byte[]>> resendable = new HashMap<>();

  private int kwikDuplicates;

  private boolean isKwikDuplicate(Peer to, byte[] d) {
    for (byte[] p : resendable.getOrDefault(to.name(), List.of())) {
      if (Arrays.equals(p, d)) {
        kwikDuplicates++;
        return true;
      }
    }
    return false;
  }

  /**
   * Everything left in a peer's queue that is neither OBSERVED_ADDRESS nor a Kwik retransmission of
   * a packet it already had.
   */
  private List<byte[]> rest(Peer peer) {
    List<byte[]> out = new ArrayList<>();
    byte[] d;
    while ((d = peer.datagrams().poll()) != null) {
      if (!E2e.isObservedAddress(d) && !isKwikDuplicate(peer, d)) {
        out.add(d);
      }
    }
    return out;
  }

  /**
   * Sends {@code count} numbered packets one at a time and checks each arrives at {@code to}
   * unchanged; fails on any other packet seen at {@code to} (but a Kwik retransmission of one it
   * already had, see {@link #resendable}).
   */
  private void exchange(Peer from, Peer to, int src, int dst, int firstSeq, int count)
      throws InterruptedException {
    for (int i = 0; i < count; i++) {
      byte[] p = E2e.ipv4Packet(src, dst, firstSeq + i, 60 + i, SEED);
      from.send(p);
      byte[] got = E2e.nextPacket(to);
      while (!Arrays.equals(p, got) && isKwikDuplicate(to, got)) {
        got = E2e.nextPacket(to);
      }
      assertArrayEquals(p, got, from.name() + " -> " + to.name() + " packet " + (firstSeq + i));
      if (from instanceof KwikPeer) {
        resendable.computeIfAbsent(to.name(), k -> new ArrayList<>()).add(p);
      }
    }
  }

  @Test
  void twoServicesNeverLeak() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        QuichePeer agentA = QuichePeer.connect("agentA", relay.address());
        QuichePeer agentB = QuichePeer.connect("agentB", relay.address());
        KwikPeer connA = KwikPeer.connect("connA", relay.address());
        QuichePeer connB = QuichePeer.connect("connB", relay.address())) {
      E2e.registerConnector(relay, connA, "service-a");
      E2e.registerConnector(relay, connB, "service-b");
      E2e.registerAgent(relay, agentA, "service-a");
      E2e.registerAgent(relay, agentB, "service-b");
      int ipA = E2e.ipv4(10, 1, 0, 2);
      int ipB = E2e.ipv4(10, 1, 0, 2); // same inner address on purpose: services are separate
      int dst = E2e.ipv4(172, 16, 0, 1);
      for (int round = 0; round < 20; round++) {
        exchange(agentA, connA, ipA, dst, round * 4, 1);
        exchange(agentB, connB, ipB, dst, round * 4 + 1, 1);
        exchange(connA, agentA, dst, ipA, round * 4 + 2, 1);
        exchange(connB, agentB, dst, ipB, round * 4 + 3, 1);
      }
      // Every packet was accounted for one by one above; nothing extra may be waiting anywhere
      // once the server relayed all it was given.
      E2e.await(
          () -> relay.relay(Counter.RELAYED_AGENT_TO_CONNECTOR) >= 40,
          () -> relay.app.counters().toString());
      assertEquals(0, rest(agentA).size() + rest(agentB).size());
      assertEquals(0, rest(connA).size() + rest(connB).size());
      // The Agents are quiche clients, which never resend a DATAGRAM: exactly 40 went to the
      // Connectors. The Kwik Connector's retransmissions (if any) were relayed to its own Agent.
      assertEquals(40, relay.relay(Counter.RELAYED_AGENT_TO_CONNECTOR));
      long back = relay.relay(Counter.RELAYED_CONNECTOR_TO_AGENT);
      System.out.println("Kwik DATAGRAM retransmissions seen: " + kwikDuplicates);
      assertTrue(back >= 40, "relayed back " + back);
    }
  }

  @Test
  void threeAgentsEachGetOnlyTheirReplies() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        KwikPeer connector = KwikPeer.connect("connector", relay.address());
        QuichePeer a1 = QuichePeer.connect("agent1", relay.address());
        QuichePeer a2 = QuichePeer.connect("agent2", relay.address());
        QuichePeer a3 = QuichePeer.connect("agent3", relay.address())) {
      E2e.registerConnector(relay, connector, "shared");
      QuichePeer[] agents = {a1, a2, a3};
      int[] ips = {E2e.ipv4(10, 9, 0, 1), E2e.ipv4(10, 9, 0, 2), E2e.ipv4(10, 9, 0, 3)};
      int dst = E2e.ipv4(172, 16, 5, 5);
      for (QuichePeer a : agents) {
        E2e.registerAgent(relay, a, "shared");
      }
      // Teach the server each Agent's inner source address.
      for (int i = 0; i < 3; i++) {
        exchange(agents[i], connector, ips[i], dst, i, 1);
      }
      E2e.await(() -> relay.app.registry().learnedAddressCount("shared") == 3, () -> "learned 3");
      // The Connector answers in an interleaved order; each reply lands at its Agent only.
      int seq = 100;
      for (int round = 0; round < 10; round++) {
        for (int k = 0; k < 3; k++) {
          int i = (round + k * 2) % 3;
          exchange(connector, agents[i], dst, ips[i], seq++, 1);
        }
      }
      // A reply to an unknown inner address goes nowhere.
      long dropsBefore = relay.relay(Counter.DROP_NO_AGENT_FOR_ADDRESS);
      connector.send(E2e.ipv4Packet(dst, E2e.ipv4(10, 9, 0, 99), 999, 64, SEED));
      E2e.await(
          () -> relay.relay(Counter.DROP_NO_AGENT_FOR_ADDRESS) > dropsBefore,
          () -> relay.app.counters().toString());
      for (QuichePeer a : agents) {
        assertEquals(0, rest(a).size(), a.name() + " got a foreign packet");
      }
    }
  }
}
