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
      client.connectWithReconnects(HANDSHAKE);
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
        // DATAGRAMs are unreliable: with 20% loss each way, some come back, not all. Wait
        // generously for the first, then until the echoes stop.
        if (conn.datagrams().poll(10, TimeUnit.SECONDS) != null) {
          echoed++;
          while (conn.datagrams().poll(1, TimeUnit.SECONDS) != null) {
            echoed++;
          }
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

  @Test
  void kwikThroughARetryServerWithOneReconnectAllowed() throws Exception {
    Quic.ensureAvailability();
    try (QuicheEchoServer server = new QuicheEchoServer(true);
        FaultProxy proxy = new FaultProxy(server.address(), 14L);
        KwikClient client = new KwikClient(proxy.clientFacingAddress(), Duration.ofSeconds(10))) {
      client.connectWithReconnects(HANDSHAKE);
      client.sendDatagram(bytes("retry"));
      byte[] got = client.datagrams().poll(10, TimeUnit.SECONDS);
      assertEcho(bytes("retry"), got);
      assertTrue(client.reconnects() <= 1);
      System.out.println("kwik reconnects=" + client.reconnects());
    }
  }

  /**
   * The proxy's byte accounting checks RFC 9000 §8.1 on a compliant server: when every client
   * datagram after the first Initial is lost, quiche never sends more than 3x what it received.
   */
  @Test
  void amplificationAccountingOnACompliantServer() throws Exception {
    Quic.ensureAvailability();
    try (QuicheEchoServer server = new QuicheEchoServer(false);
        FaultProxy proxy = new FaultProxy(server.address(), 15L);
        QuicheClient client = new QuicheClient(10_000)) {
      proxy.clientToServer().dropAfter(1);
      long t0 = System.nanoTime();
      QuicheConnection unused = client.open(proxy.clientFacingAddress());
      QuicheRetryTest.awaitCondition(
          "the server's first flight and its retransmission",
          () -> proxy.serverToClientStats().received() >= 2);
      System.out.println("waited ms " + (System.nanoTime() - t0) / 1_000_000);
      long sent = proxy.serverSentBytes();
      long received = proxy.clientBytesDeliveredToServer();
      System.out.println(
          "amplification: server sent "
              + sent
              + "B for "
              + received
              + "B; c->s "
              + proxy.clientToServerStats()
              + "; s->c "
              + proxy.serverToClientStats());
      assertTrue(received >= 1200, "client Initial padded to 1200");
      assertTrue(sent <= 3 * received, "server sent " + sent + "B for " + received + "B");
    }
  }
}
