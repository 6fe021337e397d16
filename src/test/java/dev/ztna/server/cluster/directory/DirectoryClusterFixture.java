package dev.ztna.server.cluster.directory;

import static org.junit.jupiter.api.Assertions.fail;

import io.aeron.cluster.service.Cluster;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * Three directory cluster members in this process on loopback UDP (temporary directories, backoff
 * idle strategies: nothing spins), one media driver for the nodes' clients, and the clients. Closes
 * everything it started.
 */
final class DirectoryClusterFixture implements AutoCloseable {
  static final long SESSION_TIMEOUT_MS = 2_000;
  static final long DEADLINE_MS = 60_000;

  private static final Supplier<IdleStrategy> IDLE =
      () -> new BackoffIdleStrategy(10, 20, 10_000, 1_000_000);

  final Path dir;
  final List<String> members;
  final ClusterMember[] cluster = new ClusterMember[3];
  final MediaDriver clientDriver;
  final List<AeronClusterServiceDirectory> clients = new ArrayList<>();

  DirectoryClusterFixture(Path dir, long seed) {
    this.dir = dir;
    this.members = freeMembers(new Random(seed), 3);
    System.out.println("directory cluster members " + members + " (seed " + seed + ")");
    MediaDriver driver = null;
    try {
      for (int i = 0; i < 3; i++) {
        cluster[i] = ClusterMember.launch(memberConfig(i));
      }
      driver =
          MediaDriver.launchEmbedded(
              new MediaDriver.Context()
                  .aeronDirectoryName(dir.resolve("client-driver").toString())
                  .threadingMode(ThreadingMode.SHARED)
                  .sharedIdleStrategy(IDLE.get())
                  .termBufferSparseFile(true)
                  .publicationTermBufferLength(1 << 20)
                  .ipcTermBufferLength(1 << 20)
                  .dirDeleteOnStart(true)
                  .dirDeleteOnShutdown(true));
    } catch (RuntimeException ex) {
      CloseHelper.quietCloseAll(cluster);
      throw ex;
    }
    this.clientDriver = driver;
  }

  ClusterMember.Config memberConfig(int i) {
    return new ClusterMember.Config()
        .memberId(i)
        .members(members)
        .dir(dir.resolve("member-" + i))
        .sessionTimeout(SESSION_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .leaderHeartbeatTimeout(2, TimeUnit.SECONDS)
        .idle(IDLE);
  }

  /** A client for node {@code node}, polled by {@link #await}. */
  AeronClusterServiceDirectory client(int node) {
    return client(node, 4096);
  }

  /** A client with a queue of {@code queueCapacity} unacknowledged announcements. */
  AeronClusterServiceDirectory client(int node, int queueCapacity) {
    AeronClusterServiceDirectory c =
        new AeronClusterServiceDirectory(
            new AeronClusterServiceDirectory.Config()
                .node(node)
                .aeronDirectoryName(clientDriver.aeronDirectoryName())
                .ingressEndpoints(ClusterMember.ingressEndpoints(members))
                .egressChannel("aeron:udp?endpoint=localhost:0")
                .queueCapacity(queueCapacity)
                .heartbeatInterval(200, TimeUnit.MILLISECONDS)
                .livenessTimeout(8, TimeUnit.SECONDS),
            new DirectoryCounters());
    clients.add(c);
    return c;
  }

  /** Polls {@code polled} until {@code condition} holds; fails after a generous deadline. */
  static void await(
      String what, BooleanSupplier condition, List<AeronClusterServiceDirectory> polled) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out waiting for: " + what);
      }
      int work = 0;
      for (AeronClusterServiceDirectory c : polled) {
        work += c.poll();
      }
      if (work == 0) {
        LockSupport.parkNanos(200_000);
      }
    }
  }

  void await(String what, BooleanSupplier condition) {
    await(what, condition, clients);
  }

  /** The leader's index, once there is one. */
  int leader() {
    int[] leader = {-1};
    await(
        "a leader",
        () -> {
          for (int i = 0; i < 3; i++) {
            if (cluster[i] != null && cluster[i].role() == Cluster.Role.LEADER) {
              leader[0] = i;
              return true;
            }
          }
          return false;
        });
    return leader[0];
  }

  @Override
  public void close() {
    CloseHelper.quietCloseAll(clients);
    CloseHelper.quietCloseAll(cluster);
    CloseHelper.quietClose(clientDriver);
  }

  static List<String> freeMembers(Random random, int count) {
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = 10_000 + random.nextInt(2_000) * 10; // below the ephemeral range (32768..)
      if (free(base, count * 10)) {
        List<String> members = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          members.add("localhost:" + (base + i * 10));
        }
        return members;
      }
    }
    throw new IllegalStateException("no free UDP port range");
  }

  private static boolean free(int base, int n) {
    for (int p = base; p < base + n; p++) {
      try (DatagramSocket s =
          new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), p))) {
        s.getLocalPort();
      } catch (IOException ex) {
        return false;
      } catch (RuntimeException ex) {
        throw new UncheckedIOException(new IOException(ex));
      }
    }
    return true;
  }
}
