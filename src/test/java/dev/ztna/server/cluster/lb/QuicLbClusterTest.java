package dev.ztna.server.cluster.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.conn.ConnectionIdGenerator;
import dev.ztna.server.interop.FaultProxy;
import dev.ztna.server.interop.QuicheClient;
import dev.ztna.server.interop.QuicheConnection;
import dev.ztna.server.interop.ServerFixture;
import dev.ztna.server.loop.EchoApplication;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.loop.ZtnaServer;
import io.netty.handler.codec.quic.Quic;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two in-process nodes with different QUIC-LB server IDs (encrypted four-pass CIDs) behind the test
 * load balancer {@link QuicLbForwarder}, driven by real quiche clients (Netty QUIC): the handshake
 * (with Retry) reaches a node through the balancer; a Retry token minted by one node validates on
 * the other because they share the token key (and does not without it); a client that rebinds its
 * source port at the balancer's front still reaches its node because the CID names it; a packet
 * whose server ID names no node is dropped and counted. The seed of every random choice (keys,
 * payloads) is printed.
 */
class QuicLbClusterTest {
  private static final Duration HANDSHAKE = Duration.ofSeconds(20);
  private static final long DEADLINE_SECONDS = 30;
  private static final String A = "0a01";
  private static final String B = "0b02";

  private long seed;
  private Random random;
  private QuicLbConfig config;
  private byte[] tokenKey;
  private final EchoApplication appA = new EchoApplication();
  private final EchoApplication appB = new EchoApplication();
  private ZtnaServer nodeA;
  private ZtnaServer nodeB;
  private QuicLbForwarder lb;

  @BeforeEach
  void start() throws Exception {
    Quic.ensureAvailability();
    seed = System.nanoTime();
    System.out.println("QuicLbClusterTest seed " + seed);
    random = new Random(seed);
    byte[] lbKey = new byte[16];
    random.nextBytes(lbKey);
    config = new QuicLbConfig(1, 2, 6, lbKey, true); // 9-byte CIDs, four-pass Feistel
    tokenKey = new byte[32];
    random.nextBytes(tokenKey);
    lb = new QuicLbForwarder(config);
  }

  @AfterEach
  void stop() {
    lb.close();
    if (nodeA != null) {
      nodeA.close();
    }
    if (nodeB != null) {
      nodeB.close();
    }
    assertNull(lb.failure(), "forwarder thread failure");
  }

  private ZtnaServer node(String sidHex, EchoApplication app, byte[] key) throws Exception {
    byte[] sid = HexFormat.of().parseHex(sidHex);
    QuicLbConfig c = config;
    ServerConfig.ConnectionIdScheme scheme =
        new ServerConfig.ConnectionIdScheme() {
          @Override
          public int length() {
            return c.cidLength();
          }

          @Override
          public ConnectionIdGenerator create(SecureRandom r) {
            return new QuicLbConnectionIds(c, sid, r);
          }
        };
    ZtnaServer server =
        ServerFixture.start(
            app,
            TestCredentials.ec(),
            b -> b.cidLength(c.cidLength()).connectionIds(scheme).retryTokenKey(key));
    lb.addNode(sid, server.localAddresses().get(0));
    return server;
  }

  private void startNodes() throws Exception {
    nodeA = node(A, appA, tokenKey);
    nodeB = node(B, appB, tokenKey);
  }

  @Test
  void quicheHandshakesReachEachNodeThroughTheBalancer() throws Exception {
    startNodes();
    try (QuicheClient c1 = new QuicheClient(30_000);
        QuicheClient c2 = new QuicheClient(30_000)) {
      lb.defaultNode(A);
      QuicheConnection toA = c1.handshake(lb.frontAddress(), HANDSHAKE);
      lb.defaultNode(B);
      QuicheConnection toB = c2.handshake(lb.frontAddress(), HANDSHAKE);
      echo(toA::sendDatagram, toA.datagrams(), payload(100));
      echo(toB::sendDatagram, toB.datagrams(), payload(200));
      assertEquals(1, nodeA.counters().get(Counter.HANDSHAKES_COMPLETED));
      assertEquals(1, nodeB.counters().get(Counter.HANDSHAKES_COMPLETED));
      assertTrue(nodeA.counters().get(Counter.RETRY_SENT) >= 1, "node A used Retry");
      assertTrue(nodeB.counters().get(Counter.RETRY_SENT) >= 1, "node B used Retry");
      // Only the client-chosen Initials took the fallback; everything else was routed by CID.
      assertEquals(0, lb.droppedUnknownServerId.get());
      assertEquals(0, lb.droppedUnroutable.get());
      // Changing the default does not move an established connection: c1 still reaches A.
      long beforeA = lb.forwardedTo(A);
      echo(toA::sendDatagram, toA.datagrams(), payload(300));
      assertTrue(lb.forwardedTo(A) > beforeA);
      assertTrue(appA.datagrams.get() >= 2, "A echoed both of c1's datagrams");
    }
  }

  @Test
  void retryTokenMintedByOneNodeValidatesOnTheOther() throws Exception {
    startNodes();
    lb.defaultNode(A);
    drainAfterFirstRetry(A);
    try (QuicheClient client = new QuicheClient(30_000)) {
      QuicheConnection conn = client.handshake(lb.frontAddress(), HANDSHAKE);
      echo(conn::sendDatagram, conn.datagrams(), payload(400));
      assertTrue(nodeA.counters().get(Counter.RETRY_SENT) >= 1, "A minted the token");
      assertEquals(0, nodeA.counters().get(Counter.HANDSHAKES_COMPLETED));
      assertTrue(nodeB.counters().get(Counter.TOKEN_VALID) >= 1, "B validated A's token");
      // (B may also have answered a late retransmission of the first Initial with a Retry of its
      // own, which quiche discards after the first, RFC 9000 §17.2.5.2; not asserted either way.)
      assertEquals(0, nodeB.counters().get(Counter.DROP_TOKEN_INVALID));
      assertEquals(1, nodeB.counters().get(Counter.HANDSHAKES_COMPLETED));
      assertTrue(lb.fallbackRouted.get() >= 2, "the token-bearing Initial named a drained node");
    }
  }

