package dev.ztna.server.cluster.fabric;

import dev.ztna.server.cluster.LocalServiceDirectory;
import dev.ztna.server.interop.ServerFixture;
import dev.ztna.server.loop.LoopMetrics;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ServerCounters;
import dev.ztna.server.loop.ZtnaServer;
import dev.ztna.server.relay.RelayApplication;
import dev.ztna.server.relay.RelayCounters;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Several relay nodes in one JVM (tests): each a {@link ZtnaServer} on 127.0.0.1:0 running a {@link
 * RelayApplication} with its own {@link Fabric} (embedded media driver in its own directory under
 * the test's temp dir, back-off idle, 64 KiB terms, UDP on 127.0.0.1) and its view of one shared
 * {@link LocalServiceDirectory.Log}. {@link #close()} stops the servers first (their loops poll the
 * fabrics), then the fabrics (deleting the driver directories) and the directories.
 */
public final class FabricNodes implements AutoCloseable {
  /** One node. */
  public static final class Node {
    public final int id;
    public final RelayApplication relay;
    public final FabricCounters fabricCounters;
    public final LoopMetrics metrics = new LoopMetrics();
    Fabric fabric;
    LocalServiceDirectory directory;
    ZtnaServer server;

    Node(int id) {
      this.id = id;
      this.relay = new RelayApplication(new RelayCounters());
      this.fabricCounters = new FabricCounters();
    }

    public ZtnaServer server() {
      return server;
    }

    public Fabric fabric() {
      return fabric;
    }

    public InetSocketAddress address() {
      return server.localAddresses().get(0);
    }

    public long relay(RelayCounters.Counter c) {
      return relay.counters().get(c);
    }

    public long fabric(FabricCounters.Counter c) {
      return fabricCounters.get(c);
    }

    @Override
    public String toString() {
      return "node " + id + ": relay " + relay.counters() + "; fabric " + fabricCounters;
    }
  }

  private final List<Node> nodes = new ArrayList<>();

  private FabricNodes() {}

  /** Starts {@code count} nodes; driver directories under {@code dir}. */
  public static FabricNodes start(int count, Path dir) throws Exception {
    return start(count, dir, b -> b);
  }

  /** As {@link #start(int, Path)}, with {@code tweak} applied to every server's configuration. */
  public static FabricNodes start(int count, Path dir, UnaryOperator<ServerConfig.Builder> tweak)
      throws Exception {
    FabricNodes out = new FabricNodes();
    try {
      List<InetSocketAddress> endpoints = FabricTest.endpoints(count);
      LocalServiceDirectory.Log log = new LocalServiceDirectory.Log(count);
      for (int i = 0; i < count; i++) {
        Node node = new Node(i);
        out.nodes.add(node);
        node.fabric =
            Fabric.start(
                FabricConfig.builder(i, endpoints)
                    .aeronDir(dir.resolve("aeron-node-" + i))
                    .termLength(FabricConfig.MIN_TERM_LENGTH)
                    .build(),
                node.fabricCounters);
        node.directory = log.node(i);
        node.relay.withFabric(node.fabric, node.directory);
        node.server =
            ServerFixture.start(
                node.relay,
                new ServerCounters(),
                node.metrics,
                b -> tweak.apply(b).idleKind(ServerConfig.IdleKind.BACKOFF));
      }
      out.awaitConnected();
      return out;
    } catch (Exception | Error e) {
      out.close();
      throw e;
    }
  }

  /** Waits (30 s at most) until every node's publications are connected to every peer. */
  public void awaitConnected() throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    for (Node n : nodes) {
      while (!n.fabric.isConnectedToAllPeers()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("fabric not connected: " + n);
        }
        Thread.sleep(5);
      }
    }
  }

  public Node node(int i) {
    return nodes.get(i);
  }

  @Override
  public String toString() {
    return nodes.toString();
  }

  @Override
  public void close() {
    for (Node n : nodes) {
      if (n.server != null) {
        n.server.close();
      }
    }
    for (Node n : nodes) {
      if (n.fabric != null) {
        n.fabric.close();
      }
      if (n.directory != null) {
        n.directory.close();
      }
    }
  }
}
