package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.loop.ZtnaServer;
import io.netty.handler.codec.quic.Quic;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Real clients (quiche via Netty, Kwik) start a connection through the {@link FaultProxy}: the
 * server's Retry goes back through the proxy and the token-bearing Initial comes through to the
 * server. (Only Retry exists server-side today; the handshake scenarios build on these helpers.)
 */
class ProxySmokeTest {
  private static final long SEED = 7L;

  private static ZtnaServer startServer() throws Exception {
    return ZtnaServer.start(
        ServerConfig.builder()
            .listen(List.of(new InetSocketAddress("127.0.0.1", 0)))
            .idleKind(ServerConfig.IdleKind.BACKOFF)
            .build());
  }

  private static void assertRetryRoundTrip(ZtnaServer server, FaultProxy proxy, InetSocketAddress c)
      throws Exception {
    QuicheRetryTest.awaitCondition(
        "the token-bearing Initial to reach the server through the proxy",
        () -> server.counters().get(Counter.TOKEN_VALID) >= 1);
    assertTrue(server.counters().get(Counter.RETRY_SENT) >= 1, "retry_sent");
    assertEquals(0, server.counters().get(Counter.DROP_TOKEN_INVALID), "no invalid tokens");
    assertTrue(proxy.clients().contains(c), "proxy saw the client at " + c);
    assertTrue(proxy.clientToServerStats().forwarded() >= 2, "Initial and token Initial");
    assertTrue(proxy.serverSentBytes() > 0, "the Retry went through the proxy");
    // RFC 9000 §8.1: before address validation the server sends at most 3x what it received.
    assertTrue(
        proxy.serverSentBytes() <= 3 * proxy.clientBytesDeliveredToServer(),
        "server "
            + proxy.serverSentBytes()
            + "B vs client "
            + proxy.clientBytesDeliveredToServer());
    assertNull(proxy.failure());
  }

  @Test
  void quicheReachesTheServerThroughTheProxy() throws Exception {
    Quic.ensureAvailability();
    try (ZtnaServer server = startServer();
        FaultProxy proxy = new FaultProxy(server.localAddresses().get(0), SEED);
        QuicheClient client = new QuicheClient(5_000);
        QuicheConnection conn = client.open(proxy.clientFacingAddress())) {
      assertRetryRoundTrip(server, proxy, client.localAddress());
      assertTrue(conn.datagrams().isEmpty(), "no handshake, no DATAGRAMs");
    }
  }

  @Test
  void kwikReachesTheServerThroughTheProxy() throws Exception {
    try (ZtnaServer server = startServer();
        FaultProxy proxy = new FaultProxy(server.localAddresses().get(0), SEED);
        KwikClient client = new KwikClient(proxy.clientFacingAddress(), Duration.ofSeconds(5))) {
      CompletableFuture<Void> attempt = client.connectAsync(Duration.ofSeconds(3));
      assertRetryRoundTrip(server, proxy, client.localAddress());
      assertFalse(attempt.isDone() && !attempt.isCompletedExceptionally(), "cannot be connected");
    }
  }
}
