package dev.ztna.server.interop;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.testsupport.QuicheProfile;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.InsecureQuicTokenHandler;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A quiche-based reference server (Netty QUIC codec, test scope): ALPN ztna-v1, DATAGRAM on, echoes
 * every DATAGRAM back on the same connection. It stands in for our server where the tests need a
 * complete QUIC peer to prove the test tooling itself (the {@link FaultProxy} and client helpers).
 */
final class QuicheEchoServer implements AutoCloseable {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel udp;
  final AtomicLong connections = new AtomicLong();
  final AtomicLong datagramsEchoed = new AtomicLong();

  /**
   * @param retry whether to answer first Initials with a Retry (quiche's insecure token handler)
   */
  QuicheEchoServer(boolean retry) throws InterruptedException {
    ServerCredentials creds =
        ServerCredentials.generateSelfSigned("localhost", ServerCredentials.KeyType.EC_P256);
    QuicSslContext ssl =
        QuicSslContextBuilder.forServer(
                creds.privateKey(), null, creds.certificateChain().toArray(new X509Certificate[0]))
            .applicationProtocols("ztna-v1")
            .build();
    ChannelHandler codec =
        QuicheProfile.apply(new QuicServerCodecBuilder(), 10_000)
            .sslContext(ssl)
            .tokenHandler(retry ? InsecureQuicTokenHandler.INSTANCE : QuicheProfile.NO_RETRY)
            .handler(new Echo())
            .streamHandler(new ChannelInboundHandlerAdapter())
            .build();
    udp =
        new Bootstrap()
            .group(group)
            .channel(NioDatagramChannel.class)
            .option(ChannelOption.SO_RCVBUF, FaultProxy.SOCKET_BUFFER_BYTES)
            .option(ChannelOption.SO_SNDBUF, FaultProxy.SOCKET_BUFFER_BYTES)
            .handler(codec)
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .sync()
            .channel();
  }

  InetSocketAddress address() {
    return (InetSocketAddress) udp.localAddress();
  }

  @Override
  public void close() {
    udp.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  @ChannelHandler.Sharable
  private final class Echo extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      connections.incrementAndGet();
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf) {
        datagramsEchoed.incrementAndGet();
        ChannelFuture unused = ctx.writeAndFlush(msg);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public boolean isSharable() {
      return true;
    }
  }
}
