package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.certs.TrustAnchors;
import dev.ztna.server.loop.EchoApplication;
import dev.ztna.server.loop.ServerConfig.RetryMode;
import dev.ztna.server.loop.ZtnaServer;
import dev.ztna.server.tls.ClientAuth;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.kwik.core.QuicClientConnection;

/**
 * {@code certs/make-certs.sh} (openssl) generates a client CA, a Connector and an Agent certificate
 * that real clients use against a server trusting that CA: quiche with the Connector certificate,
 * Kwik with the Agent certificate; both identities reach the server.
 */
class MakeCertsScriptTest {
  @TempDir Path dir;

  @Test
  void generatedCertificatesAuthenticateRealClients() throws Exception {
    assumeTrue(openssl(), "openssl is not installed");
    Process p = new ProcessBuilder("sh", "certs/make-certs.sh", dir.toString()).inheritIO().start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "make-certs.sh finished");
    assertEquals(0, p.exitValue());
    for (String f : new String[] {"clients-ca", "connector", "agent"}) {
      assertTrue(Files.isRegularFile(dir.resolve(f + ".pem")), f + ".pem");
      assertTrue(Files.isRegularFile(dir.resolve(f + ".key")), f + ".key");
    }

    ClientAuth auth = ClientAuth.required(TrustAnchors.load(dir.resolve("clients-ca.pem")));
    EchoApplication app = new EchoApplication();
    try (ZtnaServer server =
        ServerFixture.start(
            app, TestCredentials.ec(), b -> b.retryMode(RetryMode.NEVER).clientAuth(auth))) {
      Quic.ensureAvailability();
      InetSocketAddress addr = server.localAddresses().get(0);
      try (QuicheClient quiche =
          new QuicheClient(
              30_000,
              new InetSocketAddress("127.0.0.1", 0),
              QuicSslContextBuilder.forClient()
                  .trustManager(InsecureTrustManagerFactory.INSTANCE)
                  .applicationProtocols("ztna-v1")
                  .keyManager(
                      dir.resolve("connector.key").toFile(),
                      null,
                      dir.resolve("connector.pem").toFile())
                  .build())) {
        QuicheConnection c = quiche.handshake(addr, Duration.ofSeconds(Scenarios.DEADLINE_SECONDS));
        assertNotNull(c.channel());
        Scenarios.await("the Connector's identity", () -> app.identities.size() == 1);
        assertEquals("spiffe://corp.example/connector/db", app.identities.peek());
        c.close();
      }

      // Kwik takes a certificate and a key object: the server's own PEM loader reads them.
      ServerCredentials agent =
          ServerCredentials.load(dir.resolve("agent.pem"), dir.resolve("agent.key"));
      QuicClientConnection k =
          RealClientHandshakeTest.kwik(addr)
              .clientCertificate(agent.certificateChain().get(0))
              .clientCertificateKey(agent.privateKey())
              .build();
      try {
        k.connect();
        Scenarios.await("the Agent's identity", () -> app.identities.size() == 2);
        assertTrue(app.identities.contains("spiffe://corp.example/user/alice"));
      } finally {
        k.close();
      }
    }
  }

  private static boolean openssl() {
    try {
      Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
