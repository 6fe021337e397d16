package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.ztna.server.policy.Policy;
import dev.ztna.server.relay.RelayApplication;
import dev.ztna.server.relay.RelayCounters.Counter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 §2 with real clients (quiche through Netty, Kwik), without client certificates: an Agent
 * cannot take another Agent's inner source address, and a policy published from another thread
 * closes the registrations it forbids with 0x104 and refuses new ones. (Identity-based refusals
 * need mutual TLS; the fake-connection tests in {@code relay.RelayPolicyTest} cover them.)
 */
class PolicyEndToEndTest {
  private static final int ALICE_IP = E2e.ipv4(100, 64, 9, 1);
  private static final int SERVICE_IP = E2e.ipv4(172, 16, 9, 1);

  @Test
  void anAgentSpoofingAnotherAgentsInnerAddressIsDroppedAndTheRepliesStay() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        KwikPeer connector = KwikPeer.connect("connector", relay.address());
        QuichePeer alice = QuichePeer.connect("alice", relay.address());
        KwikPeer mallory = KwikPeer.connect("mallory", relay.address())) {
      E2e.registerConnector(relay, connector, "svc");
      E2e.registerAgent(relay, alice, "svc");
      E2e.registerAgent(relay, mallory, "svc");
      E2e.pingPong(alice, connector, E2e.ipv4Packet(ALICE_IP, SERVICE_IP, 1, 200, 1));
      // Mallory sends from Alice's inner address (Kwik retransmits DATAGRAM frames; one is enough).
      byte[] spoofed = E2e.ipv4Packet(ALICE_IP, SERVICE_IP, 2, 200, 2);
      mallory.send(spoofed);
      E2e.await(
          () -> relay.relay(Counter.DROP_INNER_ADDRESS_CONFLICT) >= 1,
          () -> "conflict counted; relay " + relay.app.counters());
      // The replies to Alice's address still reach Alice only.
      byte[] reply = E2e.ipv4Packet(SERVICE_IP, ALICE_IP, 3, 200, 3);
      E2e.pingPong(connector, alice, reply);
      for (byte[] d : mallory.datagrams()) {
        assertFalse(Arrays.equals(d, reply), "Mallory got Alice's reply");
      }
      for (byte[] d : connector.datagrams()) {
        assertFalse(Arrays.equals(d, spoofed), "the spoofed packet was relayed");
      }
      assertEquals(0, relay.relay(Counter.AGENT_ADDRESSES_RECLAIMED));
    }
  }

  @Test
  void aPublishedPolicyClosesForbiddenRegistrationsWith0x104AndRefusesNewOnes() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        KwikPeer connector = KwikPeer.connect("connector", relay.address());
        QuichePeer agent = QuichePeer.connect("agent", relay.address())) {
      E2e.registerConnector(relay, connector, "svc");
      E2e.registerAgent(relay, agent, "svc");
      E2e.pingPong(agent, connector, E2e.ipv4Packet(ALICE_IP, SERVICE_IP, 1, 200, 1));
      // mtls: these clients have no certificate, so no identity: everything is now forbidden.
      relay.app.publishPolicy(
          Policy.builder().service("svc", List.of("**"), List.of("**")).build());
      E2e.await(
          () ->
              connector.closeError() == RelayApplication.ERROR_REFUSED
                  && agent.closeError() == RelayApplication.ERROR_REFUSED,
          () -> "both closed with 0x104: " + connector.closeError() + " " + agent.closeError());
      assertEquals(2, relay.relay(Counter.POLICY_RELOAD_CLOSED));
      try (QuichePeer late = QuichePeer.connect("late", relay.address())) {
        E2e.nextObserved(late);
        long[] resendAt = {0};
        E2e.await(
            () -> {
              // quiche does not retransmit DATAGRAMs: resend until the close arrives.
              if (late.closeError() == -1 && !late.isClosed() && System.nanoTime() >= resendAt[0]) {
                late.send(E2e.connectorRegister("svc"));
                resendAt[0] = System.nanoTime() + 2_000_000_000L;
              }
              return late.closeError() == RelayApplication.ERROR_REFUSED;
            },
            () -> "late REGISTER refused with 0x104, saw " + late.closeError());
      }
      assertEquals(1, relay.relay(Counter.POLICY_NO_IDENTITY));
      relay.awaitAllFreed();
    }
  }
}
