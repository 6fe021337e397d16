package dev.ztna.server.loop;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.loop.ServerCounters.Counter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.SystemNanoClock;

/**
 * Drives a {@link ServerAgent} from the test thread (no agent thread): a loopback endpoint, a
 * client channel, and a controllable epoch clock.
 */
final class AgentHarness implements AutoCloseable {
  static final long DEADLINE_NS = TimeUnit.SECONDS.toNanos(20);

  final CachedEpochClock clock = new CachedEpochClock();

  /** A real memory-mapped counters file with the loop histograms on, as the launcher runs it. */
  final CountersFile countersFile;

  final ServerCounters counters;
  final LoopMetrics metrics = new LoopMetrics();
  final ServerAgent agent;
  final UdpEndpoint endpoint;
  final DatagramChannel client;
  final ByteBuffer clientTx = ByteBuffer.allocateDirect(65536);
  final ByteBuffer clientRx = ByteBuffer.allocateDirect(65536);

  final EchoApplication application = new EchoApplication();
  final dev.ztna.server.conn.ConnectionConfig connectionConfig;

  AgentHarness(ServerConfig.RetryMode retry) throws IOException {
    this(retry, null, Limits.DEFAULTS);
  }

  AgentHarness(ServerConfig.RetryMode retry, Limits limits) throws IOException {
    this(retry, null, limits);
  }

  /**
   * @param seed null: the server's randomness comes from SecureRandom as in production; otherwise
   *     every secret, CID, handshake random and unused bit follows from it (fuzz reproducibility)
   */
  AgentHarness(ServerConfig.RetryMode retry, Long seed) throws IOException {
    this(retry, seed, Limits.DEFAULTS);
  }

  AgentHarness(ServerConfig.RetryMode retry, Long seed, Limits limits) throws IOException {
    this(retry, seed, limits, TestIo.zeroAllocationMode());
  }

  /**
   * @param io the socket I/O ({@code batched} falls back to {@code nio} where it cannot run)
   */
  AgentHarness(ServerConfig.RetryMode retry, Long seed, Limits limits, ServerConfig.IoMode io)
      throws IOException {
    clock.update(1_763_000_000_000L);
    countersFile =
        CountersFile.create(java.nio.file.Files.createTempFile("ztna-harness-", ".counters"));
    counters = new ServerCounters(countersFile.manager());
    DatagramIo datagramIo =
        DatagramIos.open(io, List.of(new InetSocketAddress("127.0.0.1", 0)), counters);
    endpoint = datagramIo.endpoints().get(0);
    ServerConfig config =
        ServerConfig.builder()
            .listen(List.of(endpoint.localAddress()))
            .retryMode(retry)
            .idleKind(ServerConfig.IdleKind.BACKOFF)
            .limits(limits)
            .io(io)
            .build();
    byte[] secret = new byte[32];
    SecureRandom random = seed == null ? new SecureRandom() : seeded(seed);
    random.nextBytes(secret);
    dev.ztna.server.conn.ConnectionConfig cc =
        ZtnaServer.connectionConfig(
            config, seed == null ? TestCredentials.ec() : TestCredentials.fixedEc(), random);
    connectionConfig = seed == null ? cc : withRandom(config, cc, random);
    agent =
        new ServerAgent(
            config,
            datagramIo,
            counters,
            new RetryTokens(secret, config.tokenLifetime.toMillis()),
            connectionConfig,
            application,
            clock,
            new SystemNanoClock(),
            metrics);
    agent.onStart();
    client = openClient();
  }

  static SecureRandom seeded(long seed) {
    try {
      SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
      r.setSeed(java.nio.ByteBuffer.allocate(8).putLong(seed).array());
      return r;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The production transport profile with the seeded generator for handshakes and the loop. */
  private static dev.ztna.server.conn.ConnectionConfig withRandom(
      ServerConfig config, dev.ztna.server.conn.ConnectionConfig cc, SecureRandom random) {
    return dev.ztna.server.conn.ConnectionConfig.builder(cc.tls, cc.cids, cc.resetTokens)
        .idleTimeoutMs(config.idleTimeoutMs)
        .maxUdpPayloadSize(config.maxUdpPayloadSize)
        .maxDatagramFrameSize(config.maxDatagramFrameSize)
        .initialMaxData(config.initialMaxData)
        .initialMaxStreamData(config.initialMaxStreamData)
        .initialMaxStreamsBidi(config.initialMaxStreamsBidi)
        .initialMaxStreamsUni(config.initialMaxStreamsUni)
        .maxDatagramQueue(config.maxDatagramQueue)
        .random(random)
        .build();
  }

  static DatagramChannel openClient() throws IOException {
    return openClient("127.0.0.1");
  }

  /** A client channel bound to {@code ip} (any 127.0.0.0/8 address works on Linux loopback). */
  static DatagramChannel openClient(String ip) throws IOException {
    DatagramChannel ch = DatagramChannel.open();
    ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
    ch.bind(new InetSocketAddress(ip, 0));
    ch.configureBlocking(false);
    return ch;
  }

  dev.ztna.server.conn.StatelessResetTokens resetTokens() {
    return connectionConfig.resetTokens;
  }

  /** Sends from {@code from} and runs the agent until it has taken the datagram in. */
  void sendAndPump(DatagramChannel from, byte[] datagram) throws IOException {
    long before = counters.get(Counter.DATAGRAMS_RECEIVED);
    clientTx.clear();
    clientTx.put(datagram).flip();
    if (from.send(clientTx, endpoint.localAddress()) != datagram.length) {
      throw new IOException("client send failed");
    }
    long deadline = System.nanoTime() + DEADLINE_NS;
    while (counters.get(Counter.DATAGRAMS_RECEIVED) == before) {
      agent.doWork();
      if (System.nanoTime() > deadline) {
        throw new AssertionError("agent never received the datagram");
      }
    }
  }

  void sendAndPump(byte[] datagram) throws IOException {
    sendAndPump(client, datagram);
  }

  /** The next datagram for {@code ch}, waiting up to the deadline, or null if none came. */
  byte[] receive(DatagramChannel ch, long waitNs) throws IOException {
    long deadline = System.nanoTime() + waitNs;
    while (true) {
      clientRx.clear();
      if (ch.receive(clientRx) != null) {
        clientRx.flip();
        byte[] out = new byte[clientRx.remaining()];
        clientRx.get(out);
        return out;
      }
      if (System.nanoTime() > deadline) {
        return null;
      }
      Thread.onSpinWait();
    }
  }

  byte[] receive() throws IOException {
    return receive(client, DEADLINE_NS);
  }

  /**
   * After a datagram was pumped, checks that no reply is queued (replies are sent synchronously).
   */
  byte[] pollNoWait(DatagramChannel ch) throws IOException {
    return receive(ch, 0);
  }

  /** Parsed fields of a Retry packet (by hand, independent of the wire codecs). */
  static final class Retry {
    final int firstByte;
    final int version;
    final byte[] dcid;
    final byte[] scid;
    final byte[] token;

    Retry(byte[] p) {
      firstByte = p[0] & 0xff;
      version = ByteBuffer.wrap(p, 1, 4).getInt();
      int i = 5;
      dcid = Arrays.copyOfRange(p, i + 1, i + 1 + (p[i] & 0xff));
      i += 1 + dcid.length;
      scid = Arrays.copyOfRange(p, i + 1, i + 1 + (p[i] & 0xff));
      i += 1 + scid.length;
      token = Arrays.copyOfRange(p, i, p.length - 16);
    }
  }

  @Override
  public void close() throws IOException {
    agent.onClose();
    client.close();
    countersFile.close();
  }
}
