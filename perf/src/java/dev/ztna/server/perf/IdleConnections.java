package dev.ztna.server.perf;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.util.ReferenceCountUtil;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * N idle quiche client connections to a target, opened before the measured pair (same client
 * settings, 600 s idle timeout), at most 64 handshakes in flight, 100 connections per local UDP
 * socket, on an event-loop thread of their own. For ours/peer one counts as connected when
 * OBSERVED_ADDRESS has arrived (it then sends nothing, never registers); for the floor when its
 * end-to-end handshake with the Connector server of the {@link RelayPair} is complete. They stay
 * open during the measurements and are closed at the end. Lines: {@code IDLE TARGET N connected C
 * failed F ms T ...} after connecting and {@code IDLE_END TARGET N still_open S closed_early E ...}
 * after closing.
 */
final class IdleConnections {
  private final RelayPair pair;

  IdleConnections(RelayPair pair) {
    this.pair = pair;
  }

  /** Client idle timeout of the idle connections: longer than any scenario. */
  static final int IDLE_CLIENT_TIMEOUT_MS = 600_000;

  private static final int IDLE_PER_SOCKET = 100;
  private static final int IDLE_IN_FLIGHT = 64;
  private static final long IDLE_CONNECT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(15);

  /** Opening stops after this many failed attempts (e.g. the target died). */
  private static final int IDLE_MAX_FAILURES = 128;

  /**
   * One idle connection. All methods run on the idle event loop (one thread); the counters are read
   * by the main thread.
   */
  final class IdleConn extends ChannelInboundHandlerAdapter {
    private final boolean needQad;
    Channel channel;
    boolean settled;
    boolean ok;

    IdleConn(boolean needQad) {
      this.needQad = needQad;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      channel = ctx.channel();
    }

    void connected() {
      if (!needQad) {
        settle(true);
      }
    }

    void settle(boolean success) {
      if (settled) {
        return;
      }
      settled = true;
      ok = success;
      if (success) {
        idleOk.incrementAndGet();
      } else {
        idleFailed.incrementAndGet();
        if (channel != null) {
          ChannelFuture unused = channel.close();
        }
      }
      idlePermits.release();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf
          && ((ByteBuf) msg).readableBytes() > 0
          && ((ByteBuf) msg).getByte(((ByteBuf) msg).readerIndex()) == 0x01) {
        settle(true);
      } else {
        idleUnexpectedReads.incrementAndGet();
      }
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (ok && !idleClosing) {
        idleClosedEarly.incrementAndGet();
      }
      super.channelInactive(ctx);
    }
  }

  private final java.util.concurrent.Semaphore idlePermits =
      new java.util.concurrent.Semaphore(IDLE_IN_FLIGHT);
  private final java.util.concurrent.atomic.AtomicInteger idleOk =
      new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger idleFailed =
      new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger idleUnexpectedReads =
      new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger idleClosedEarly =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean idleClosing;
  private final List<IdleConn> idleConns = new ArrayList<>();
  private EventLoopGroup idleGroup;

  /** True once {@link #open} ran. */
  boolean opened() {
    return idleGroup != null;
  }

  /**
   * Opens {@code n} idle connections to the target (see the class comment) and prints the {@code
   * IDLE} line.
   */
  void open(String target, int port, int connectorPort, int n, PrintStream log) throws Exception {
    boolean floor = "floor".equals(target);
    if (floor && pair.connectorServerUdp == null) {
      pair.connectorServerIdleMs = IDLE_CLIENT_TIMEOUT_MS + 60_000L;
      pair.connectorServerUdp = pair.connectorServer(connectorPort);
    }
    idleGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
    QuicSslContext ssl = RelayPair.clientSsl();
    Channel[] sockets = new Channel[(n + IDLE_PER_SOCKET - 1) / IDLE_PER_SOCKET];
    long t0 = System.nanoTime();
    int attempted = 0;
    for (int i = 0; i < n; i++) {
      idlePermits.acquire();
      if (idleFailed.get() >= IDLE_MAX_FAILURES) {
        idlePermits.release();
        log.printf(
            Locale.ROOT, "# IDLE gave up after %d failures, %d attempted%n", idleFailed.get(), i);
        break;
      }
      attempted++;
      int s = i / IDLE_PER_SOCKET;
      if (sockets[s] == null) {
        sockets[s] =
            RelayPair.udp(idleGroup, RelayPair.clientCodec(ssl, IDLE_CLIENT_TIMEOUT_MS), 0);
      }
      IdleConn c = new IdleConn(!floor);
      idleConns.add(c);
      Channel udp = sockets[s];
      udp.eventLoop()
          .execute(
              () -> {
                QuicChannel.newBootstrap(udp)
                    .handler(c)
                    .remoteAddress(to)
                    .connect()
                    .addListener(
                        f -> {
                          if (f.isSuccess()) {
                            c.connected();
                          } else {
                            c.settle(false);
                          }
                        });
                io.netty.util.concurrent.Future<?> unused =
                    udp.eventLoop()
                        .schedule(
                            () -> c.settle(false),
                            IDLE_CONNECT_TIMEOUT_NANOS,
                            TimeUnit.NANOSECONDS);
              });
    }
    idlePermits.acquire(IDLE_IN_FLIGHT); // every attempt settled
    idlePermits.release(IDLE_IN_FLIGHT);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.gc();
    Runtime rt = Runtime.getRuntime();
    log.printf(
        Locale.ROOT,
        "IDLE %s %d connected %d failed %d ms %d sockets %d load_heap_used_mb %.1f load_rss_mb %.1f"
            + " attempted %d%n",
        target,
        n,
        idleOk.get(),
        idleFailed.get(),
        ms,
        sockets.length,
        (rt.totalMemory() - rt.freeMemory()) / 1048576.0,
        selfRssKb() / 1024.0,
        attempted);
  }

  /** Closes the idle connections and prints the {@code IDLE_END} line. */
  void close(String target, PrintStream log) throws Exception {
    idleClosing = true;
    int stillOpen = 0;
    List<ChannelFuture> closing = new ArrayList<>();
    long t0 = System.nanoTime();
    for (IdleConn c : idleConns) {
      if (c.ok && c.channel != null && c.channel.isActive()) {
        stillOpen++;
        closing.add(c.channel.close());
      }
    }
    for (ChannelFuture f : closing) {
      f.await(10, TimeUnit.SECONDS);
    }
    log.printf(
        Locale.ROOT,
        "IDLE_END %s %d still_open %d closed_early %d unexpected_reads %d close_ms %d%n",
        target,
        idleConns.size(),
        stillOpen,
        idleClosedEarly.get(),
        idleUnexpectedReads.get(),
        (System.nanoTime() - t0) / 1_000_000);
  }

  /** This process's resident set size (VmRSS) in KiB, -1 if unavailable. */
  static long selfRssKb() {
    try {
      for (String line :
          java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
