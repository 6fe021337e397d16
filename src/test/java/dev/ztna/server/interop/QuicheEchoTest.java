package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.loop.EchoApplication;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ZtnaServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * quiche (through Netty) completes the handshake with our server and exchanges DATAGRAMs with an
 * echo app.
 */
class QuicheEchoTest {
  static final class Collector extends ChannelInboundHandlerAdapter {
    final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf) {
        ByteBuf buf = (ByteBuf) msg;
        received.add(ByteBufUtil.getBytes(buf));
        buf.release();
      } else {
        ctx.fireChannelRead(msg);
      }
    }
  }

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
      Collector collector = new Collector();
      QuicChannel channel =
          client.connect(server.localAddresses().get(0), collector).get(30, TimeUnit.SECONDS);
      assertTrue(channel.isActive());
      for (int size : new int[] {1, 20, 100, 500, 1000, 1200}) {
        byte[] payload = new byte[size];
        for (int i = 0; i < size; i++) {
          payload[i] = (byte) (i * 31 + size);
        }
        channel.writeAndFlush(Unpooled.wrappedBuffer(payload)).sync();
        byte[] back = collector.received.poll(30, TimeUnit.SECONDS);
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
