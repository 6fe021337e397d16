package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.loop.ServerAgent;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ServerConnection;
import dev.ztna.server.loop.ServerCounters;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.loop.UdpEndpoint;
import dev.ztna.server.loop.ZtnaServer;
import dev.ztna.server.relay.RelayApplication;
import dev.ztna.server.relay.RelayCounters;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.Test;

/**
 * ZTNA-V1 relay timing: a datagram is forwarded in the same duty-cycle iteration in which it
 * arrived. The test thread runs the agent one {@code doWork()} at a time while real quiche clients
 * (on their own threads) talk to it, and checks that the iteration in which the relay counted a
 * datagram is also the one in which the destination connection sent it.
 */
class SameIterationRelayTest {
  private static void pump(ServerAgent agent, String what, BooleanSupplier done) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!done.getAsBoolean()) {
      agent.doWork();
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.onSpinWait();
    }
  }

  private static byte[] register(int type, String id) {
    byte[] b = id.getBytes(StandardCharsets.UTF_8);
    byte[] m = new byte[2 + b.length];
    m[0] = (byte) type;
    m[1] = (byte) b.length;
    System.arraycopy(b, 0, m, 2, b.length);
    return m;
  }

  @Test
  void relayedDatagramLeavesInTheIterationItArrived() throws Exception {
    UdpEndpoint endpoint = UdpEndpoint.open(new InetSocketAddress("127.0.0.1", 0));
    ServerConfig config =
        ServerConfig.builder()
            .listen(List.of(endpoint.localAddress()))
            .idleKind(ServerConfig.IdleKind.BACKOFF)
            .build();
    SecureRandom random = new SecureRandom();
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    ServerCounters counters = new ServerCounters();
    RelayCounters relayCounters = new RelayCounters();
    RelayApplication relay = new RelayApplication(relayCounters);
    ServerAgent agent =
        new ServerAgent(
            config,
            List.of(endpoint),
            counters,
            new dev.ztna.server.loop.RetryTokens(secret, 10_000),
            ZtnaServer.connectionConfig(config, TestCredentials.ec(), random),
            relay,
            SystemEpochClock.INSTANCE,
            new SystemNanoClock());
    agent.onStart();
    try (QuicheClient agentClient = new QuicheClient(30_000);
        QuicheClient connectorClient = new QuicheClient(30_000)) {
      QuicheConnection a = agentClient.open(endpoint.localAddress());
      QuicheConnection c = connectorClient.open(endpoint.localAddress());
      pump(agent, "two handshakes", () -> a.future().isDone() && c.future().isDone());
      a.await(Duration.ofSeconds(1));
      c.await(Duration.ofSeconds(1));
      c.sendDatagram(register(0x11, "same-iteration"));
      a.sendDatagram(register(0x10, "same-iteration"));
      pump(
          agent,
          "both registrations",
          () ->
              relayCounters.get(RelayCounters.Counter.AGENTS_REGISTERED) == 1
                  && relayCounters.get(RelayCounters.Counter.CONNECTORS_REGISTERED) == 1);
      ServerConnection connector =
          (ServerConnection) relay.registry().lookupConnector("same-iteration");
      assertNotNull(connector);

      int checked = 0;
      for (int i = 0; i < 50; i++) {
        byte[] packet = new byte[100];
        packet[0] = 0x45;
        packet[99] = (byte) i;
        a.sendDatagram(packet);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
          long relayedBefore = relayCounters.get(RelayCounters.Counter.RELAYED_AGENT_TO_CONNECTOR);
          long framesBefore = connector.quic().datagramFramesSent();
          agent.doWork();
          if (relayCounters.get(RelayCounters.Counter.RELAYED_AGENT_TO_CONNECTOR) > relayedBefore) {
            assertEquals(
                framesBefore + 1,
                connector.quic().datagramFramesSent(),
                "the relayed datagram left in the same doWork() iteration");
            checked++;
            break;
          }
          assertTrue(System.nanoTime() < deadline, "datagram " + i + " never relayed");
          Thread.onSpinWait();
        }
        byte[] got = c.datagrams().poll(30, TimeUnit.SECONDS);
        assertNotNull(got, "the Connector received datagram " + i);
      }
      assertEquals(50, checked);
      assertEquals(0, counters.get(Counter.CONNECTION_FAILURES));
    } finally {
      agent.onClose();
    }
  }
}
