package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.loop.EchoApplication;
import dev.ztna.server.loop.ServerConfig.RetryMode;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.loop.ZtnaServer;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicClosedChannelException;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import tech.kwik.core.QuicClientConnection;

/**
 * Issue 3, scenario 6: a client offering only an unknown ALPN gets CONNECTION_CLOSE with
 * CRYPTO_ERROR 0x178 (0x100 + TLS alert no_application_protocol 120, RFC 9001 §8.1 / §4.8).
 */
class AlpnScenarioTest {
  static final long NO_APPLICATION_PROTOCOL = 0x178;

  @Test
  void quicheOfferingOnlyAnUnknownAlpnGetsCryptoError0x178() throws Exception {
    Quic.ensureAvailability();
    EchoApplication app = new EchoApplication();
    AtomicReference<QuicConnectionCloseEvent> closeEvent = new AtomicReference<>();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try (ZtnaServer server = ServerFixture.start(app)) {
      Channel udp =
          new Bootstrap()
              .group(group)
              .channel(NioDatagramChannel.class)
              .handler(
                  new QuicClientCodecBuilder()
                      .sslContext(
                          QuicSslContextBuilder.forClient()
                              .trustManager(InsecureTrustManagerFactory.INSTANCE)
                              .applicationProtocols("other")
                              .build())
                      .maxIdleTimeout(30_000, TimeUnit.MILLISECONDS)
                      .maxSendUdpPayloadSize(1350)
                      .maxRecvUdpPayloadSize(1350)
                      .initialMaxData(1_000_000)
                      .datagram(1000, 1000)
                      .build())
              .bind(new InetSocketAddress("127.0.0.1", 0))
              .sync()
              .channel();
      Future<QuicChannel> connect =
          QuicChannel.newBootstrap(udp)
              .handler(
                  new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt)
                        throws Exception {
                      if (evt instanceof QuicConnectionCloseEvent) {
                        closeEvent.set((QuicConnectionCloseEvent) evt);
                      }
                      super.userEventTriggered(ctx, evt);
                    }
                  })
              .remoteAddress(server.localAddresses().get(0))
              .connect();
      assertTrue(connect.await(Scenarios.DEADLINE_SECONDS, TimeUnit.SECONDS), "connect done");
      assertFalse(connect.isSuccess(), "handshake must fail");
      Throwable cause = connect.cause();
      System.out.println("quiche connect failed with " + cause + ", close event " + closeEvent);
      QuicConnectionCloseEvent event = closeEvent.get();
      if (event == null && cause instanceof QuicClosedChannelException) {
        event = ((QuicClosedChannelException) cause).event();
      }
      assertNotNull(event, "quiche reports the peer's CONNECTION_CLOSE");
      assertFalse(event.isApplicationClose(), "a transport (0x1c) close");
      assertEquals(NO_APPLICATION_PROTOCOL, event.error());
      assertTrue(event.isTlsError());
      assertEquals(0, server.counters().get(Counter.HANDSHAKES_COMPLETED));
      Scenarios.await("the refused connection to be freed", () -> server.liveConnections() == 0);
      udp.close().sync();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void kwikOfferingOnlyAnUnknownAlpnGetsCryptoError0x178() throws Exception {
    EchoApplication app = new EchoApplication();
    try (ZtnaServer server =
        ServerFixture.start(app, TestCredentials.ec(), b -> b.retryMode(RetryMode.NEVER))) {
      InetSocketAddress addr = server.localAddresses().get(0);
      QuicClientConnection c =
          RealClientHandshakeTest.kwik(addr).applicationProtocol("other").build();
      Exception failure = assertThrows(Exception.class, c::connect);
      System.out.println("Kwik connect failed with " + failure);
      String text = String.valueOf(failure.getMessage());
      // Kwik reports a peer CRYPTO_ERROR close as "TLS error <alert>": 0x178 - 0x100 = 120.
      assertTrue(
          text.contains("TLS error 120"),
          "Kwik's failure names the no_application_protocol alert: " + text);
      assertEquals(0, server.counters().get(Counter.HANDSHAKES_COMPLETED));
      Scenarios.await("the refused connection to be freed", () -> server.liveConnections() == 0);
    }
  }
}
