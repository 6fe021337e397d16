package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.quic.Quic;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Proves the test tooling on real QUIC before our own handshake exists: quiche and Kwik clients
 * (through the helpers) talk DATAGRAMs to a quiche echo server through the {@link FaultProxy}, with
 * NAT rebinding, client migration and loss.
 */
class InteropToolingTest {
  private static final Duration HANDSHAKE = Duration.ofSeconds(10);

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertEcho(byte[] expected, byte[] got) {
    assertNotNull(got, "no echo within the deadline");
    assertArrayEquals(expected, got);
  }

  @Test
  void quicheEchoesDatagramsThroughProxyAndSurvivesNatRebinding() throws Exception {
    Quic.ensureAvailability();
    try (QuicheEchoServer server = new QuicheEchoServer(true);
        FaultProxy proxy = new FaultProxy(server.address(), 11L);
        QuicheClient client = new QuicheClient(10_000);
        QuicheConnection conn = client.handshake(proxy.clientFacingAddress(), HANDSHAKE)) {
      conn.sendDatagram(bytes("before"));
      assertEcho(bytes("before"), conn.datagrams().poll(10, TimeUnit.SECONDS));
      assertEquals(client.localAddress(), proxy.onlyClient());

      InetSocketAddress oldPort = proxy.upstreamAddressOf(client.localAddress());
      InetSocketAddress newPort = proxy.rebindOnlyClient();
      assertNotEquals(oldPort, newPort);
      conn.sendDatagram(bytes("after"));
      assertEcho(bytes("after"), conn.datagrams().poll(10, TimeUnit.SECONDS));
      assertTrue(conn.maxDatagramLength() > 0);
      assertNull(proxy.failure());
    }
  }

  @Test
  void kwikEchoesDatagramsThroughProxyAndMigrates() throws Exception {
    Quic.ensureAvailability();
    try (QuicheEchoServer server = new QuicheEchoServer(false);
        FaultProxy proxy = new FaultProxy(server.address(), 12L);
        KwikClient client = new KwikClient(proxy.clientFacingAddress(), Duration.ofSeconds(10))) {
      client.connectWithOneRetry(HANDSHAKE);
      assertTrue(client.isConnected());
      InetSocketAddress first = client.localAddress();
      assertEquals("127.0.0.1", first.getAddress().getHostAddress());
      client.sendDatagram(bytes("one"));
      assertEcho(bytes("one"), client.datagrams().poll(10, TimeUnit.SECONDS));
      assertTrue(proxy.clients().contains(first));

      InetSocketAddress second = client.changeAddress();
      assertNotEquals(first, second);
      // Kwik retransmits DATAGRAM-carrying packets, so duplicates may arrive: skip to ours.
      client.datagrams().clear();
      client.sendDatagram(bytes("two"));
      byte[] got;
      do {
        got = client.datagrams().poll(10, TimeUnit.SECONDS);
        assertNotNull(got, "no echo after changeAddress");
      } while (!new String(got, StandardCharsets.UTF_8).equals("two"));
      assertTrue(proxy.clients().contains(second), "proxy sees the migrated client");
      System.out.println("kwik reconnects=" + client.reconnects());
      assertNull(proxy.failure());
    }
  }

  @Test
  void quicheHandshakesThroughALossyPath() throws Exception {
    Quic.ensureAvailability();
    try (QuicheEchoServer server = new QuicheEchoServer(true);
        FaultProxy proxy = new FaultProxy(server.address(), 13L);
        QuicheClient client = new QuicheClient(10_000)) {
      proxy.clientToServer().loss(0.2, 2);
      proxy.serverToClient().loss(0.2, 2).reorder(0.1);
      try (QuicheConnection conn = client.open(proxy.clientFacingAddress())) {
        conn.await(Duration.ofSeconds(20));
        int echoed = 0;
        for (int i = 0; i < 20; i++) {
          conn.sendDatagram(bytes("d" + i));
        }
        // DATAGRAMs are unreliable: with 20% loss each way, some come back, not all.
        while (conn.datagrams().poll(2, TimeUnit.SECONDS) != null) {
          echoed++;
        }
        System.out.println(
            "lossy: echoed "
                + echoed
                + "/20; c->s "
                + proxy.clientToServerStats()
                + "; s->c "
                + proxy.serverToClientStats());
        assertTrue(echoed > 0 && echoed <= 20, "echoed " + echoed);
        assertTrue(
            proxy.clientToServerStats().dropped() + proxy.serverToClientStats().dropped() > 0);
      }
      assertNull(proxy.failure());
    }
  }
}
