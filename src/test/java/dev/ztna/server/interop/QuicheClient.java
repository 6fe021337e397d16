package dev.ztna.server.interop;

import dev.ztna.server.testsupport.QuicheProfile;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A quiche 0.22-style Agent (quiche through Netty's QUIC codec, test scope only): ALPN ztna-v1,
 * DATAGRAM on, 1350-byte UDP payloads, as ../shared/TEST-CLIENTS.md describes.
 */
public final class QuicheClient implements AutoCloseable {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel udp;

  public QuicheClient(long idleTimeoutMs) throws InterruptedException {
    this(idleTimeoutMs, new InetSocketAddress("127.0.0.1", 0));
  }

  /** A client whose UDP socket is bound to {@code bind} (e.g. {@code [::1]:0} for IPv6). */
  public QuicheClient(long idleTimeoutMs, InetSocketAddress bind) throws InterruptedException {
    this(
        idleTimeoutMs,
        bind,
        QuicSslContextBuilder.forClient()
            .trustManager(InsecureTrustManagerFactory.INSTANCE)
            .applicationProtocols("ztna-v1")
            .build());
  }

  /** A client with its own TLS context (e.g. with a client certificate for mutual TLS). */
  public QuicheClient(long idleTimeoutMs, InetSocketAddress bind, QuicSslContext ssl)
      throws InterruptedException {
    ChannelHandler codec =
        QuicheProfile.apply(new QuicClientCodecBuilder(), idleTimeoutMs).sslContext(ssl).build();
    udp =
        new Bootstrap()
            .group(group)
            .channel(NioDatagramChannel.class)
            .option(ChannelOption.SO_RCVBUF, FaultProxy.SOCKET_BUFFER_BYTES)
            .option(ChannelOption.SO_SNDBUF, FaultProxy.SOCKET_BUFFER_BYTES)
            .handler(codec)
            .bind(bind)
            .sync()
            .channel();
  }

  /** Starts connecting (does not wait). */
  public Future<QuicChannel> connect(InetSocketAddress server, ChannelHandler handler) {
    return QuicChannel.newBootstrap(udp).handler(handler).remoteAddress(server).connect();
  }

  public Future<QuicChannel> connect(InetSocketAddress server) {
    return connect(server, new ChannelInboundHandlerAdapter());
  }

  /**
   * Starts a connection whose handler collects DATAGRAMs; await the handshake with {@link
   * QuicheConnection#await}.
   */
  public QuicheConnection open(InetSocketAddress server) {
    DatagramCollector collector = new DatagramCollector();
    return new QuicheConnection(connect(server, collector), collector);
  }

  /**
   * Opens a connection and waits for its handshake; closes nothing on failure (the client's {@link
   * #close()} does).
   */
  public QuicheConnection handshake(InetSocketAddress server, java.time.Duration timeout)
      throws InterruptedException,
          java.util.concurrent.TimeoutException,
          java.util.concurrent.ExecutionException {
    QuicheConnection conn = open(server);
    conn.await(timeout);
    return conn;
  }

  /** The local UDP address (127.0.0.1 and the bound port). */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) udp.localAddress();
  }

  @Override
  public void close() {
    udp.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
