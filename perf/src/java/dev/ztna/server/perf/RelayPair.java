package dev.ztna.server.perf;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.testsupport.QuicheProfile;
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
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The measured pair of the relay scenarios: a quiche Agent and a quiche Connector (Netty QUIC
 * codec), both on one Netty event-loop thread in this process (pin the process to one core).
 *
 * <ul>
 *   <li>{@code ours} / {@code peer}: both connect to the relay at 127.0.0.1:PORT, read
 *       OBSERVED_ADDRESS, REGISTER (Connector 0x11, Agent 0x10), then Agent to relay to Connector.
 *   <li>{@code floor}: the Connector is a quiche QUIC server on 127.0.0.1:CONNECTOR_PORT, the Agent
 *       connects to the forwarder at 127.0.0.1:PORT: one end-to-end QUIC connection.
 * </ul>
 *
 * What the scenarios do with it: {@link #latency} (one datagram outstanding, paced at a fixed rate,
 * the Connector echoes), {@link #oneWay} (an offered rate of 1200-byte datagrams, Agent to
 * Connector, and with {@link #bothWays} also back), {@link #searchRate} (the highest rate with at
 * most 1% loss). {@link LatencyLoad}, {@link ThroughputLoad}, {@link SoakLoad} and {@link IdleLoad}
 * are the scenarios' entry points.
 */
final class RelayPair implements AutoCloseable {
  private static final String SERVICE = "perf";
  static final int MODE_ECHO = 0;
  static final int MODE_COUNT = 1;

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final ConnectorHandler connectorHandler = new ConnectorHandler();
  private final AgentHandler agentHandler = new AgentHandler();
  private QuicChannel agent;
  private QuicChannel connector; // null for the floor (the Connector is the server side)
  Channel connectorServerUdp; // floor only
  long connectorServerIdleMs = 30_000;

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

  private Channel clientUdp(int idleMs) throws Exception {
    return udp(group, clientCodec(clientSsl(), idleMs), 0);
  }

  static QuicSslContext clientSsl() {
    return QuicSslContextBuilder.forClient()
        .trustManager(InsecureTrustManagerFactory.INSTANCE)
        .applicationProtocols("ztna-v1")
        .build();
  }

  static ChannelHandler clientCodec(QuicSslContext ssl, int idleMs) {
    return QuicheProfile.apply(new QuicClientCodecBuilder(), idleMs).sslContext(ssl).build();
  }

  static Channel udp(EventLoopGroup group, ChannelHandler codec, int port)
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

  Channel connectorServer(int port) throws Exception {
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
  long latency(Histogram h, int size, int rate, double seconds, int seqBase) {
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
  long[] oneWay(int rate, double seconds) throws InterruptedException {
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

  static double loss(long[] r) {
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

  int searchRate(int start, double seconds, PrintStream log) throws InterruptedException {
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

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  /** Sets the pair up against the target of {@code f}, then runs {@link #warmUp}. */
  void start(LoadFlags f, int oneWayRate, int rate) throws Exception {
    setUp(f.target, f.port, f.connectorPort);
    System.out.println("# target " + f.target + ": path up");
    warmUp(oneWayRate, rate);
  }

  /**
   * The warm-up every scenario runs on a new pair: 1 s one way at {@code oneWayRate}, then
   * ping-pong at {@code rate} alternating the two sizes (4 x 1 s each), so that the JIT has seen
   * both measured traffic patterns. A JFR recording showed that a warm-up with 1200-B ping-pong and
   * one-way load only left the 64-B path to deoptimise ("unstable_if") and recompile during the
   * first measured run, on the core the busy-spinning loop runs on (perf/RESULTS.md, "Shortfalls").
   */
  void warmUp(int oneWayRate, int rate) throws InterruptedException {
    oneWay(oneWayRate, 1);
    for (int i = 0; i < 4; i++) {
      latency(null, 1200, rate, 1, 1_000_000_000 + i * 10_000);
      latency(null, 64, rate, 1, 1_100_000_000 + i * 10_000);
    }
  }

  /**
   * Closes the pair's connections (so that the relay unregisters them before the next scenario's
   * pair registers) and the event loop.
   */
  @Override
  public void close() {
    for (Channel c : new Channel[] {agent, connector}) {
      if (c != null) {
        c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
      }
    }
    if (connectorServerUdp != null) {
      connectorServerUdp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
