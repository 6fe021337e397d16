package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.loop.EchoApplication;
import dev.ztna.server.loop.ServerConfig.RetryMode;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.loop.ZtnaServer;
import io.netty.handler.codec.quic.Quic;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tech.kwik.core.impl.QuicClientConnectionImpl;

/**
 * Issue 3, scenario 5: the idle timeout closes and frees a connection; the peer's CONNECTION_CLOSE
 * frees it; a key update mid-connection (Kwik) keeps the echo working.
 */
class LifecycleScenariosTest {
  private static final Duration HANDSHAKE = Duration.ofSeconds(Scenarios.DEADLINE_SECONDS);

  @Test
  void idleTimeoutClosesAndFreesTheConnection() throws Exception {
    Quic.ensureAvailability();
    EchoApplication app = new EchoApplication();
    try (ZtnaServer server =
            ServerFixture.start(app, TestCredentials.ec(), b -> b.idleTimeoutMs(1_000));
        QuicheClient client = new QuicheClient(30_000);
        QuicheConnection conn = client.handshake(server.localAddresses().get(0), HANDSHAKE)) {
      Scenarios.echoOnce(conn::sendDatagram, conn.datagrams(), Scenarios.payload(501, 100));
      assertEquals(1, server.liveConnections());
      // Both sides quiet: the negotiated idle timeout is the server's 1 s.
      Scenarios.await("the idle connection to be freed", () -> server.liveConnections() == 0);
      Scenarios.await("onClosed", () -> app.closed.get() == 1);
      assertEquals(1, server.counters().get(Counter.CONNECTIONS_FREED));
    }
  }

  @Test
  void quichesConnectionCloseFreesTheConnection() throws Exception {
    Quic.ensureAvailability();
    EchoApplication app = new EchoApplication();
    try (ZtnaServer server = ServerFixture.start(app);
        QuicheClient client = new QuicheClient(30_000)) {
      QuicheConnection conn = client.handshake(server.localAddresses().get(0), HANDSHAKE);
      Scenarios.echoOnce(conn::sendDatagram, conn.datagrams(), Scenarios.payload(502, 100));
      assertEquals(1, server.liveConnections());
      conn.close();
      Scenarios.await("onClosed", () -> app.closed.get() == 1);
      Scenarios.await("the closed connection to be freed", () -> server.liveConnections() == 0);
      assertEquals(0, app.lastCloseCode, "quiche closes with NO_ERROR (0)");
    }
  }

  @Test
  void kwiksConnectionCloseWithAnApplicationCodeFreesTheConnection() throws Exception {
    EchoApplication app = new EchoApplication();
    try (ZtnaServer server =
            ServerFixture.start(app, TestCredentials.ec(), b -> b.retryMode(RetryMode.NEVER));
        KwikClient client = new KwikClient(server.localAddresses().get(0), HANDSHAKE)) {
      client.connect(HANDSHAKE);
      Scenarios.echo(client::sendDatagram, client.datagrams(), Scenarios.payload(503, 100));
      client.connection().close(0x42, "bye");
      Scenarios.await("onClosed", () -> app.closed.get() == 1);
      Scenarios.await("the closed connection to be freed", () -> server.liveConnections() == 0);
      assertEquals(0x42, app.lastCloseCode);
    }
  }

  @Test
  void kwikKeyUpdatesMidConnectionKeepTheEchoWorking() throws Exception {
    EchoApplication app = new EchoApplication();
    try (ZtnaServer server =
            ServerFixture.start(app, TestCredentials.ec(), b -> b.retryMode(RetryMode.NEVER));
        KwikClient client = new KwikClient(server.localAddresses().get(0), HANDSHAKE)) {
      client.connect(HANDSHAKE);
      QuicClientConnectionImpl impl = (QuicClientConnectionImpl) client.connection();
      Scenarios.echo(client::sendDatagram, client.datagrams(), Scenarios.payload(504, 100));
      for (int update = 1; update <= 3; update++) {
        impl.updateKeys();
        for (int i = 0; i < 5; i++) {
          Scenarios.echo(
              client::sendDatagram, client.datagrams(), Scenarios.payload(504 + update, 200 + i));
        }
      }
      assertEquals(1, server.liveConnections());
      assertEquals(0, app.closed.get());
    }
  }
}
