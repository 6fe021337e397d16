package dev.ztna.server.cli;

import dev.ztna.server.admin.AdminServer;
import dev.ztna.server.cluster.ServiceDirectory;
import dev.ztna.server.cluster.directory.DirectoryCounters;
import dev.ztna.server.cluster.directory.DirectoryHosting;
import dev.ztna.server.cluster.fabric.Fabric;
import dev.ztna.server.cluster.fabric.FabricCounters;
import dev.ztna.server.config.ConfigReloader;
import dev.ztna.server.config.ServerSettings;
import dev.ztna.server.loop.Application;
import dev.ztna.server.loop.CounterSet;
import dev.ztna.server.loop.CountersFile;
import dev.ztna.server.loop.LoopMetrics;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ServerLauncher;
import dev.ztna.server.loop.ZtnaServer;
import dev.ztna.server.relay.Registry;
import dev.ztna.server.relay.RelayApplication;
import dev.ztna.server.relay.RelayCounters;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.status.CountersManager;

/**
 * What the command line runs: the relay, its counters in the counters file next to the loop's, and
 * the admin endpoint when {@link ServerConfig#adminListen} is set; with {@code [fabric]}, the
 * node's fabric and service directory (started before the server, closed after it stopped).
 */
final class RelayHosting implements ServerLauncher.Hosting {
  private final ServerSettings settings;
  private final ServerConfig config;
  private final ConfigReloader reloader;
  private RelayCounters relayCounters;
  private FabricCounters fabricCounters;
  private Fabric fabric;
  private ServiceDirectory directory;
  private DirectoryCounters directoryCounters;
  private final DirectoryHosting directoryHosting;

  /**
   * @param reloader null, or the SIGHUP reloader: a new configuration publishes its policy to the
   *     relay and its limits to the loop (the reloader logs what changed; a file that does not
   *     validate keeps the running values)
   */
  RelayHosting(ServerSettings settings, ConfigReloader reloader) {
    this(settings, reloader, null);
  }

  /**
   * @param directoryHosting with {@code [fabric]} and {@code [cluster]}: where this node's
   *     directory client comes from (its co-located member, if any, is already running)
   */
  RelayHosting(
      ServerSettings settings, ConfigReloader reloader, DirectoryHosting directoryHosting) {
    this.settings = settings;
    this.config = settings.server;
    this.reloader = reloader;
    this.directoryHosting = directoryHosting;
  }

  @Override
  public Application application(CountersManager counters) {
    relayCounters = new RelayCounters(counters);
    RelayApplication relay =
        new RelayApplication(
            relayCounters,
            new Registry(
                relayCounters, TimeUnit.MILLISECONDS.toNanos(settings.limits.innerAddressIdleMs)),
            settings.policy);
    if (reloader != null) {
      reloader.addListener(s -> relay.publishPolicy(s.policy));
    }
    if (settings.fabric != null) {
      directoryCounters = new DirectoryCounters(counters);
      directory = directoryHosting.openDirectory(directoryCounters);
      fabricCounters = new FabricCounters(counters);
      fabric = Fabric.start(settings.fabric, fabricCounters);
      relay.withFabric(fabric, directory);
    }
    return relay;
  }

  /**
   * Why the configured several-node tables cannot run, or null: a fabric needs the replicated
   * service directory ({@code [cluster]}) under the same node id, and a directory node id without a
   * fabric would announce registrations no other node can reach.
   */
  static String fabricProblem(ServerSettings settings) {
    boolean clustered = settings.cluster.isClustered();
    if (settings.fabric == null) {
      return clustered
          ? "cluster.node_id: several nodes need the relay fabric too ([fabric] node_id and nodes)"
          : null;
    }
    if (!clustered) {
      return "fabric.node_id: several nodes need the replicated service directory ([cluster]"
          + " node_id and members)";
    }
    if (settings.cluster.nodeId != settings.fabric.nodeId) {
      return "fabric.node_id "
          + settings.fabric.nodeId
          + " differs from cluster.node_id "
          + settings.cluster.nodeId
          + ": they name the same node";
    }
    return null;
  }

  @Override
  public List<? extends CounterSet<?>> extraCounters() {
    List<CounterSet<?>> out = new ArrayList<>();
    out.add(relayCounters);
    if (fabricCounters != null) {
      out.add(fabricCounters);
    }
    if (directoryCounters != null) {
      out.add(directoryCounters);
    }
    return out;
  }

  @Override
  public ServerLauncher.Sidecar started(
      ZtnaServer server, CountersFile counters, LoopMetrics metrics) throws IOException {
    if (reloader != null) {
      reloader.addListener(s -> server.updateLimits(s.limits.toLoopLimits()));
    }
    ServerLauncher.Sidecar admin =
        config.adminListen == null ? () -> {} : startAdmin(server, counters, metrics);
    return () -> {
      admin.close();
      // After the server stopped: its loop polled these.
      if (fabric != null) {
        fabric.close();
      }
      if (directory != null) {
        directory.close();
      }
    };
  }

  private ServerLauncher.Sidecar startAdmin(
      ZtnaServer server, CountersFile counters, LoopMetrics metrics) throws IOException {
    return AdminServer.start(
        config.adminListen,
        counters.manager(),
        metrics,
        server::isReady,
        config.healthStale,
        SystemEpochClock.INSTANCE);
  }
}
