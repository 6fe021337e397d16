package dev.ztna.server.cli;

import dev.ztna.server.admin.AdminServer;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.status.CountersManager;

/**
 * What the command line runs: the relay, its counters in the counters file next to the loop's, and
 * the admin endpoint when {@link ServerConfig#adminListen} is set.
 */
final class RelayHosting implements ServerLauncher.Hosting {
  private final ServerSettings settings;
  private final ServerConfig config;
  private final ConfigReloader reloader;
  private RelayCounters relayCounters;

  /**
   * @param reloader null, or the SIGHUP reloader: a new configuration publishes its policy to the
   *     relay and its limits to the loop (the reloader logs what changed; a file that does not
   *     validate keeps the running values)
   */
  RelayHosting(ServerSettings settings, ConfigReloader reloader) {
    this.settings = settings;
    this.config = settings.server;
    this.reloader = reloader;
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
    return relay;
  }

  @Override
  public List<? extends CounterSet<?>> extraCounters() {
    return List.of(relayCounters);
  }

  @Override
  public ServerLauncher.Sidecar started(
      ZtnaServer server, CountersFile counters, LoopMetrics metrics) throws IOException {
    if (reloader != null) {
      reloader.addListener(s -> server.updateLimits(s.limits.toLoopLimits()));
    }
    if (config.adminListen == null) {
      return () -> {};
    }
    return AdminServer.start(
        config.adminListen,
        counters.manager(),
        metrics,
        server::isReady,
        config.healthStale,
        SystemEpochClock.INSTANCE);
  }
}
