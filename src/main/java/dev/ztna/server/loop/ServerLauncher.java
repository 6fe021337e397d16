package dev.ztna.server.loop;

import dev.ztna.server.certs.ServerCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agrona.concurrent.ShutdownSignalBarrier;
import org.agrona.concurrent.status.CountersManager;
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
    return run(
        config,
        credentials,
        new Hosting() {
          @Override
          public Application application(CountersManager counters) {
            return application;
          }

          @Override
          public List<? extends CounterSet<?>> extraCounters() {
            return extraCounters;
          }
        });
  }

  /** Something started next to the server (e.g. the admin endpoint), closed after it stopped. */
  public interface Sidecar extends AutoCloseable {
    @Override
    void close();
  }

  /** What the launcher hosts: the application, its counters, and what runs beside the server. */
  public interface Hosting {
    /** The application, its counters allocated in {@code counters} (the counters file's). */
    Application application(CountersManager counters);

    /** Counters appended to the {@code stats:} line (created by {@link #application}). */
    List<? extends CounterSet<?>> extraCounters();

    /**
     * Called once the server runs; what it returns is closed after the server stopped (so it keeps
     * running through the drain). {@code metrics} is null when no histograms are recorded.
     *
     * @throws IOException when it cannot start (the launcher then stops and exits with 1)
     */
    default Sidecar started(ZtnaServer server, CountersFile counters, LoopMetrics metrics)
        throws IOException {
      return () -> {};
    }
  }

  /**
   * Creates the counters file ({@link ServerConfig#countersFile}, by default {@link
   * CountersFile#defaultPath()}; deleted at exit), starts the server with {@code hosting}'s
   * application and, with {@link ServerConfig#adminListen} set, the loop histograms, blocks until a
   * termination signal, drains and stops.
   *
   * @return 0 after a clean stop, 1 when the server could not run
   */
  public static int run(ServerConfig config, ServerCredentials credentials, Hosting hosting) {
    LOG.info("certificate: {}", credentials.describe());
    ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
    Path path = config.countersFile != null ? config.countersFile : CountersFile.defaultPath();
    CountersFile countersFile;
    try {
      countersFile = CountersFile.create(path);
    } catch (IOException | RuntimeException e) {
      LOG.error("cannot create the counters file {}: {}", path, e.toString());
      return 1;
    }
    try (countersFile) {
      ServerCounters counters = new ServerCounters(countersFile.manager());
      Application application = hosting.application(countersFile.manager());
      LoopMetrics metrics = config.adminListen != null ? new LoopMetrics() : null;
      ZtnaServer server;
      try {
        server = ZtnaServer.start(config, credentials, application, counters, metrics);
      } catch (IOException e) {
        LOG.error("cannot listen on {}: {}", config.listen, e.toString());
        return 1;
      }
      LOG.info("counters in {}", path);
      Sidecar sidecar;
      try {
        sidecar = hosting.started(server, countersFile, metrics);
      } catch (IOException | RuntimeException e) {
        LOG.error("cannot start: {}", e.toString());
        server.close();
        return 1;
      }
      return runUntilSignal(config, server, barrier, sidecar, hosting.extraCounters());
    }
  }

  private static int runUntilSignal(
      ServerConfig config,
      ZtnaServer server,
      ShutdownSignalBarrier barrier,
      Sidecar sidecar,
      List<? extends CounterSet<?>> extraCounters) {
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
              if (Thread.currentThread().isInterrupted()) {
                // join() returns without throwing when the loop had already ended by the time this
                // thread first ran (a loaded machine): the launcher stopped it, it did not die.
                return;
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
    try (sidecar;
        StatsReporter stats = StatsReporter.start(server, config.statsInterval, extraCounters)) {
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
