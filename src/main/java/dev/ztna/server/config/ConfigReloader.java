package dev.ztna.server.config;

import dev.ztna.server.logging.Logging;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the configuration on SIGHUP ({@code systemctl reload}): a thread of its own (never the
 * loop thread) re-reads the {@code --config} and {@code --policy} files through the same {@link
 * ConfigLoader} (flags still override), validates them, logs every changed key, applies the log
 * level and format, and publishes the new immutable {@link ServerSettings} to the registered
 * listeners (policy, limits). A file that does not validate is logged as an error and the running
 * configuration stays. Keys that are not {@linkplain Setting#reloadable reloadable} keep their
 * running value (logged as needing a restart), so {@link #current()} is always what is in force.
 * SIGTERM and SIGINT are untouched (the launcher's drain).
 */
public final class ConfigReloader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

  private final Semaphore requests = new Semaphore(0);
  private final List<Consumer<ServerSettings>> listeners = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile ServerSettings current;
  private volatile boolean closed;
  private volatile long reloads;
  private volatile long failures;

  private ConfigReloader(ServerSettings initial) {
    this.current = initial;
    this.thread = new Thread(this::run, "ztna-config-reload");
    thread.setDaemon(true);
  }

  /** A reloader for {@code initial} with its thread started, not yet bound to a signal. */
  public static ConfigReloader start(ServerSettings initial) {
    ConfigReloader r = new ConfigReloader(initial);
    r.thread.start();
    return r;
  }

  /**
   * Starts a reloader and makes SIGHUP request a reload; logs a warning when the signal cannot be
   * handled on this JVM.
   */
  public static ConfigReloader onSighup(ServerSettings initial) {
    ConfigReloader r = start(initial);
    if (!Signals.handle("HUP", r::requestReload)) {
      LOG.warn("cannot handle SIGHUP on this JVM; configuration reload is unavailable");
    }
    return r;
  }

  /** Registers a hook called (on the reload thread) with every newly published configuration. */
  public void addListener(Consumer<ServerSettings> listener) {
    listeners.add(listener);
  }

  /** The configuration in force. */
  public ServerSettings current() {
    return current;
  }

  /** Successful reloads so far. */
  public long reloads() {
    return reloads;
  }

  /** Reloads rejected because the files did not validate. */
  public long failures() {
    return failures;
  }

  /** Asks the reload thread to reload (what SIGHUP does); returns at once. */
  public void requestReload() {
    requests.release();
  }

  private void run() {
    while (!closed) {
      try {
        requests.acquire();
      } catch (InterruptedException e) {
        return;
      }
      requests.drainPermits(); // several SIGHUPs in a row: one reload reads the latest files
      if (!closed) {
        reloadNow();
      }
    }
  }

  /**
   * Reloads in the calling thread: re-reads, validates, logs the changes and publishes. Returns
   * whether the new configuration was accepted.
   */
  public synchronized boolean reloadNow() {
    ServerSettings old = current;
    ServerSettings next;
    try {
      next = old.source.load();
    } catch (ConfigException e) {
      failures++;
      LOG.error("reload failed, keeping the running configuration: {}", e.getMessage());
      return false;
    } catch (RuntimeException e) {
      failures++;
      LOG.error("reload failed, keeping the running configuration", e);
      return false;
    }
    for (Setting<?> s : Settings.ALL) {
      if (!s.reloadable && !java.util.Objects.equals(old.values.get(s), next.values.get(s))) {
        LOG.warn("reload: {} changed but takes effect only after a restart", s.key);
        next = next.keeping(s, old);
      }
    }
    List<String> changes = old.changesTo(next);
    if (changes.isEmpty()) {
      LOG.info("reload: configuration unchanged");
    }
    for (String change : changes) {
      LOG.info("reload: {}", change);
    }
    Logging.apply(next.logLevel, next.logFormat);
    current = next;
    reloads++;
    for (Consumer<ServerSettings> l : listeners) {
      try {
        l.accept(next);
      } catch (RuntimeException e) {
        LOG.error("reload listener {} failed", l, e);
      }
    }
    return true;
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
