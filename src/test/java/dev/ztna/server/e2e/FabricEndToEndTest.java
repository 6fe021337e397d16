package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.cluster.fabric.FabricCounters;
import dev.ztna.server.cluster.fabric.FabricNodes;
import dev.ztna.server.relay.RelayApplication;
import dev.ztna.server.relay.RelayCounters.Counter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two relay nodes in one JVM joined by the Aeron fabric (each its own embedded media driver, UDP on
 * 127.0.0.1) and an in-memory service directory, with real quiche clients: an Agent on one node
 * reaches its service's Connector on the other in one fabric hop, both ways unchanged; replies go
 * back to the right Agent on the right node; and a Connector registering on the other node takes
 * over, the old one closed with 0x102.
 */
class FabricEndToEndTest {
  private static final long SEED = 0x5eed_fab1cL;
  private static final int AGENT_A = E2e.ipv4(10, 0, 0, 1);
  private static final int AGENT_B = E2e.ipv4(10, 0, 0, 2);
  private static final int SERVER = E2e.ipv4(10, 9, 0, 1);

  @TempDir Path dir;

  static {
    System.out.println("FabricEndToEndTest seed " + SEED);
  }

  /** Registers and waits until the node counted it (resending: quiche drops no DATAGRAM twice). */
  private static void register(FabricNodes.Node node, Peer peer, byte[] register, Counter c) {
    long target = node.relay(c) + 1;
    long deadline = System.nanoTime() + E2e.DEADLINE.toNanos();
    while (node.relay(c) < target) {
      assertTrue(System.nanoTime() < deadline, peer.name() + ": REGISTER not counted; " + node);
      peer.send(register);
      long resendAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (node.relay(c) < target && System.nanoTime() < resendAt) {
        E2e.sleep1();
      }
    }
  }

  /**
   * Sends {@code packet} every 50 ms until {@code to} receives exactly it: the directory's copy on
   * the sender's node learns of the registration asynchronously, as the cluster's would.
   */
  private static void firstThrough(Peer from, Peer to, byte[] packet) throws InterruptedException {
    long deadline = System.nanoTime() + E2e.DEADLINE.toNanos();
    while (true) {
      assertTrue(System.nanoTime() < deadline, from.name() + " -> " + to.name() + " never relayed");
      from.send(packet);
      byte[] d = to.datagrams().poll(50, TimeUnit.MILLISECONDS);
      while (d != null && !Arrays.equals(d, packet)) {
        d = to.datagrams().poll(5, TimeUnit.MILLISECONDS);
      }
      if (d != null) {
        return;
      }
    }
  }

  private static byte[][] packets(int src, int dst, int count, int size) {
    byte[][] out = new byte[count][];
    for (int i = 0; i < count; i++) {
      out[i] = E2e.ipv4Packet(src, dst, i, size + (i % 7) * 100, SEED);
    }
    return out;
  }

  private static void drain(Peer... peers) {
    for (Peer p : peers) {
      p.datagrams().clear();
    }
  }

  @Test
  void agentOnOneNodeAndConnectorOnTheOtherRelayBothWaysUnchanged() throws Exception {
    try (FabricNodes nodes = FabricNodes.start(2, dir);
        QuichePeer agent = QuichePeer.connect("agent@0", nodes.node(0).address());
        QuichePeer connector = QuichePeer.connect("connector@1", nodes.node(1).address())) {
      E2e.nextObserved(agent);
      E2e.nextObserved(connector);
      register(
          nodes.node(1), connector, E2e.connectorRegister("db"), Counter.CONNECTORS_REGISTERED);
      register(nodes.node(0), agent, E2e.agentRegister("db"), Counter.AGENTS_REGISTERED);
      firstThrough(agent, connector, E2e.ipv4Packet(AGENT_A, SERVER, 1 << 20, 100, SEED));
      firstThrough(connector, agent, E2e.ipv4Packet(SERVER, AGENT_A, 1 << 21, 100, SEED));
      drain(agent, connector);
      int count = E2e.FULL ? 2000 : 300;
      E2e.run(
          Duration.ofSeconds(120),
          new E2e.Flow(agent, connector, packets(AGENT_A, SERVER, count, 200), 32),
          new E2e.Flow(connector, agent, packets(SERVER, AGENT_A, count, 200), 32));
      System.out.println(nodes);
      FabricNodes.Node n0 = nodes.node(0);
      FabricNodes.Node n1 = nodes.node(1);
      assertTrue(n1.fabric(FabricCounters.Counter.RELAYED_TO_CONNECTOR) >= count);
      assertTrue(n0.fabric(FabricCounters.Counter.RELAYED_TO_AGENT) >= count);
      assertEquals(0, n0.fabric(FabricCounters.Counter.DROP_MALFORMED));
      assertEquals(0, n1.fabric(FabricCounters.Counter.DROP_MALFORMED));
      // One hop: nothing came back to the node it was sent from.
      assertEquals(0, n0.fabric(FabricCounters.Counter.RELAYED_TO_CONNECTOR));
      assertEquals(0, n1.fabric(FabricCounters.Counter.RELAYED_TO_AGENT));
    }
  }

