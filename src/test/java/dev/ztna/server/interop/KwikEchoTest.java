package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.loop.EchoApplication;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.loop.ZtnaServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Kwik (pure Java QUIC) completes handshakes with our server and exchanges DATAGRAMs, directly and
 * via a proxy.
 */
class KwikEchoTest {
  private static void echo(KwikClient client, int size) throws InterruptedException {
    byte[] payload = new byte[size];
    for (int i = 0; i < size; i++) {
      payload[i] = (byte) (i * 7 + size);
    }
    client.sendDatagram(payload);
    byte[] back;
    do {
      back = client.datagrams().poll(30, TimeUnit.SECONDS);
      assertNotNull(back, "echo of " + size + " bytes");
      // Kwik retransmits DATAGRAM frames with lost packets: skip duplicates of earlier sizes.
    } while (back.length != size);
    assertArrayEquals(payload, back);
  }

  @Test
  void kwikHandshakeAndDatagramsEcRetry() throws Exception {
    EchoApplication app = new EchoApplication();
    try (ZtnaServer server = ServerFixture.start(app);
        KwikClient client =
            new KwikClient(server.localAddresses().get(0), Duration.ofSeconds(30))) {
      client.connectWithReconnects(Duration.ofSeconds(20));
      assertTrue(client.isConnected());
      for (int size : new int[] {1, 2, 64, 700, 1100}) {
        echo(client, size);
      }
      assertTrue(server.counters().get(Counter.HANDSHAKES_COMPLETED) >= 1);
    }
  }

  @Test
  void kwikHandshakeRsaWithoutRetryThroughProxy() throws Exception {
    EchoApplication app = new EchoApplication();
    try (ZtnaServer server =
            ServerFixture.start(
                app, TestCredentials.rsa(), b -> b.retryMode(ServerConfig.RetryMode.NEVER));
        FaultProxy proxy = new FaultProxy(server.localAddresses().get(0), 11L);
        KwikClient client = new KwikClient(proxy.clientFacingAddress(), Duration.ofSeconds(30))) {
      client.connect(Duration.ofSeconds(20));
      echo(client, 500);
      assertEquals(0, server.counters().get(Counter.RETRY_SENT));
      assertTrue(proxy.clients().contains(client.localAddress()));
    }
  }
}
