package dev.ztna.server.cli;

import dev.ztna.server.admin.AdminServer;
import dev.ztna.server.loop.Application;
import dev.ztna.server.loop.CounterSet;
import dev.ztna.server.loop.CountersFile;
import dev.ztna.server.loop.LoopMetrics;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ServerLauncher;
import dev.ztna.server.loop.ZtnaServer;
import dev.ztna.server.relay.RelayApplication;
import dev.ztna.server.relay.RelayCounters;
import java.io.IOException;
import java.util.List;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.status.CountersManager;

/**
 * What the command line runs: the relay, its counters in the counters file next to the loop's, and
 * the admin endpoint when {@link ServerConfig#adminListen} is set.
 */
final class RelayHosting implements ServerLauncher.Hosting {
  private final ServerConfig config;
  private RelayCounters relayCounters;

  RelayHosting(ServerConfig config) {
    this.config = config;
  }

  @Override
  public Application application(CountersManager counters) {
    relayCounters = new RelayCounters(counters);
    return new RelayApplication(relayCounters);
  }

  @Override
  public List<? extends CounterSet<?>> extraCounters() {
    return List.of(relayCounters);
  }

  @Override
  public ServerLauncher.Sidecar started(
      ZtnaServer server, CountersFile counters, LoopMetrics metrics) throws IOException {
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