  @Test
  void twoAgentsOnDifferentNodesEachGetOnlyTheirReplies() throws Exception {
    try (FabricNodes nodes = FabricNodes.start(2, dir);
        QuichePeer agentA = QuichePeer.connect("agentA@0", nodes.node(0).address());
        QuichePeer agentB = QuichePeer.connect("agentB@1", nodes.node(1).address());
        QuichePeer connector = QuichePeer.connect("connector@1", nodes.node(1).address())) {
      E2e.nextObserved(agentA);
      E2e.nextObserved(agentB);
      E2e.nextObserved(connector);
      register(
          nodes.node(1), connector, E2e.connectorRegister("web"), Counter.CONNECTORS_REGISTERED);
      register(nodes.node(0), agentA, E2e.agentRegister("web"), Counter.AGENTS_REGISTERED);
      register(nodes.node(1), agentB, E2e.agentRegister("web"), Counter.AGENTS_REGISTERED);
      // Each Agent's first packet teaches the Connector's node its inner address (A's over the
      // fabric, B's locally); it also means both Agents' announcements are in node 1's copy.
      firstThrough(agentA, connector, E2e.ipv4Packet(AGENT_A, SERVER, 1 << 20, 100, SEED));
      firstThrough(agentB, connector, E2e.ipv4Packet(AGENT_B, SERVER, 1 << 20, 100, SEED));
      drain(agentA, agentB, connector);
      int count = E2e.FULL ? 1000 : 200;
      byte[][] toA = packets(SERVER, AGENT_A, count, 200);
      byte[][] toB = packets(SERVER, AGENT_B, count, 200);
      // Flow checks every packet a peer receives is one of its own (same sequence, same bytes):
      // a reply for B arriving at A would fail it.
      E2e.run(
          Duration.ofSeconds(120),
          new E2e.Flow(connector, agentA, toA, 16),
          new E2e.Flow(connector, agentB, toB, 16));
      List<byte[]> strays = new ArrayList<>();
      for (byte[] d : agentA.datagrams()) {
        if (E2e.getInt(d, 16) != AGENT_A) {
          strays.add(d);
        }
      }
      for (byte[] d : agentB.datagrams()) {
        if (E2e.getInt(d, 16) != AGENT_B) {
          strays.add(d);
        }
      }
      assertEquals(0, strays.size(), "replies delivered to the wrong Agent");
      System.out.println(nodes);
      assertTrue(nodes.node(0).fabric(FabricCounters.Counter.RELAYED_TO_AGENT) >= count);
      assertEquals(0, nodes.node(1).relay(Counter.DROP_NO_AGENT_FOR_ADDRESS));
    }
  }

  @Test
  void aConnectorOnTheOtherNodeTakesOverAndTheOldOneSees0x102() throws Exception {
    try (FabricNodes nodes = FabricNodes.start(2, dir);
        QuichePeer agent = QuichePeer.connect("agent@0", nodes.node(0).address());
        QuichePeer oldConnector = QuichePeer.connect("connector@1", nodes.node(1).address());
        QuichePeer newConnector = QuichePeer.connect("connector@0", nodes.node(0).address())) {
      E2e.nextObserved(agent);
      E2e.nextObserved(oldConnector);
      E2e.nextObserved(newConnector);
      register(
          nodes.node(1), oldConnector, E2e.connectorRegister("ssh"), Counter.CONNECTORS_REGISTERED);
      register(nodes.node(0), agent, E2e.agentRegister("ssh"), Counter.AGENTS_REGISTERED);
      firstThrough(agent, oldConnector, E2e.ipv4Packet(AGENT_A, SERVER, 1 << 20, 100, SEED));
      firstThrough(oldConnector, agent, E2e.ipv4Packet(SERVER, AGENT_A, 1 << 20, 100, SEED));

      register(
          nodes.node(0), newConnector, E2e.connectorRegister("ssh"), Counter.CONNECTORS_REGISTERED);
      E2e.await(
          () -> oldConnector.closeError() == RelayApplication.ERROR_REPLACED,
          () -> "old Connector closed with 0x102, saw " + oldConnector.closeError() + "; " + nodes);
      assertEquals(1, nodes.node(1).fabric(FabricCounters.Counter.CONNECTORS_TAKEN_OVER));
      assertEquals(0, nodes.node(0).fabric(FabricCounters.Counter.CONNECTORS_TAKEN_OVER));
      drain(agent, newConnector);
      int count = E2e.FULL ? 500 : 100;
      E2e.run(
          Duration.ofSeconds(120),
          new E2e.Flow(agent, newConnector, packets(AGENT_A, SERVER, count, 300), 16),
          new E2e.Flow(newConnector, agent, packets(SERVER, AGENT_A, count, 300), 16));
      System.out.println(nodes);
      E2e.await(
          () -> nodes.node(1).relay(Counter.REGISTERED_CONNECTORS) == 0,
          () -> "node 1 holds no Connector: " + nodes);
    }
  }
}
