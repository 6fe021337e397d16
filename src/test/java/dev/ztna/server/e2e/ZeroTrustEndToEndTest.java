package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.certs.TestPki;
import dev.ztna.server.certs.TestPki.Alg;
import dev.ztna.server.certs.TestPki.Issued;
import dev.ztna.server.interop.ServerFixture;
import dev.ztna.server.policy.Policy;
import dev.ztna.server.relay.RelayApplication;
import dev.ztna.server.relay.RelayCounters;
import dev.ztna.server.relay.RelayCounters.Counter;
import dev.ztna.server.tls.ClientAuth;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 with real quiche clients presenting certificates (mutual TLS) to a relay running a
 * policy: an authenticated client that the policy does not allow as a service's Connector is
 * refused with 0x104 while the legitimate Connector keeps relaying; an Agent is refused for a
 * service it may not reach; only an identity the policy allows replaces a Connector (0x102).
 */
class ZeroTrustEndToEndTest {
  private static final String DB = "db.internal";
  private static final String HR = "hr.internal";
  private static final String MALLORY = "spiffe://corp.example/user/mallory";
  private static final int ALICE_IP = E2e.ipv4(100, 64, 1, 1);
  private static final int DB_IP = E2e.ipv4(172, 16, 1, 1);

  @TempDir static Path dir;
  static Issued ca;
  static QuicSslContext connectorTls;
  static QuicSslContext connectorTls2;
  static QuicSslContext aliceTls;
  static QuicSslContext malloryTls;

  @BeforeAll
  static void pki() {
    ca = TestPki.ca("ZTNA Clients CA", Alg.EC);
    connectorTls = tls(TestPki.issue(ca, TestPki.leaf().uri(TestPki.CONNECTOR_DB)), "connector");
    connectorTls2 = tls(TestPki.issue(ca, TestPki.leaf().uri(TestPki.CONNECTOR_DB)), "connector2");
    aliceTls = tls(TestPki.issue(ca, TestPki.leaf().uri(TestPki.AGENT_ALICE)), "alice");
    malloryTls = tls(TestPki.issue(ca, TestPki.leaf().uri(MALLORY)), "mallory");
  }

  private static QuicSslContext tls(Issued cert, String name) {
    Path[] files = cert.writePem(dir, name);
    return QuicSslContextBuilder.forClient()
        .trustManager(InsecureTrustManagerFactory.INSTANCE)
        .applicationProtocols("ztna-v1")
        .keyManager(files[1].toFile(), null, files[0].toFile())
        .build();
  }

  private static E2e.Relay relay() throws Exception {
    Policy policy =
        Policy.builder()
            .mode(Policy.Mode.MTLS)
            .service(DB, List.of(TestPki.CONNECTOR_DB), List.of("spiffe://corp.example/user/*"))
            .service(HR, List.of("spiffe://corp.example/connector/hr"), List.of())
            .build();
    RelayApplication app = new RelayApplication(new RelayCounters(), policy);
    return new E2e.Relay(
        app,
        ServerFixture.start(
            app,
            TestCredentials.ec(),
            b -> b.clientAuth(ClientAuth.required(TestPki.anchors(ca)))));
  }

  @Test
  void aConnectorHijackIsRefusedWith0x104AndTheLegitimateConnectorKeepsRelaying() throws Exception {
    try (E2e.Relay relay = relay();
        QuichePeer connector = QuichePeer.connect("connector", relay.address(), connectorTls);
        QuichePeer alice = QuichePeer.connect("alice", relay.address(), aliceTls);
        QuichePeer mallory = QuichePeer.connect("mallory", relay.address(), malloryTls)) {
      E2e.registerConnector(relay, connector, DB);
      E2e.registerAgent(relay, alice, DB);
      E2e.pingPong(alice, connector, E2e.ipv4Packet(ALICE_IP, DB_IP, 1, 200, 1));

      // Mallory is authenticated (same CA) but is not db.internal's Connector.
      E2e.nextObserved(mallory);
      E2e.registerAndAwait(
          relay, mallory, E2e.connectorRegister(DB), Counter.POLICY_IDENTITY_NOT_ALLOWED, 1);
      E2e.await(
          () -> mallory.closeError() == RelayApplication.ERROR_REFUSED,
          () -> "Mallory closed with 0x104, saw " + mallory.closeError());

      // Nothing else changed: the Connector is still registered and relays both ways.
      assertEquals(1, relay.relay(Counter.CONNECTORS_REGISTERED));
      assertEquals(0, relay.relay(Counter.CONNECTORS_REPLACED));
      E2e.pingPong(alice, connector, E2e.ipv4Packet(ALICE_IP, DB_IP, 2, 200, 2));
      E2e.pingPong(connector, alice, E2e.ipv4Packet(DB_IP, ALICE_IP, 3, 200, 3));
      assertEquals(-1, connector.closeError(), "the legitimate Connector is still open");
      assertFalse(connector.isClosed());
    }
  }

  @Test
  void anAgentIsRefusedForAServiceItMayNotReach() throws Exception {
    try (E2e.Relay relay = relay();
        QuichePeer alice = QuichePeer.connect("alice", relay.address(), aliceTls)) {
      E2e.nextObserved(alice);
      E2e.registerAndAwait(
          relay, alice, E2e.agentRegister(HR), Counter.POLICY_IDENTITY_NOT_ALLOWED, 1);
      E2e.await(
          () -> alice.closeError() == RelayApplication.ERROR_REFUSED,
          () -> "alice closed with 0x104, saw " + alice.closeError());
      assertEquals(0, relay.relay(Counter.AGENTS_REGISTERED));
    }
  }

  @Test
  void anUnlistedServiceIsRefused() throws Exception {
    try (E2e.Relay relay = relay();
        QuichePeer alice = QuichePeer.connect("alice", relay.address(), aliceTls)) {
      E2e.nextObserved(alice);
      E2e.registerAndAwait(
          relay, alice, E2e.agentRegister("wiki.internal"), Counter.POLICY_UNKNOWN_SERVICE, 1);
      E2e.await(
          () -> alice.closeError() == RelayApplication.ERROR_REFUSED,
          () -> "alice closed with 0x104, saw " + alice.closeError());
    }
  }

  @Test
  void onlyAnAllowedIdentityReplacesTheConnector() throws Exception {
    try (E2e.Relay relay = relay();
        QuichePeer connector = QuichePeer.connect("connector", relay.address(), connectorTls);
        QuichePeer alice = QuichePeer.connect("alice", relay.address(), aliceTls);
        QuichePeer successor = QuichePeer.connect("successor", relay.address(), connectorTls2)) {
      E2e.registerConnector(relay, connector, DB);
      E2e.registerAgent(relay, alice, DB);
      E2e.nextObserved(successor);
      E2e.registerConnector(relay, successor, DB);
      E2e.await(
          () -> connector.closeError() == RelayApplication.ERROR_REPLACED,
          () -> "the old Connector closed with 0x102, saw " + connector.closeError());
      E2e.pingPong(alice, successor, E2e.ipv4Packet(ALICE_IP, DB_IP, 4, 200, 4));
    }
  }
}
