package dev.ztna.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ztna.server.logging.LogLevel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class ConfigReloaderTest {
  @TempDir Path tmp;

  private final Logger reloaderLog = (Logger) LoggerFactory.getLogger(ConfigReloader.class);
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private Level rootLevel;
  private Level reloaderLevel;

  @BeforeEach
  void capture() {
    rootLevel = root.getLevel();
    reloaderLevel = reloaderLog.getLevel();
    reloaderLog.setLevel(Level.INFO);
    logged.start();
    reloaderLog.addAppender(logged);
  }

  @AfterEach
  void restore() {
    reloaderLog.detachAppender(logged);
    reloaderLog.setLevel(reloaderLevel);
    root.setLevel(rootLevel);
  }

  private List<String> messages() {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : logged.list) {
      out.add(e.getLevel() + " " + e.getFormattedMessage());
    }
    return out;
  }

  private Path write(String toml) throws Exception {
    Path f = tmp.resolve("server.toml");
    Files.writeString(f, toml);
    return f;
  }

  private ServerSettings load(Path file, Map<Setting<?>, List<String>> flags) {
    return new ConfigLoader(file, null, flags, tmp.resolve("certs")).load();
  }

  @Test
  void reloadLogsEachChangePublishesAndAppliesTheLogLevel() throws Exception {
    Path f =
        write(
            "cid_length = 8\n[log]\nlevel = \"warn\"\n[limits]\nmax_connections = 10\n"
                + "[[service]]\nid = \"a\"\nagents = [\"spiffe://x/user/*\"]\n");
    ServerSettings initial = load(f, Map.of(Settings.MAX_HALF_OPEN, List.of("5")));
    ConfigReloader reloader = ConfigReloader.start(initial);
    BlockingQueue<ServerSettings> published = new LinkedBlockingQueue<>();
    reloader.addListener(published::add);
    try {
      write(
          "cid_length = 12\n[log]\nlevel = \"debug\"\n[limits]\nmax_connections = 20\n"
              + "max_half_open = 99\n"
              + "[[service]]\nid = \"a\"\nagents = [\"spiffe://x/admin/*\"]\n"
              + "[[service]]\nid = \"b\"\n");
      reloader.requestReload(); // what SIGHUP does: the reload thread does the work
      ServerSettings next = published.poll(60, TimeUnit.SECONDS);
      assertTrue(next != null, "published");
      assertSame(next, reloader.current());
      assertEquals(20, next.limits.maxConnections);
      assertEquals(5, next.limits.maxHalfOpen, "the flag still overrides the file");
      assertEquals(8, next.server.cidLength, "not reloadable: the running value stays");
      assertEquals(LogLevel.DEBUG, next.logLevel);
      assertEquals(Level.DEBUG, root.getLevel(), "the reloader applied the level");
      assertEquals(2, next.services.size());
      List<String> m = messages();
      assertTrue(m.contains("INFO reload: limits.max_connections: 10 -> 20"), m.toString());
      assertTrue(m.contains("INFO reload: log.level: \"warn\" -> \"debug\""), m.toString());
      assertTrue(
          m.contains("WARN reload: cid_length changed but takes effect only after a restart"),
          m.toString());
      assertTrue(
          m.stream().anyMatch(s -> s.startsWith("INFO reload: service 'a': ")), m.toString());
      assertTrue(
          m.stream().anyMatch(s -> s.startsWith("INFO reload: service 'b' added")), m.toString());
      assertFalse(m.stream().anyMatch(s -> s.contains("max_half_open")), m.toString());
      assertEquals(1, reloader.reloads());
    } finally {
      reloader.close();
    }
  }

  @Test
  void aBadFileKeepsTheRunningConfiguration() throws Exception {
    Path f = write("[limits]\nmax_connections = 10\n");
    ServerSettings initial = load(f, Map.of());
    ConfigReloader reloader = ConfigReloader.start(initial);
    List<ServerSettings> published = new ArrayList<>();
    reloader.addListener(published::add);
    try {
      write("[limits]\nmax_connections = 20\nmax_conections = 3\n");
      assertFalse(reloader.reloadNow());
      assertSame(initial, reloader.current());
      assertTrue(published.isEmpty());
      assertEquals(1, reloader.failures());
      List<String> m = messages();
      assertTrue(
          m.stream()
              .anyMatch(
                  s ->
                      s.startsWith("ERROR reload failed, keeping the running configuration")
                          && s.contains("unknown key 'limits.max_conections'")),
          m.toString());
      write("[limits]\nmax_connections = -4\n");
      assertFalse(reloader.reloadNow());
      write("[limits]\nmax_connections = 10\n");
      assertTrue(reloader.reloadNow());
      assertTrue(
          messages().contains("INFO reload: configuration unchanged"), messages().toString());
      assertEquals(1, published.size());
    } finally {
      reloader.close();
    }
  }
}
