package dev.ztna.server.interop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One quiche (Netty QUIC) client connection started by {@link QuicheClient#open}: awaits the
 * handshake with a timeout, collects received DATAGRAM payloads, sends DATAGRAMs.
 */
public final class QuicheConnection implements AutoCloseable {
  private final Future<QuicChannel> future;
  private final DatagramCollector collector;

  QuicheConnection(Future<QuicChannel> future, DatagramCollector collector) {
    this.future = future;
    this.collector = collector;
  }

  /** The raw connect future (completes when the handshake completes or fails). */
  public Future<QuicChannel> future() {
    return future;
  }

  /**
   * Waits for the handshake; returns the channel, or throws {@link TimeoutException} / {@link
   * ExecutionException} (with quiche's cause) if it does not succeed in time.
   */
  public QuicChannel await(Duration timeout)
      throws InterruptedException, TimeoutException, ExecutionException {
    if (!future.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException("quiche handshake not done after " + timeout);
    }
    if (!future.isSuccess()) {
      throw new ExecutionException("quiche connect failed", future.cause());
    }
    return future.getNow();
  }

  /** The connected channel (only after a successful {@link #await}). */
  public QuicChannel channel() {
    QuicChannel ch = future.getNow();
    if (ch == null) {
      throw new IllegalStateException("not connected");
    }
    return ch;
  }

  /** DATAGRAM frame payloads received from the server, in arrival order. */
  public BlockingQueue<byte[]> datagrams() {
    return collector.datagrams;
  }

  /**
   * Queues one DATAGRAM (quiche drops it silently if its datagram send queue is full: the future
   * still succeeds).
   */
  public void sendDatagram(byte[] payload) {
    ChannelFuture unused = channel().writeAndFlush(Unpooled.wrappedBuffer(payload));
  }

  /** The usable DATAGRAM size quiche announced, or -1 before the extension event. */
  public int maxDatagramLength() {
    return collector.maxDatagramLength;
  }

  /** True once the QUIC channel went inactive (closed by either side or idle timeout). */
  public boolean isClosed() {
    return collector.inactive;
  }

  /**
   * Closes an established connection. A connection still handshaking is left alone (cancelling
   * Netty's connect promise makes it log a spurious "complete already"); {@link
   * QuicheClient#close()} tears it down with the UDP channel.
   */
  @Override
  public void close() {
    if (future.isSuccess()) {
      future.getNow().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  /** The QuicChannel's handler: collects DATAGRAM payloads and the datagram-extension event. */
  static final class DatagramCollector extends ChannelInboundHandlerAdapter {
    final BlockingQueue<byte[]> datagrams = new LinkedBlockingQueue<>();
    volatile int maxDatagramLength = -1;
    volatile boolean inactive;

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
        maxDatagramLength = ((QuicDatagramExtensionEvent) evt).maxLength();
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      inactive = true;
      super.channelInactive(ctx);
    }
  }
}
