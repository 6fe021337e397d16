package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.loop.EchoApplication;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ZtnaServer;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.quic.QuicChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * quiche (through Netty) completes the handshake with our server and exchanges DATAGRAMs with an
 * echo app.
 */
class QuicheEchoTest {
  private static final Duration E2E_DEADLINE = Duration.ofSeconds(30);

  private static void roundTrip(ServerConfig.RetryMode retry) throws Exception {
    ServerConfig config =
        ServerConfig.builder()
            .listen(List.of(new InetSocketAddress("127.0.0.1", 0)))
            .idleKind(ServerConfig.IdleKind.BACKOFF)
            .retryMode(retry)
            .build();
    EchoApplication echo = new EchoApplication();
    try (ZtnaServer server = ZtnaServer.start(config, TestCredentials.rsa(), echo);
        QuicheClient client = new QuicheClient(30_000)) {
      QuicheConnection conn = client.handshake(server.localAddresses().get(0), E2E_DEADLINE);
      QuicChannel channel = conn.channel();
      assertTrue(channel.isActive());
      for (int size : new int[] {1, 20, 100, 500, 1000, 1200}) {
        byte[] payload = new byte[size];
        for (int i = 0; i < size; i++) {
          payload[i] = (byte) (i * 31 + size);
        }
        channel.writeAndFlush(Unpooled.wrappedBuffer(payload)).sync();
        byte[] back = conn.datagrams().poll(30, TimeUnit.SECONDS);
        assertNotNull(back, "echo of " + size + " bytes");
        assertArrayEquals(payload, back);
      }
      channel.close().sync();
    }
  }

  @Test
  void handshakeAndDatagramsWithRetry() throws Exception {
    roundTrip(ServerConfig.RetryMode.ALWAYS);
  }

  @Test
  void handshakeAndDatagramsWithoutRetry() throws Exception {
    roundTrip(ServerConfig.RetryMode.NEVER);
  }
}
