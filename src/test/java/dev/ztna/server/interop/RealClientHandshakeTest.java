package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.crypto.CipherSuite;
import dev.ztna.server.loop.EchoApplication;
import dev.ztna.server.loop.ServerConfig.RetryMode;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.loop.ZtnaServer;
import io.netty.handler.codec.quic.Quic;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import tech.kwik.agent15.TlsConstants;
import tech.kwik.core.QuicClientConnection;

/**
 * Issue 3, scenario 1: real clients (quiche through Netty, Kwik) complete the handshake with and
 * without Retry, with RSA 2048 and ECDSA P-256 certificates; Kwik forced to each TLS 1.3 cipher
 * suite gets exactly that suite (checked on the server side).
 */
class RealClientHandshakeTest {
  private static final Duration HANDSHAKE = Duration.ofSeconds(Scenarios.DEADLINE_SECONDS);

  static ServerCredentials credentials(String kind) {
    return kind.equals("RSA") ? TestCredentials.rsa() : TestCredentials.ec();
  }

  @ParameterizedTest(name = "quiche {0} retry={1}")
  @CsvSource({"RSA,ALWAYS", "RSA,NEVER", "EC,ALWAYS", "EC,NEVER"})
  void quicheHandshakes(String cert, RetryMode retry) throws Exception {
    Quic.ensureAvailability();
    EchoApplication app = new EchoApplication();
    try (ZtnaServer server = ServerFixture.start(app, credentials(cert), b -> b.retryMode(retry));
        QuicheClient client = new QuicheClient(30_000);
        QuicheConnection conn = client.handshake(server.localAddresses().get(0), HANDSHAKE)) {
      Scenarios.echoOnce(conn::sendDatagram, conn.datagrams(), Scenarios.payload(1, 300));
      assertEquals(1, server.counters().get(Counter.HANDSHAKES_COMPLETED));
      assertEquals(retry == RetryMode.ALWAYS ? 1 : 0, server.counters().get(Counter.TOKEN_VALID));
      assertNotNull(app.cipherSuites.peek(), "server recorded the suite");
    }
  }

  @ParameterizedTest(name = "Kwik {0} retry={1}")
  @CsvSource({"RSA,ALWAYS", "RSA,NEVER", "EC,ALWAYS", "EC,NEVER"})
  void kwikHandshakes(String cert, RetryMode retry) throws Exception {
    EchoApplication app = new EchoApplication();
    try (ZtnaServer server = ServerFixture.start(app, credentials(cert), b -> b.retryMode(retry));
        KwikClient client = new KwikClient(server.localAddresses().get(0), HANDSHAKE)) {
      // Kwik's known second-Retry quirk (../shared/TEST-CLIENTS.md): one reconnect allowed.
      client.connectWithReconnects(HANDSHAKE);
      Scenarios.echoOnce(client::sendDatagram, client.datagrams(), Scenarios.payload(2, 300));
      assertTrue(server.counters().get(Counter.HANDSHAKES_COMPLETED) >= 1);
      assertEquals(
          CipherSuite.TLS_AES_128_GCM_SHA256, app.cipherSuites.peek(), "Kwik's default suite");
    }
  }

  @ParameterizedTest(name = "Kwik forced to {0}")
  @EnumSource(CipherSuite.class)
  void kwikGetsTheSuiteItForces(CipherSuite suite) throws Exception {
    EchoApplication app = new EchoApplication();
    BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    try (ZtnaServer server =
        ServerFixture.start(app, TestCredentials.ec(), b -> b.retryMode(RetryMode.NEVER))) {
      QuicClientConnection c =
          kwik(server.localAddresses().get(0))
              .cipherSuite(TlsConstants.CipherSuite.valueOf(suite.name()))
              .build();
      c.setDatagramHandler(received::add);
      try {
        c.connect();
        Scenarios.echoOnce(c::sendDatagram, received, Scenarios.payload(3, 500));
        assertEquals(suite, app.cipherSuites.peek());
      } finally {
        c.close();
      }
    }
  }

  /** A Kwik builder like {@link KwikClient}'s (ALPN ztna-v1, DATAGRAM on, 127.0.0.1 socket). */
  static QuicClientConnection.Builder kwik(InetSocketAddress server) {
    return QuicClientConnection.newBuilder()
        .uri(URI.create("quic://127.0.0.1:" + server.getPort()))
        .applicationProtocol("ztna-v1")
        .noServerCertificateCheck()
        .enableDatagramExtension()
        .maxIdleTimeout(HANDSHAKE)
        .connectTimeout(HANDSHAKE)
        .socketFactory(unused -> new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
  }
}
