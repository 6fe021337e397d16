package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.loop.ServerCounters;
import dev.ztna.server.relay.RelayApplication;
import dev.ztna.server.relay.RelayCounters.Counter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** ZTNA-V1 §4/§5: disconnect, reconnect, idle timeout, Connector replacement. */
class LifecycleTest {
  private static final int AGENT_IP = E2e.ipv4(10, 2, 0, 2);
  private static final int SERVICE_IP = E2e.ipv4(172, 16, 2, 1);

  private static void roundTrip(Peer agent, Peer connector, int seq) throws InterruptedException {
    E2e.pingPong(agent, connector, E2e.ipv4Packet(AGENT_IP, SERVICE_IP, seq, 100, seq));
    E2e.pingPong(connector, agent, E2e.ipv4Packet(SERVICE_IP, AGENT_IP, seq + 1, 100, seq));
  }

  @Test
  void cleanDisconnectAndReconnect() throws Exception {
    try (E2e.Relay relay = new E2e.Relay()) {
      try (KwikPeer connector = KwikPeer.connect("connector", relay.address())) {
        E2e.registerConnector(relay, connector, "svc");
        for (int round = 0; round < 3; round++) {
          try (QuichePeer agent = QuichePeer.connect("agent" + round, relay.address())) {
            E2e.registerAgent(relay, agent, "svc");
            roundTrip(agent, connector, round * 10);
          }
          int expected = round + 1;
          E2e.await(
              () -> relay.relay(Counter.REGISTRATIONS_ENDED) == expected,
              () -> "agent registration ended; " + relay.app.counters());
        }
      }
      relay.awaitAllFreed();
      // A fresh pair after everything left works as on a new server.
      try (QuichePeer connector = QuichePeer.connect("connector2", relay.address());
          QuichePeer agent = QuichePeer.connect("agent", relay.address())) {
        E2e.registerConnector(relay, connector, "svc");
        E2e.registerAgent(relay, agent, "svc");
        roundTrip(agent, connector, 100);
      }
      relay.awaitAllFreed();
    }
  }

  @Test
  void idleTimeoutFreesConnectionsAndRegistry() throws Exception {
    try (E2e.Relay relay = new E2e.Relay(b -> b.idleTimeoutMs(3000))) {
      // Clients allow 60 s of idleness: the server's 3 s is the effective timeout (RFC 9000 §10.1).
      // Each peer registers right after its handshake (REGISTER restarts the idle timer): a peer
      // left idle while the other one connects could time out first on a loaded machine.
      KwikPeer connector = KwikPeer.connect("connector", relay.address(), Duration.ofSeconds(60));
      E2e.registerConnector(relay, connector, "idle");
      QuichePeer agent = QuichePeer.start("agent", relay.address(), 60_000).await(E2e.DEADLINE);
      try {
        E2e.registerAgent(relay, agent, "idle");
        roundTrip(agent, connector, 0);
        long freedBefore = relay.server.counters().get(ServerCounters.Counter.CONNECTIONS_FREED);
        // Nobody sends anything now; the server times both connections out.
        relay.awaitAllFreed();
        assertTrue(
            relay.server.counters().get(ServerCounters.Counter.CONNECTIONS_FREED)
                >= freedBefore + 2);
        assertEquals(2, relay.relay(Counter.REGISTRATIONS_ENDED));
        // Idle timeout is silent (RFC 9000 §10.1): the clients find out by their own timers, or
        // by a stateless reset when they next send; nothing is asserted about them here.
      } finally {
        agent.close();
        connector.close();
      }
    }
  }

  @Test
  void newConnectorReplacesOldOneWhichSeesError0x102() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        QuichePeer agent = QuichePeer.connect("agent", relay.address());
        KwikPeer kwikOld = KwikPeer.connect("connector-kwik", relay.address());
        QuichePeer quicheMid = QuichePeer.connect("connector-quiche", relay.address());
        KwikPeer kwikNew = KwikPeer.connect("connector-new", relay.address())) {
      E2e.registerConnector(relay, kwikOld, "svc");
      E2e.registerAgent(relay, agent, "svc");
      roundTrip(agent, kwikOld, 0);

      E2e.registerConnector(relay, quicheMid, "svc");
      E2e.await(
          () -> kwikOld.closeError() == RelayApplication.ERROR_REPLACED,
          () -> "Kwik Connector closed with 0x102, saw " + kwikOld.closeError());
      roundTrip(agent, quicheMid, 10);

      E2e.registerConnector(relay, kwikNew, "svc");
      E2e.await(
          () -> quicheMid.closeError() == RelayApplication.ERROR_REPLACED,
          () -> "quiche Connector closed with 0x102, saw " + quicheMid.closeError());
      roundTrip(agent, kwikNew, 20);
      assertEquals(2, relay.relay(Counter.CONNECTORS_REPLACED));
    }
  }
}
