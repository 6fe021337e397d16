package dev.ztna.server.perf;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.testsupport.QuicheProfile;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.InsecureQuicTokenHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Handshake rate: quiche clients (Netty QUIC codec, the same client settings as {@link RelayPair}:
 * ALPN ztna-v1, DATAGRAM on, any certificate trusted) that complete full handshakes against the
 * target, following a Retry when the server sends one, with C handshakes in flight at all times.
 * Each connection is closed (application error 0) as soon as it is established, and the slot starts
 * its next handshake once that close has completed, so at most C client connections exist at once.
 *
 * <p>Sockets: one UDP socket (Netty datagram channel) per slot, reused for all of that slot's
 * handshakes. For the floor (a forwarder that remembers only the last client address) all slots
 * share ONE socket, and the server is a quiche server with Retry in this process (like {@link
 * RelayPair}'s floor Connector) behind {@link FloorForwarder}; it runs on its own event-loop thread
 * but on the load process's core, so the floor's number includes the server's work on the load
 * core.
 *
 * <p>Timing: a warm-up (not counted), then a measurement window of S seconds; a handshake counts in
 * the window if it completed (or failed) inside it. Latency = from {@code connect()} to the
 * established channel (including the Retry round trip), in an HdrHistogram, microseconds. A
 * handshake that does not complete within the client's idle timeout (5 s) is a failure.
 *
 * <p>Usage: {@code HandshakeLoad TARGET PORT CONNECTOR_PORT [--seconds S] [--warmup S]
 * [--concurrency C] [--run-index N]}. Prints one line {@code HS target c C ok N fail F rate R p50
 * .. p90 .. p99 .. max .. open_after A} (latency in microseconds).
 */
public final class HandshakeLoad {
  private static final long CLIENT_IDLE_MS = 5_000;

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final InetSocketAddress target;
  private final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(30), 3);
  // The fields below are touched only on the event-loop thread (every slot's channel is on it).
  private long windowStart = Long.MAX_VALUE;
  private long windowEnd = Long.MAX_VALUE;
  private long ok;
  private long failed;
  private long okTotal;
  private long failedTotal;
  private int open;
  private int inFlight;
  private boolean stopping;
  private String firstFailure;

  private HandshakeLoad(InetSocketAddress target) {
    this.target = target;
  }

  /** Discards whatever arrives on a connection (OBSERVED_ADDRESS, stream data). */
  @ChannelHandler.Sharable
  private static final class Discard extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public boolean isSharable() {
      return true;
    }
  }

  private static final Discard DISCARD = new Discard();

  private Channel clientUdp() throws Exception {
    QuicSslContext ssl =
        QuicSslContextBuilder.forClient()
            .trustManager(InsecureTrustManagerFactory.INSTANCE)
            .applicationProtocols("ztna-v1")
            .build();
    ChannelHandler codec =
        QuicheProfile.apply(new QuicClientCodecBuilder(), CLIENT_IDLE_MS).sslContext(ssl).build();
    return udp(group, codec, 0);
  }

  private static Channel udp(EventLoopGroup g, ChannelHandler codec, int port)
      throws InterruptedException {
    return new Bootstrap()
        .group(g)
        .channel(NioDatagramChannel.class)
        .option(ChannelOption.SO_RCVBUF, 4 << 20)
        .option(ChannelOption.SO_SNDBUF, 4 << 20)
        .handler(codec)
        .bind(new InetSocketAddress("127.0.0.1", port))
        .sync()
        .channel();
  }

  /**
   * The floor's server: quiche with Retry (Netty's {@code InsecureQuicTokenHandler}, as the peer's
   * {@code --retry}) and an ECDSA P-256 certificate, on its own event-loop thread.
   */
  private static Channel floorServer(EventLoopGroup g, int port) throws Exception {
    ServerCredentials creds =
        ServerCredentials.generateSelfSigned("localhost", ServerCredentials.KeyType.EC_P256);
    QuicSslContext ssl =
        QuicSslContextBuilder.forServer(
                creds.privateKey(), null, creds.certificateChain().toArray(new X509Certificate[0]))
            .applicationProtocols("ztna-v1")
            .build();
    ChannelHandler codec =
        QuicheProfile.apply(new QuicServerCodecBuilder(), 30_000)
            .sslContext(ssl)
            .tokenHandler(InsecureQuicTokenHandler.INSTANCE)
            .handler(DISCARD)
            .streamHandler(new ChannelInboundHandlerAdapter())
            .build();
    return udp(g, codec, port);
  }

  /** Starts one handshake on {@code udp}; on completion closes it and starts the next. */
  private void start(Channel udp) {
    if (stopping) {
      return;
    }
    inFlight++;
    long t0 = System.nanoTime();
    Future<QuicChannel> f =
        QuicChannel.newBootstrap(udp)
            .handler(DISCARD)
            .streamHandler(DISCARD)
            .remoteAddress(target)
            .connect();
    f.addListener(
        unused -> {
          long t1 = System.nanoTime();
          inFlight--;
          boolean counted = t1 >= windowStart && t1 < windowEnd;
          if (f.isSuccess()) {
            okTotal++;
            if (counted) {
              ok++;
              latency.recordValue(Math.min(t1 - t0, latency.getHighestTrackableValue()));
            }
            QuicChannel ch = f.getNow();
            open++;
            ch.closeFuture().addListener(c -> open--);
            ch.close(true, 0, Unpooled.EMPTY_BUFFER).addListener(c -> start(udp));
          } else {
            failedTotal++;
            if (counted) {
              failed++;
            }
            if (firstFailure == null) {
              firstFailure = String.valueOf(f.cause());
            }
            start(udp);
          }
        });
  }

  private <T> T onLoop(java.util.concurrent.Callable<T> c) throws Exception {
    return group.next().submit(c).get(10, TimeUnit.SECONDS);
  }

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable t) {
      // The event-loop threads are not daemons: without this a failed start-up would hang.
      t.printStackTrace();
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    String targetName = args[0];
    int port = Integer.parseInt(args[1]);
    int connectorPort = Integer.parseInt(args[2]);
    double seconds = 5;
    double warmup = 1;
    int concurrency = 1;
    int runIndex = 0;
    for (int i = 3; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--warmup" -> warmup = Double.parseDouble(args[++i]);
        case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
        case "--run-index" -> runIndex = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException(args[i]);
      }
    }
    boolean floor = "floor".equals(targetName);
    EventLoopGroup serverGroup = null;
    if (floor) {
      serverGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
      floorServer(serverGroup, connectorPort);
    }
    HandshakeLoad load = new HandshakeLoad(new InetSocketAddress("127.0.0.1", port));
    List<Channel> sockets = new ArrayList<>();
    int nSockets = floor ? 1 : concurrency;
    for (int i = 0; i < nSockets; i++) {
      sockets.add(load.clientUdp());
    }
    long now = System.nanoTime();
    long ws = now + (long) (warmup * 1e9);
    long we = ws + (long) (seconds * 1e9);
    final int c = concurrency;
    load.onLoop(
        () -> {
          load.windowStart = ws;
          load.windowEnd = we;
          for (int i = 0; i < c; i++) {
            load.start(sockets.get(i % sockets.size()));
          }
          return null;
        });
    Thread.sleep(Math.max(0, (we - System.nanoTime()) / 1_000_000));
    load.onLoop(
        () -> {
          load.stopping = true;
          return null;
        });
    // Let the handshakes still in flight finish (or time out) and the closes complete.
    long drainDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLIENT_IDLE_MS + 2000);
    int[] state = {1, 1};
    while (System.nanoTime() < drainDeadline) {
      state = load.onLoop(() -> new int[] {load.inFlight, load.open});
      if (state[0] == 0 && state[1] == 0) {
        break;
      }
      Thread.sleep(20);
    }
    long[] r = load.onLoop(() -> new long[] {load.ok, load.failed, load.okTotal, load.failedTotal});
    Histogram h = load.latency;
    System.out.printf(
        Locale.ROOT,
        "HS %s c %d run %d ok %d fail %d secs %.1f rate %.1f p50 %.0f p90 %.0f p99 %.0f max %.0f"
            + " total_ok %d total_fail %d open_after %d inflight_after %d%n",
        targetName,
        concurrency,
        runIndex,
        r[0],
        r[1],
        seconds,
        r[0] / seconds,
        h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(90) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0,
        h.getMaxValue() / 1000.0,
        r[2],
        r[3],
        state[1],
        state[0]);
    if (load.firstFailure != null) {
      System.out.println("# first failure: " + load.firstFailure);
    }
    for (Channel s : sockets) {
      s.close().sync();
    }
    load.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    if (serverGroup != null) {
      serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
    System.exit(0);
  }
}
