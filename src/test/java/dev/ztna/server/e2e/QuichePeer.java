package dev.ztna.server.e2e;

import dev.ztna.server.interop.QuicheClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A quiche (Netty QUIC) connection that records DATAGRAMs and the peer's CONNECTION_CLOSE (Netty
 * fires {@link QuicConnectionCloseEvent} when the server closes). Either owns its {@link
 * QuicheClient} (one UDP socket + event loop) or shares one.
 */
final class QuichePeer extends ChannelInboundHandlerAdapter implements Peer {
  private final String name;
  private final QuicheClient client;
  private final boolean ownsClient;
  private final Future<QuicChannel> future;
  private final BlockingQueue<byte[]> datagrams = new LinkedBlockingQueue<>();
  private volatile int maxLength = -1;
  private volatile long closeError = -1;
  private volatile boolean inactive;

  private QuichePeer(
      String name, QuicheClient client, boolean ownsClient, InetSocketAddress server) {
    this.name = name;
    this.client = client;
    this.ownsClient = ownsClient;
    this.future = client.connect(server, this);
  }

  /** A connection on its own client (own UDP port), handshake started, not awaited. */
  static QuichePeer start(String name, InetSocketAddress server, long idleTimeoutMs)
      throws InterruptedException {
    return new QuichePeer(name, new QuicheClient(idleTimeoutMs), true, server);
  }

  /**
   * Opens on its own client presenting {@code ssl}'s client certificate (mutual TLS) and waits for
   * the handshake.
   */
  static QuichePeer connect(String name, InetSocketAddress server, QuicSslContext ssl)
      throws Exception {
    QuichePeer p =
        new QuichePeer(
            name,
            new QuicheClient(30_000, new InetSocketAddress("127.0.0.1", 0), ssl),
            true,
            server);
    try {
      p.await(E2e.DEADLINE);
    } catch (Exception e) {
      p.close();
      throw e;
    }
    return p;
  }

  /** A connection on a shared client (shared UDP port), handshake started, not awaited. */
  static QuichePeer startOn(String name, QuicheClient shared, InetSocketAddress server) {
    return new QuichePeer(name, shared, false, server);
  }

  /** Opens on its own client and waits for the handshake. */
  static QuichePeer connect(String name, InetSocketAddress server) throws Exception {
    QuichePeer p = start(name, server, 30_000);
    try {
      p.await(E2e.DEADLINE);
    } catch (Exception e) {
      p.close();
      throw e;
    }
    return p;
  }

  QuichePeer await(Duration timeout)
      throws InterruptedException, TimeoutException, ExecutionException {
    if (!future.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException(name + ": quiche handshake not done after " + timeout);
    }
    if (!future.isSuccess()) {
      throw new ExecutionException(name + ": quiche connect failed", future.cause());
    }
    return this;
  }

  boolean isConnected() {
    return future.isSuccess();
  }

  QuicChannel channel() {
    return future.getNow();
  }

  QuicheClient client() {
    return client;
  }

  @Override
  public void send(byte[] payload) {
    ChannelFuture unused = channel().writeAndFlush(Unpooled.wrappedBuffer(payload));
  }

  @Override
  public BlockingQueue<byte[]> datagrams() {
    return datagrams;
  }

  @Override
  public int maxDatagram() {
    return maxLength;
  }

  @Override
  public InetSocketAddress localAddress() {
    return client.localAddress();
  }

  @Override
  public long closeError() {
    return closeError;
  }

  @Override
  public boolean isClosed() {
    return inactive;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof ByteBuf) {
        datagrams.add(ByteBufUtil.getBytes((ByteBuf) msg));
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof QuicDatagramExtensionEvent) {
      maxLength = ((QuicDatagramExtensionEvent) evt).maxLength();
    } else if (evt instanceof QuicConnectionCloseEvent) {
      QuicConnectionCloseEvent close = (QuicConnectionCloseEvent) evt;
      closeError = close.isApplicationClose() ? close.error() : -2L - close.error();
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    inactive = true;
    super.channelInactive(ctx);
  }

  @Override
  public void close() {
    if (future.isSuccess()) {
      future.getNow().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    if (ownsClient) {
      client.close();
    }
  }
}
