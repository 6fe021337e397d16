package dev.ztna.server.interop;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
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
    return collector.datagrams();
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
    return collector.maxDatagramLength();
  }

  /**
   * The server's close: its application error code, {@code -2 - code} for a transport error, or -1
   * while none was received.
   */
  public long closeError() {
    return collector.closeError();
  }

  /** True once the QUIC channel went inactive (closed by either side or idle timeout). */
  public boolean isClosed() {
    return collector.isInactive();
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
}