  @Test
  void withoutASharedKeyTheOtherNodeRejectsTheToken() throws Exception {
    byte[] otherKey = new byte[32];
    random.nextBytes(otherKey);
    nodeA = node(A, appA, tokenKey);
    nodeB = node(B, appB, otherKey);
    lb.defaultNode(A);
    drainAfterFirstRetry(A);
    try (QuicheClient client = new QuicheClient(30_000)) {
      QuicheConnection unused = client.open(lb.frontAddress());
      await(
          "node B to reject node A's token",
          () -> nodeB.counters().get(Counter.DROP_TOKEN_INVALID) >= 1);
      assertEquals(0, nodeB.counters().get(Counter.TOKEN_VALID));
      assertEquals(0, nodeB.counters().get(Counter.HANDSHAKES_COMPLETED));
    }
  }

  @Test
  void rebindingClientStillReachesItsNode() throws Exception {
    startNodes();
    lb.defaultNode(B);
    try (FaultProxy nat = new FaultProxy(lb.frontAddress(), seed);
        QuicheClient client = new QuicheClient(30_000)) {
      QuicheConnection conn = client.handshake(nat.clientFacingAddress(), HANDSHAKE);
      echo(conn::sendDatagram, conn.datagrams(), payload(500));
      // A 4-tuple balancer would now send this client's new port to A.
      lb.defaultNode(A);
      long aBefore = lb.forwardedTo(A);
      InetSocketAddress before = nat.upstreamAddressOf(client.localAddress());
      InetSocketAddress after = nat.rebindOnlyClient();
      assertNotEquals(before, after);
      echo(conn::sendDatagram, conn.datagrams(), payload(600));
      await("node B to see the new path", () -> appB.addressChanges.get() >= 1);
      echo(conn::sendDatagram, conn.datagrams(), payload(700));
      assertEquals(aBefore, lb.forwardedTo(A), "nothing of this connection went to A");
      assertEquals(0, nodeA.counters().get(Counter.HANDSHAKES_COMPLETED));
      assertEquals(1, nodeB.liveConnections());
      assertEquals(1, nodeB.counters().get(Counter.HANDSHAKES_COMPLETED));
      assertEquals(0, lb.droppedUnknownServerId.get());
    }
  }

  @Test
  void packetNamingNoNodeIsDroppedAndCounted() throws Exception {
    startNodes();
    // A CID minted under the same configuration for server ID 0c03, which no node has.
    QuicLbConnectionIds stranger =
        new QuicLbConnectionIds(config, HexFormat.of().parseHex("0c03"), new SecureRandom());
    byte[] datagram = new byte[60];
    random.nextBytes(datagram);
    datagram[0] = 0x41; // short header: form 0, fixed bit 1
    stranger.next(datagram, 1);
    // And one of another config rotation code point.
    byte[] otherConfig = datagram.clone();
    otherConfig[1] = (byte) ((otherConfig[1] & 0x1f) | (5 << 5));
    long forwardedA = lb.forwardedTo(A);
    long forwardedB = lb.forwardedTo(B);
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      s.send(new DatagramPacket(datagram, datagram.length, lb.frontAddress()));
      s.send(new DatagramPacket(otherConfig, otherConfig.length, lb.frontAddress()));
    }
    await("the balancer to drop the stranger's packet", () -> lb.droppedUnknownServerId.get() == 1);
    await("the balancer to drop the other code point", () -> lb.droppedUnroutable.get() == 1);
    assertEquals(forwardedA, lb.forwardedTo(A));
    assertEquals(forwardedB, lb.forwardedTo(B));
    assertEquals(0, nodeA.counters().get(Counter.STATELESS_RESET_SENT));
    assertEquals(0, nodeB.counters().get(Counter.STATELESS_RESET_SENT));
  }

  /**
   * Node {@code sid} is taken out of the balancer the moment its first Retry passes, before the
   * client sees it: the client's token-bearing Initial then names a node that is gone, so the
   * balancer falls back to another (as when a node is drained between its Retry and the reply).
   */
  private void drainAfterFirstRetry(String sid) {
    lb.onServerPacket(
        (node, bytes) -> {
          boolean retry = (bytes[0] & 0x80) != 0 && ((bytes[0] & 0x30) >> 4) == 3;
          if (retry && node.equals(sid)) {
            lb.removeNode(sid);
          }
        });
  }

  private byte[] payload(int size) {
    byte[] b = new byte[size];
    new Random(seed * 1_000_003L + size).nextBytes(b);
    return b;
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + DEADLINE_SECONDS + " s waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  /**
   * Sends {@code payload} until exactly these bytes come back (re-sending every 200 ms, so a lost
   * datagram is not a failure; the server is not at fault for UDP loss).
   */
  private static void echo(Consumer<byte[]> send, BlockingQueue<byte[]> received, byte[] payload)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    while (System.nanoTime() < deadline) {
      send.accept(payload);
      long resendAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
      long now;
      while ((now = System.nanoTime()) < resendAt) {
        byte[] back = received.poll(resendAt - now, TimeUnit.NANOSECONDS);
        if (back != null && Arrays.equals(back, payload)) {
          return;
        }
      }
    }
    throw new AssertionError("no echo of " + payload.length + " bytes within the deadline");
  }
}
