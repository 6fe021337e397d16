package dev.ztna.server.interop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The handler of a quiche (Netty) client's QuicChannel in the tests: collects received DATAGRAM
 * payloads, the usable DATAGRAM size from the datagram-extension event, the peer's CONNECTION_CLOSE
 * (Netty fires {@link QuicConnectionCloseEvent} when the server closes) and when the channel went
 * inactive. {@link QuicheClient#open} installs one per connection.
 */
public final class DatagramCollector extends ChannelInboundHandlerAdapter {
  private final BlockingQueue<byte[]> datagrams = new LinkedBlockingQueue<>();
  private volatile int maxDatagramLength = -1;
  private volatile long closeError = -1;
  private volatile boolean inactive;

  /** DATAGRAM payloads received, in arrival order. */
  public BlockingQueue<byte[]> datagrams() {
    return datagrams;
  }

  /** The usable DATAGRAM size quiche announced, or -1 before the extension event. */
  public int maxDatagramLength() {
    return maxDatagramLength;
  }

  /**
   * The peer's close: its application error code, {@code -2 - code} for a transport error, or -1
   * while none was received.
   */
  public long closeError() {
    return closeError;
  }

  /** True once the channel went inactive (closed by either side or idle timeout). */
  public boolean isInactive() {
    return inactive;
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
      maxDatagramLength = ((QuicDatagramExtensionEvent) evt).maxLength();
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
}
