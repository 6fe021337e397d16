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
    clock.update(1_763_000_000_000L);
    countersFile =
        CountersFile.create(java.nio.file.Files.createTempFile("ztna-harness-", ".counters"));
    counters = new ServerCounters(countersFile.manager());
    endpoint = UdpEndpoint.open(new InetSocketAddress("127.0.0.1", 0));
    ServerConfig config =
        ServerConfig.builder()
            .listen(List.of(endpoint.localAddress()))
            .retryMode(retry)
            .idleKind(ServerConfig.IdleKind.BACKOFF)
            .build();
    byte[] secret = new byte[32];
    SecureRandom random = new SecureRandom();
    random.nextBytes(secret);
    connectionConfig = ZtnaServer.connectionConfig(config, TestCredentials.ec(), random);
    agent =
        new ServerAgent(
            config,
            List.of(endpoint),
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

  static DatagramChannel openClient() throws IOException {
    DatagramChannel ch = DatagramChannel.open();
    ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
    ch.bind(new InetSocketAddress("127.0.0.1", 0));
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
