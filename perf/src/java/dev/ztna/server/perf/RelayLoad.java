package dev.ztna.server.perf;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.interop.QuicheProfile;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.io.File;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Load generator for the relay targets: a quiche Agent and a quiche Connector (Netty QUIC codec),
 * both on one Netty event-loop thread in this process (pin the process to one core).
 *
 * <ul>
 *   <li>{@code ours} / {@code peer}: both connect to the relay at 127.0.0.1:PORT, read
 *       OBSERVED_ADDRESS, REGISTER (Connector 0x11, Agent 0x10), then Agent to relay to Connector.
 *   <li>{@code floor}: the Connector is a quiche QUIC server on 127.0.0.1:CONNECTOR_PORT, the Agent
 *       connects to the forwarder at 127.0.0.1:PORT: one end-to-end QUIC connection.
 * </ul>
 *
 * Scenarios: latency ping-pong (one datagram outstanding, paced at a fixed rate, Connector echoes;
 * HdrHistogram with coordinated-omission correction), throughput (offered rate of 1200-byte
 * datagrams one way, Agent to Connector, highest rate with at most 1% loss), soak (fixed rate for a
 * duration, for GC counting on the target).
 *
 * <p>Idle connections ({@code --idle-connections N}): before the measured pair is set up, N more
 * quiche client connections (same client settings, 600 s idle timeout) connect to the target, at
 * most 64 handshakes in flight, 100 connections per local UDP socket, on an event-loop thread of
 * their own. For ours/peer one counts as connected when OBSERVED_ADDRESS has arrived (it then sends
 * nothing, never registers); for the floor when its end-to-end handshake with the Connector server
 * in this process is complete. They stay open during the measurements and are closed at the end.
 * Lines: {@code IDLE TARGET N connected C failed F ms T ...} after connecting, {@code IDLE READY}
 * (then, with {@code --idle-wait-file PATH}, it waits until PATH exists so that a script can
 * measure the target's heap) and {@code IDLE_END TARGET N still_open S closed_early E ...}.
 *
 * <p>Usage: {@code RelayLoad TARGET PORT CONNECTOR_PORT OUT_DIR [options]}; options: {@code --runs
 * N --rate R --lat-seconds S --sizes 64,1200 --tput-seconds S --tput-start R --no-latency --no-tput
 * --no-both-ways --soak SECONDS RATE --idle-connections N --idle-wait-file PATH}.
 */
public final class RelayLoad {
  private static final String SERVICE = "perf";
  private static final int MODE_ECHO = 0;
  private static final int MODE_COUNT = 1;

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final ConnectorHandler connectorHandler = new ConnectorHandler();
  private final AgentHandler agentHandler = new AgentHandler();
  private QuicChannel agent;
  private QuicChannel connector; // null for the floor (the Connector is the server side)
  private Channel connectorServerUdp; // floor only
  private long connectorServerIdleMs = 30_000;

  /** Connector side: echo or count. Runs on the event loop. */
  @ChannelHandler.Sharable
  static final class ConnectorHandler extends ChannelInboundHandlerAdapter {
    volatile int mode = MODE_ECHO;
    volatile long received;
    volatile Channel channel; // the Connector's QUIC channel (for the floor: the server side)
    volatile byte[] first;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      ByteBuf b = (ByteBuf) msg;
      channel = ctx.channel();
      if (b.readableBytes() > 0 && b.getByte(b.readerIndex()) == 0x01) {
        b.release(); // OBSERVED_ADDRESS
        return;
      }
      received++;
      if (mode == MODE_ECHO) {
        ChannelFuture unused = ctx.writeAndFlush(b);
      } else {
        b.release();
      }
    }

    @Override
    public boolean isSharable() {
      return true;
    }
  }

  /** Agent side: records the arrival of the awaited sequence number. Runs on the event loop. */
  static final class AgentHandler extends ChannelInboundHandlerAdapter {
    volatile int awaited = -1;
    volatile long arrivedAt;
    volatile int arrived = -1;
    volatile Thread waiter;
    volatile int qadLength = -1;
    volatile long received; // every non-OBSERVED_ADDRESS datagram

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      ByteBuf b = (ByteBuf) msg;
      try {
        if (b.readableBytes() > 0 && b.getByte(b.readerIndex()) == 0x01) {
          qadLength = b.readableBytes();
          return;
        }
        received++;
        if (b.readableBytes() >= 24) {
          int seq = b.getInt(b.readerIndex() + 20);
          if (seq == awaited) {
            arrivedAt = System.nanoTime();
            arrived = seq;
            Thread w = waiter;
            if (w != null) {
              LockSupport.unpark(w);
            }
          }
        }
      } finally {
        b.release();
      }
    }
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

  /**
   * Opens {@code n} idle connections to the target (see the class comment) and prints the {@code
   * IDLE} line.
   */
  void openIdle(String target, int port, int connectorPort, int n, PrintStream log)
      throws Exception {
    boolean floor = "floor".equals(target);
    if (floor && connectorServerUdp == null) {
      connectorServerIdleMs = IDLE_CLIENT_TIMEOUT_MS + 60_000L;
      connectorServerUdp = connectorServer(connectorPort);
    }
    idleGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
    QuicSslContext ssl = clientSsl();
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
        sockets[s] = udp(idleGroup, clientCodec(ssl, IDLE_CLIENT_TIMEOUT_MS), 0);
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
  void closeIdle(String target, PrintStream log) throws Exception {
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

  private Channel clientUdp(int idleMs) throws Exception {
    return udp(group, clientCodec(clientSsl(), idleMs), 0);
  }

  private static QuicSslContext clientSsl() {
    return QuicSslContextBuilder.forClient()
        .trustManager(InsecureTrustManagerFactory.INSTANCE)
        .applicationProtocols("ztna-v1")
        .build();
  }

  private static ChannelHandler clientCodec(QuicSslContext ssl, int idleMs) {
    return QuicheProfile.apply(new QuicClientCodecBuilder(), idleMs).sslContext(ssl).build();
  }

  private static Channel udp(EventLoopGroup group, ChannelHandler codec, int port)
      throws InterruptedException {
    return new Bootstrap()
        .group(group)
        .channel(NioDatagramChannel.class)
        .option(ChannelOption.SO_RCVBUF, 4 << 20)
        .option(ChannelOption.SO_SNDBUF, 4 << 20)
        .handler(codec)
        .bind(new InetSocketAddress("127.0.0.1", port))
        .sync()
        .channel();
  }

  private Channel connectorServer(int port) throws Exception {
    ServerCredentials creds =
        ServerCredentials.generateSelfSigned("localhost", ServerCredentials.KeyType.EC_P256);
    QuicSslContext ssl =
        QuicSslContextBuilder.forServer(
                creds.privateKey(), null, creds.certificateChain().toArray(new X509Certificate[0]))
            .applicationProtocols("ztna-v1")
            .build();
    ChannelHandler codec =
        QuicheProfile.apply(new QuicServerCodecBuilder(), connectorServerIdleMs)
            .sslContext(ssl)
            .tokenHandler(QuicheProfile.NO_RETRY)
            .handler(connectorHandler)
            .streamHandler(new ChannelInboundHandlerAdapter())
            .build();
    return udp(group, codec, port);
  }

  private static QuicChannel connect(Channel udp, InetSocketAddress to, ChannelHandler h)
      throws Exception {
    return QuicChannel.newBootstrap(udp)
        .handler(h)
        .remoteAddress(to)
        .connect()
        .get(30, TimeUnit.SECONDS);
  }

  private static byte[] register(int type) {
    byte[] id = SERVICE.getBytes(StandardCharsets.UTF_8);
    byte[] m = new byte[2 + id.length];
    m[0] = (byte) type;
    m[1] = (byte) id.length;
    System.arraycopy(id, 0, m, 2, id.length);
    return m;
  }

  /** An IPv4-looking payload: 10.0.0.1 to 10.0.0.2, sequence number at offset 20. */
  private static byte[] ipPacket(int seq, int size) {
    byte[] p = new byte[size];
    p[0] = 0x45;
    p[12] = 10;
    p[15] = 1;
    p[16] = 10;
    p[19] = 2;
    setSeq(p, seq);
    return p;
  }

  private static void setSeq(byte[] p, int seq) {
    p[20] = (byte) (seq >>> 24);
    p[21] = (byte) (seq >>> 16);
    p[22] = (byte) (seq >>> 8);
    p[23] = (byte) seq;
  }

  void setUp(String target, int port, int connectorPort) throws Exception {
    InetSocketAddress relay = new InetSocketAddress("127.0.0.1", port);
    Channel agentUdp = clientUdp(60_000);
    if ("floor".equals(target)) {
      if (connectorServerUdp == null) {
        connectorServerUdp = connectorServer(connectorPort);
      }
      agent = connect(agentUdp, relay, agentHandler);
    } else {
      Channel connectorUdp = clientUdp(60_000);
      connector = connect(connectorUdp, relay, connectorHandler);
      agent = connect(agentUdp, relay, agentHandler);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (agentHandler.qadLength < 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      System.out.println("# OBSERVED_ADDRESS length at the Agent: " + agentHandler.qadLength);
      ChannelFuture unused = connector.writeAndFlush(Unpooled.wrappedBuffer(register(0x11)));
      unused = agent.writeAndFlush(Unpooled.wrappedBuffer(register(0x10)));
    }
    // Wait until the path works end to end (registration is asynchronous).
    for (int attempt = 0; ; attempt++) {
      if (roundTrip(-2 - attempt, 64, 100_000_000L) >= 0) {
        break;
      }
      if (attempt > 200) {
        throw new IllegalStateException("path never came up");
      }
    }
  }

  /** One ping-pong; returns the round-trip nanos or -1 on timeout. */
  private long roundTrip(int seq, int size, long timeoutNanos) {
    byte[] p = ipPacket(seq, size);
    return roundTrip(p, seq, timeoutNanos);
  }

  private long roundTrip(byte[] p, int seq, long timeoutNanos) {
    agentHandler.waiter = Thread.currentThread();
    agentHandler.awaited = seq;
    long sentAt = System.nanoTime();
    ChannelFuture unused = agent.writeAndFlush(Unpooled.wrappedBuffer(p));
    long deadline = sentAt + timeoutNanos;
    while (agentHandler.arrived != seq) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return -1;
      }
      LockSupport.parkNanos(left);
    }
    return agentHandler.arrivedAt - sentAt;
  }

  private static void sleepUntil(long t) {
    for (long left = t - System.nanoTime(); left > 0; left = t - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  /** Paced ping-pong for {@code seconds}; returns {lost}. */
  private long latency(Histogram h, int size, int rate, double seconds, int seqBase) {
    connectorHandler.mode = MODE_ECHO;
    long interval = 1_000_000_000L / rate;
    int n = (int) (rate * seconds);
    byte[] p = ipPacket(0, size);
    long lost = 0;
    long t0 = System.nanoTime() + 1_000_000;
    for (int i = 0; i < n; i++) {
      sleepUntil(t0 + i * interval);
      int seq = seqBase + i;
      byte[] copy = p.clone();
      setSeq(copy, seq);
      long rtt = roundTrip(copy, seq, 1_000_000_000L);
      if (rtt < 0) {
        lost++;
      } else if (h != null) {
        h.recordValueWithExpectedInterval(rtt, interval);
      }
    }
    return lost;
  }

  /**
   * When set, {@link #oneWay} also sends from the Connector to the Agent at the same rate: offered,
   * written and received then count both directions.
   */
  boolean bothWays;

  /** Offered one-way rate for {@code seconds}; returns {offered, written, received}. */
  private long[] oneWay(int rate, double seconds) throws InterruptedException {
    connectorHandler.mode = MODE_COUNT;
    Thread.sleep(50);
    long recv0 = connectorHandler.received;
    long agentRecv0 = agentHandler.received;
    Channel back = bothWays ? connectorHandler.channel : null;
    if (bothWays && back == null) {
      throw new IllegalStateException("both ways: the Connector's channel is not known yet");
    }
    final long[] backWritten = new long[1];
    long err0 = rcvbufErrors();
    final long[] written = new long[1];
    byte[] p = ipPacket(0, 1200);
    long t0 = System.nanoTime();
    long end = t0 + (long) (seconds * 1e9);
    long offered = 0;
    for (long now = t0; now < end; now = System.nanoTime()) {
      long due = (long) ((now - t0) * (double) rate / 1e9);
      int k = (int) Math.min(due - offered, 2000);
      if (k > 0) {
        offered += k;
        final int batch = k;
        agent
            .eventLoop()
            .execute(
                () -> {
                  for (int j = 0; j < batch; j++) {
                    ChannelFuture unused = agent.write(Unpooled.wrappedBuffer(p));
                  }
                  agent.flush();
                  written[0] += batch;
                });
        if (back != null) {
          back.eventLoop()
              .execute(
                  () -> {
                    for (int j = 0; j < batch; j++) {
                      ChannelFuture unused = back.write(Unpooled.wrappedBuffer(p));
                    }
                    back.flush();
                    backWritten[0] += batch;
                  });
        }
      }
      LockSupport.parkNanos(200_000);
    }
    Thread.sleep(700);
    long[] w = new long[1];
    try {
      agent.eventLoop().submit(() -> w[0] = written[0]).get(5, TimeUnit.SECONDS);
      if (back != null) {
        back.eventLoop().submit(() -> w[0] += backWritten[0]).get(5, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      w[0] = -1;
    }
    long received = connectorHandler.received - recv0;
    if (back != null) {
      received += agentHandler.received - agentRecv0;
      offered *= 2;
    }
    connectorHandler.mode = MODE_ECHO;
    Thread.sleep(200);
    return new long[] {offered, w[0], received, rcvbufErrors() - err0};
  }

  /** System-wide UDP RcvbufErrors from /proc/net/snmp (-1 if unavailable). */
  static long rcvbufErrors() {
    try {
      List<String> lines =
          java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/net/snmp"));
      String[] head = null;
      for (String line : lines) {
        if (line.startsWith("Udp:")) {
          if (head == null) {
            head = line.split(" ");
          } else {
            String[] v = line.split(" ");
            for (int i = 0; i < head.length; i++) {
              if (head[i].equals("RcvbufErrors")) {
                return Long.parseLong(v[i]);
              }
            }
          }
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  private static double loss(long[] r) {
    return r[0] == 0 ? 1 : 1.0 - (double) r[2] / r[0];
  }

  /** Highest offered rate with at most 1% loss: doubling, then bisecting. */
  /** Rate at which the relay path stopped working altogether (0 if it never did). */
  int diedAt;

  private int probeSeq = 2_000_000_000;

  /** True if a ping-pong still gets through (a few tries, 1 s each). */
  private boolean pathAlive() {
    connectorHandler.mode = MODE_ECHO;
    for (int i = 0; i < 3; i++) {
      if (roundTrip(probeSeq++, 64, 1_000_000_000L) >= 0) {
        return true;
      }
    }
    return false;
  }

  private int searchRate(int start, double seconds, PrintStream log) throws InterruptedException {
    int good = 0;
    int bad = -1;
    int rate = start;
    while (rate <= 1_600_000) {
      long[] r = oneWay(rate, seconds);
      log.printf(
          Locale.ROOT,
          "#   rate %d/s: offered %d written %d received %d loss %.2f%% (UDP RcvbufErrors +%d,"
              + " system-wide)%n",
          rate,
          r[0],
          r[1],
          r[2],
          100 * loss(r),
          r[3]);
      if (loss(r) <= 0.01) {
        good = rate;
        rate *= 2;
      } else {
        bad = rate;
        if (!pathAlive()) {
          diedAt = rate;
          log.printf(Locale.ROOT, "#   PATH DEAD after offering %d/s%n", rate);
          return good;
        }
        break;
      }
    }
    if (bad < 0) {
      return good;
    }
    for (int step = 0; step < 3; step++) {
      int mid = (good + bad) / 2;
      long[] r = oneWay(mid, seconds);
      log.printf(
          Locale.ROOT,
          "#   rate %d/s: offered %d written %d received %d loss %.2f%% (UDP RcvbufErrors +%d,"
              + " system-wide)%n",
          mid,
          r[0],
          r[1],
          r[2],
          100 * loss(r),
          r[3]);
      if (loss(r) <= 0.01) {
        good = mid;
      } else {
        bad = mid;
        if (!pathAlive()) {
          diedAt = mid;
          log.printf(Locale.ROOT, "#   PATH DEAD after offering %d/s%n", mid);
          return good;
        }
      }
    }
    return good;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable t) {
      // The Netty threads are not daemons: without this a failed set-up would hang the process.
      t.printStackTrace();
      System.out.println("LOAD FAILED " + t);
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    String target = args[0];
    int port = Integer.parseInt(args[1]);
    int connectorPort = Integer.parseInt(args[2]);
    File out = new File(args[3]);
    int runs = 3;
    int rate = 2000;
    double latSeconds = 5;
    List<Integer> sizes = new ArrayList<>(List.of(64, 1200));
    double tputSeconds = 2;
    int tputStart = 10_000;
    boolean doLatency = true;
    boolean doTput = true;
    boolean tputBoth = true;
    double soakSeconds = 0;
    int soakRate = 0;
    int runIndex = 0;
    int idleConnections = -1;
    File idleWaitFile = null;
    for (int i = 4; i < args.length; i++) {
      switch (args[i]) {
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        case "--lat-seconds" -> latSeconds = Double.parseDouble(args[++i]);
        case "--sizes" -> {
          sizes.clear();
          for (String s : args[++i].split(",")) {
            sizes.add(Integer.parseInt(s));
          }
        }
        case "--tput-seconds" -> tputSeconds = Double.parseDouble(args[++i]);
        case "--tput-start" -> tputStart = Integer.parseInt(args[++i]);
        case "--run-index" -> runIndex = Integer.parseInt(args[++i]);
        case "--no-latency" -> doLatency = false;
        case "--no-tput" -> doTput = false;
        case "--no-both-ways" -> tputBoth = false;
        case "--idle-connections" -> idleConnections = Integer.parseInt(args[++i]);
        case "--idle-wait-file" -> idleWaitFile = new File(args[++i]);
        case "--soak" -> {
          soakSeconds = Double.parseDouble(args[++i]);
          soakRate = Integer.parseInt(args[++i]);
        }
        default -> throw new IllegalArgumentException(args[i]);
      }
    }
    out.mkdirs();
    RelayLoad load = new RelayLoad();
    PrintStream log = System.out;
    if (idleConnections >= 0 || idleWaitFile != null) {
      load.openIdle(target, port, connectorPort, Math.max(0, idleConnections), log);
      log.println("IDLE READY");
      log.flush();
      if (idleWaitFile != null) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!idleWaitFile.exists() && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        log.println("# idle wait file " + (idleWaitFile.exists() ? "found" : "NOT found (120 s)"));
      }
    }
    load.setUp(target, port, connectorPort);
    log.println("# target " + target + ": path up");
    if (soakSeconds > 0) {
      long[] r = load.oneWay(soakRate, soakSeconds);
      log.printf(
          Locale.ROOT,
          "SOAK %s rate %d/s for %.0f s: offered %d written %d received %d loss %.2f%%"
              + " (UDP RcvbufErrors +%d, system-wide)%n",
          target,
          soakRate,
          soakSeconds,
          r[0],
          r[1],
          r[2],
          100 * loss(r),
          r[3]);
      System.exit(0);
    }
    // Warm-up: 1 s one way at a moderate rate, then ping-pong at the latency rate alternating the
    // two sizes (4 x 1 s each), so that the JIT has seen both measured traffic patterns. A JFR
    // recording showed that a warm-up with 1200-B ping-pong and one-way load only left the 64-B
    // path to deoptimise ("unstable_if") and recompile during the first measured run, on the core
    // the busy-spinning loop runs on (perf/RESULTS.md, "Shortfalls").
    load.oneWay(tputStart, 1);
    for (int i = 0; i < 4; i++) {
      load.latency(null, 1200, rate, 1, 1_000_000_000 + i * 10_000);
      load.latency(null, 64, rate, 1, 1_100_000_000 + i * 10_000);
    }
    if (doLatency) {
      for (int size : sizes) {
        double[][] pct = new double[5][runs];
        long lostTotal = 0;
        for (int run = 0; run < runs; run++) {
          Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
          long lost = load.latency(h, size, rate, latSeconds, run * 10_000_000);
          lostTotal += lost;
          try (PrintStream ps =
              new PrintStream(
                  new FileOutputStream(
                      new File(
                          out,
                          target + "-lat" + size + "-run" + (runIndex + run + 1) + ".hgrm")))) {
            h.outputPercentileDistribution(ps, 1000.0);
          }
          pct[0][run] = h.getValueAtPercentile(50) / 1000.0;
          pct[1][run] = h.getValueAtPercentile(90) / 1000.0;
          pct[2][run] = h.getValueAtPercentile(99) / 1000.0;
          pct[3][run] = h.getValueAtPercentile(99.9) / 1000.0;
          pct[4][run] = h.getMaxValue() / 1000.0;
          log.printf(
              Locale.ROOT,
              "#   %s lat %d B run %d: p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f us,"
                  + " n %d lost %d%n",
              target,
              size,
              run + 1,
              pct[0][run],
              pct[1][run],
              pct[2][run],
              pct[3][run],
              pct[4][run],
              h.getTotalCount(),
              lost);
        }
        log.printf(
            Locale.ROOT,
            "LAT %s %d p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f lost %d%n",
            target,
            size,
            median(pct[0]),
            median(pct[1]),
            median(pct[2]),
            median(pct[3]),
            median(pct[4]),
            lostTotal);
      }
    }
    if (doTput) {
      double[] best = new double[runs];
      for (int run = 0; run < runs && load.diedAt == 0; run++) {
        log.println("#   " + target + " throughput search run " + (run + 1));
        best[run] = load.searchRate(tputStart, tputSeconds, log);
        log.printf(Locale.ROOT, "#   %s run %d: %.0f/s%n", target, run + 1, best[run]);
      }
      log.printf(
          Locale.ROOT,
          "TPUT %s 1200 median %.0f runs %s%s%n",
          target,
          median(best),
          Arrays.toString(best),
          load.diedAt == 0 ? "" : " DIED " + load.diedAt);
      if (tputBoth && load.diedAt == 0) {
        // Both ways: the Connector sends to the Agent at the same rate; the rate reported is per
        // direction (the relay carries twice as many datagrams).
        load.bothWays = true;
        double[] both = new double[runs];
        for (int run = 0; run < runs && load.diedAt == 0; run++) {
          log.println("#   " + target + " both-ways throughput search run " + (run + 1));
          both[run] = load.searchRate(tputStart / 2, tputSeconds, log);
          log.printf(
              Locale.ROOT,
              "#   %s both-ways run %d: %.0f/s each way%n",
              target,
              run + 1,
              both[run]);
        }
        load.bothWays = false;
        log.printf(
            Locale.ROOT,
            "TPUT2 %s 1200 median %.0f runs %s%s%n",
            target,
            median(both),
            Arrays.toString(both),
            load.diedAt == 0 ? "" : " DIED " + load.diedAt);
      }
    }
    if (load.idleGroup != null) {
      load.closeIdle(target, log);
    }
    System.exit(0);
  }
}
