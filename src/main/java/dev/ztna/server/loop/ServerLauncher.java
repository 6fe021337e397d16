package dev.ztna.server.loop;

import dev.ztna.server.certs.ServerCredentials;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.agrona.concurrent.ShutdownSignalBarrier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a server until SIGTERM or SIGINT, then stops it cleanly. Called by the command line. */
public final class ServerLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(ServerLauncher.class);

  private ServerLauncher() {}

  /**
   * Starts the server running {@code application}, blocks until a termination signal, stops the
   * loop and closes the sockets.
   *
   * @return the process exit code: 0 after a clean stop, 1 when the sockets could not be bound
   */
  public static int run(
      ServerConfig config, ServerCredentials credentials, Application application) {
    return run(config, credentials, application, List.of());
  }

  /**
   * As {@link #run(ServerConfig, ServerCredentials, Application)}, and logs a {@code stats:} line
   * every {@link ServerConfig#statsInterval} with the server's counters followed by {@code
   * extraCounters} (see {@link StatsReporter}).
   */
  public static int run(
      ServerConfig config,
      ServerCredentials credentials,
      Application application,
      List<? extends CounterSet<?>> extraCounters) {
    return run(config, credentials, application, extraCounters, server -> {});
  }

  /**
   * As {@link #run(ServerConfig, ServerCredentials, Application, List)}, calling {@code onStarted}
   * once the server listens (e.g. to connect a configuration reload to {@link
   * ZtnaServer#updateLimits}).
   */
  public static int run(
      ServerConfig config,
      ServerCredentials credentials,
      Application application,
      List<? extends CounterSet<?>> extraCounters,
      Consumer<ZtnaServer> onStarted) {
    LOG.info("certificate: {}", credentials.describe());
    ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
    ZtnaServer server;
    try {
      server = ZtnaServer.start(config, credentials, application);
    } catch (IOException e) {
      LOG.error("cannot listen on {}: {}", config.listen, e.toString());
      return 1;
    }
    onStarted.accept(server);
    AtomicBoolean loopDied = new AtomicBoolean();
    Thread loop = server.loopThread();
    Thread watcher =
        new Thread(
            () -> {
              try {
                loop.join();
              } catch (InterruptedException e) {
                return; // the launcher is stopping normally
              }
              // The loop thread only ends on close(); ending before means an Error (e.g. out of
              // memory) killed it: exit so that a supervisor restarts the process rather than
              // leaving one that answers nothing.
              loopDied.set(true);
              barrier.signal();
            },
            "ztna-loop-watch");
    watcher.setDaemon(true);
    watcher.start();
    try (StatsReporter stats = StatsReporter.start(server, config.statsInterval, extraCounters)) {
      barrier.await();
      watcher.interrupt();
      if (loopDied.get()) {
        LOG.error("the server loop thread died (see the error above); exiting");
      } else {
        LOG.info("shutdown signal received, stopping");
      }
      server.close();
      LOG.info("final stats: {}", stats.line());
    } finally {
      server.close();
    }
    return loopDied.get() ? 1 : 0;
  }
}
