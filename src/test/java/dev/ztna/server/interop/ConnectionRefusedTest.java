package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.loop.EchoApplication;
import dev.ztna.server.loop.Limits;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.loop.ZtnaServer;
import io.netty.handler.codec.quic.QuicClosedChannelException;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * A full server refuses a real client with CONNECTION_CLOSE CONNECTION_REFUSED (0x2) in an Initial
 * (RFC 9000 §5.2.2), after the client passed a Retry: the client learns it at once rather than
 * timing out, and the server keeps serving the connection it has.
 */
class ConnectionRefusedTest {
  private static ZtnaServer fullAtOne(EchoApplication app, ServerConfig.RetryMode retry)
      throws IOException {
    return ServerFixture.start(
        app,
        TestCredentials.ec(),
        b -> b.retryMode(retry).limits(Limits.builder().maxConnections(1).build()));
  }

  @Test
  void quicheReportsConnectionRefused() throws Exception {
    EchoApplication app = new EchoApplication();
    try (ZtnaServer server = fullAtOne(app, ServerConfig.RetryMode.ALWAYS);
        QuicheClient client = new QuicheClient(30_000)) {
      QuicheConnection first =
          client.handshake(server.localAddresses().get(0), Duration.ofSeconds(20));
      QuicheConnection second = client.open(server.localAddresses().get(0));
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> second.await(Duration.ofSeconds(20)));
      System.out.println("quiche reports: " + e.getCause());
      Throwable cause = e.getCause();
      while (cause != null && !(cause instanceof QuicClosedChannelException)) {
        cause = cause.getCause();
      }
      assertTrue(cause != null, "a QUIC close, not a timeout: " + e.getCause());
      QuicConnectionCloseEvent event = ((QuicClosedChannelException) cause).event();
      System.out.println(
          "quiche close event: "
              + event
              + " reason '"
              + new String(event.reason(), StandardCharsets.US_ASCII)
              + "'");
      assertFalse(event.isApplicationClose());
      assertEquals(0x2, event.error(), "CONNECTION_REFUSED");
      assertEquals(1, server.counters().get(Counter.REFUSED_MAX_CONNECTIONS));
      assertTrue(server.counters().get(Counter.CONNECTION_REFUSED_SENT) >= 1);
      assertTrue(first.channel().isActive(), "the admitted connection is untouched");
    }
  }

  @Test
  void kwikReportsConnectionRefused() throws Exception {
    EchoApplication app = new EchoApplication();
    try (ZtnaServer server = fullAtOne(app, ServerConfig.RetryMode.NEVER);
        KwikClient first = new KwikClient(server.localAddresses().get(0), Duration.ofSeconds(30));
        KwikClient second =
            new KwikClient(server.localAddresses().get(0), Duration.ofSeconds(30))) {
      first.connectWithReconnects(Duration.ofSeconds(20));
      IOException e = assertThrows(IOException.class, () -> second.connect(Duration.ofSeconds(20)));
      System.out.println("Kwik reports: " + e);
      // Kwik 0.10.3: "Handshake error: Server closed connection: transport error 2: <reason>".
      assertTrue(String.valueOf(e.getMessage()).contains("transport error 2"), e.toString());
      assertTrue(server.counters().get(Counter.CONNECTION_REFUSED_SENT) >= 1);
      // Each Initial the client sends before it processes the close is refused (no state).
      assertTrue(server.counters().get(Counter.REFUSED_MAX_CONNECTIONS) >= 1);
      assertEquals(1, server.liveConnections());
      assertTrue(first.isConnected(), "the admitted connection is untouched");
    }
  }
}
