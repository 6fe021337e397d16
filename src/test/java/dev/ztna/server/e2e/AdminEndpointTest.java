package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ztna.server.admin.AdminServer;
import dev.ztna.server.interop.ServerFixture;
import dev.ztna.server.loop.Application;
import dev.ztna.server.loop.ClientConnection;
import dev.ztna.server.loop.CountersFile;
import dev.ztna.server.loop.LoopMetrics;
import dev.ztna.server.loop.ServerCounters;
import dev.ztna.server.loop.ZtnaServer;
import dev.ztna.server.relay.RelayApplication;
import dev.ztna.server.relay.RelayCounters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin endpoint and the counters file against real quiche clients: an Agent and a Connector
 * register and relay datagrams both ways; {@code /metrics} parses (promtool when installed, and a
 * strict line-format parser here) and its values match the traffic and the in-process counters;
 * {@code stat} in a second JVM reads the same counters from the file; {@code /readyz} turns 503 on
 * the drain while {@code /healthz} stays 200; {@code /healthz} turns 503 once the loop stops, and
 * while it is stalled.
 */
class AdminEndpointTest {
  private static final int N = 40;
  private static final Duration STALE = Duration.ofMillis(500);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @TempDir Path dir;

  @Test
  void metricsHealthReadinessAndStatAgainstRealTraffic() throws Exception {
    Path file = dir.resolve("server.counters");
    CountersFile counters = CountersFile.create(file);
    RelayCounters relayCounters = new RelayCounters(counters.manager());
    RelayApplication app = new RelayApplication(relayCounters);
    LoopMetrics metrics = new LoopMetrics();
    ZtnaServer server = ServerFixture.start(app, new ServerCounters(counters.manager()), metrics);
    try (counters;
        AdminServer admin =
            AdminServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                counters.manager(),
                metrics,
                server::isReady,
                STALE,
                SystemEpochClock.INSTANCE);
        E2e.Relay relay = new E2e.Relay(app, server);
        QuichePeer agent = QuichePeer.connect("quiche-agent", relay.address());
        QuichePeer connector = QuichePeer.connect("quiche-connector", relay.address())) {
      String base = "http://127.0.0.1:" + admin.address().getPort();
      E2e.registerConnector(relay, connector, "metrics-svc");
      E2e.registerAgent(relay, agent, "metrics-svc");
      for (int i = 0; i < N; i++) {
        byte[] up = E2e.ipv4Packet(E2e.ipv4(10, 9, 0, 2), E2e.ipv4(172, 16, 9, 1), i, 120, 7);
        E2e.pingPong(agent, connector, up);
        byte[] down = E2e.ipv4Packet(E2e.ipv4(172, 16, 9, 1), E2e.ipv4(10, 9, 0, 2), i, 90, 8);
        E2e.pingPong(connector, agent, down);
      }
      long a2c = relayCounters.get(RelayCounters.Counter.RELAYED_AGENT_TO_CONNECTOR);
      long c2a = relayCounters.get(RelayCounters.Counter.RELAYED_CONNECTOR_TO_AGENT);
      assertTrue(a2c >= N && c2a >= N, "relayed " + a2c + " / " + c2a);

      HttpResponse<String> scrape = get(base + "/metrics", "GET");
      assertEquals(200, scrape.statusCode());
      assertTrue(
          scrape.headers().firstValue("Content-Type").orElse("").contains("version=0.0.4"),
          scrape.headers().toString());
      String body = scrape.body();
      promtoolCheck(body);
      Map<String, Double> m = parse(body);
      assertEquals(
          (double) a2c, m.get("ztna_relayed_datagrams_total{direction=\"agent_to_connector\"}"));
      assertEquals(
          (double) c2a, m.get("ztna_relayed_datagrams_total{direction=\"connector_to_agent\"}"));
      assertEquals(
          (double) relayCounters.get(RelayCounters.Counter.RELAYED_AGENT_TO_CONNECTOR_BYTES),
          m.get("ztna_relayed_bytes_total{direction=\"agent_to_connector\"}"));
      assertTrue(m.get("ztna_relayed_bytes_total{direction=\"agent_to_connector\"}") >= 120.0 * N);
      assertEquals(1.0, m.get("ztna_registered_agents"));
      assertEquals(1.0, m.get("ztna_registered_connectors"));
      assertEquals(2.0, m.get("ztna_live_connections"));
      assertEquals(0.0, m.get("ztna_half_open_connections"));
      assertEquals(2.0, m.get("ztna_handshakes_completed_total"));
      assertEquals(1.0, m.get("ztna_agents_registered_total"));
      assertTrue(m.get("ztna_datagrams_received_total") >= 4.0 * N);
      // Every drop reason of both counter sets is a labelled series of one family.
      for (RelayCounters.Counter c : RelayCounters.Counter.values()) {
        if (c.label().startsWith("drop_")) {
          String key = "ztna_dropped_datagrams_total{reason=\"" + c.label().substring(5) + "\"}";
          assertEquals((double) relayCounters.get(c), m.get(key), key);
        }
      }
      for (ServerCounters.Counter c : ServerCounters.Counter.values()) {
        if (c.label().startsWith("drop_")) {
          String key = "ztna_dropped_datagrams_total{reason=\"" + c.label().substring(5) + "\"}";
          assertNotNull(m.get(key), key);
        }
      }
      // One relay-latency sample per relayed datagram; the loop records them at the end of the
      // iteration that relayed them, before that iteration's counters are visible here.
      assertEquals((double) (a2c + c2a), m.get("ztna_relay_latency_seconds_count"));
      double p99 = m.get("ztna_relay_latency_seconds{quantile=\"0.99\"}");
      assertTrue(p99 > 0 && p99 < 10, "relay latency p99 " + p99);
      assertTrue(m.get("ztna_loop_duty_cycle_seconds_count") > 0);
      assertTrue(m.get("ztna_jvm_heap_used_bytes") > 0);
      assertTrue(m.keySet().stream().anyMatch(k -> k.startsWith("ztna_jvm_gc_collections_total")));
      assertTrue(m.get("ztna_loop_heartbeat_age_seconds") < 60);

      // The same counters from a second process, through the file.
      String stat = runStat(file);
      Map<String, Long> fromStat = parseStat(stat);
      assertEquals(a2c, fromStat.get("relayed_agent_to_connector_datagrams"), stat);
      assertEquals(c2a, fromStat.get("relayed_connector_to_agent_datagrams"), stat);
      assertEquals(1L, fromStat.get("registered_agents"), stat);
      assertEquals(2L, fromStat.get("handshakes_completed"), stat);
      assertTrue(stat.contains("heartbeat"), stat);

      assertEquals(200, get(base + "/healthz", "GET").statusCode());
      assertEquals(200, get(base + "/readyz", "GET").statusCode());
      assertEquals(200, get(base + "/metrics", "HEAD").statusCode());
      assertEquals(404, get(base + "/", "GET").statusCode());
      assertEquals(404, get(base + "/metrics/x", "GET").statusCode());
      HttpResponse<String> post = get(base + "/metrics", "POST");
      assertEquals(405, post.statusCode());
      assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));

      // Drain: not ready, still alive.
      server.requestDrain();
      awaitStatus(base + "/readyz", 503);
      assertEquals(200, get(base + "/healthz", "GET").statusCode());
      // Stopped: the heartbeat goes stale.
      server.close();
      awaitStatus(base + "/healthz", 503);
      assertEquals(503, get(base + "/readyz", "GET").statusCode());
    } finally {
      server.close();
    }
    assertTrue(Files.notExists(file), "the counters file is deleted at close");
  }

  @Test
  void healthTurns503WhileTheLoopIsStalled() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch stalled = new CountDownLatch(1);
    Application stalling =
        new Application() {
          @Override
          public void onEstablished(ClientConnection connection) {
            stalled.countDown();
            try {
              release.await(60, TimeUnit.SECONDS); // the loop thread is stuck here
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }

          @Override
          public void onDatagram(
              ClientConnection connection, DirectBuffer data, int offset, int length) {}

          @Override
          public void onAddressChanged(ClientConnection connection, InetSocketAddress newPeer) {}

          @Override
          public void onClosed(
              ClientConnection connection,
              long errorCode,
              boolean application,
              boolean byPeer,
              String reason) {}
        };
    try (CountersFile counters = CountersFile.inMemory();
        ZtnaServer server =
            ServerFixture.start(stalling, new ServerCounters(counters.manager()), null);
        AdminServer admin =
            AdminServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                counters.manager(),
                null,
                server::isReady,
                STALE,
                SystemEpochClock.INSTANCE)) {
      String base = "http://127.0.0.1:" + admin.address().getPort();
      awaitStatus(base + "/healthz", 200);
      InetSocketAddress address = server.localAddresses().get(0);
      try (QuichePeer peer = QuichePeer.start("quiche-stall", address, 30_000)) {
        assertTrue(stalled.await(60, TimeUnit.SECONDS), "handshake reached the application");
        awaitStatus(base + "/healthz", 503);
        // /metrics still answers while the loop is stuck: it never waits for the loop.
        assertEquals(200, get(base + "/metrics", "GET").statusCode());
        release.countDown();
        awaitStatus(base + "/healthz", 200);
      } finally {
        release.countDown();
      }
    }
  }

  static HttpResponse<String> get(String url, String method)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static void awaitStatus(String url, int status) {
    E2e.await(
        () -> {
          try {
            return get(url, "GET").statusCode() == status;
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        },
        () -> url + " answering " + status);
  }

  /** promtool check metrics when the Debian prometheus package is installed (skipped otherwise). */
  static void promtoolCheck(String body) throws IOException, InterruptedException {
    Path promtool = Path.of("/usr/bin/promtool");
    if (!Files.isExecutable(promtool)) {
      System.out.println("promtool not installed: only the strict line-format check runs");
      return;
    }
    Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(body.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool finished");
    assertEquals(0, p.exitValue(), "promtool check metrics: " + out + err);
  }

  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern SAMPLE =
      Pattern.compile(
          "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\""
              + "(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\")*,?)?\\})?"
              + " ([-+]?(?:[0-9.]+(?:[eE][-+]?[0-9]+)?|NaN|Inf))( -?[0-9]+)?");

  /**
   * A strict parser of the 0.0.4 text format: every line is a HELP, a TYPE (counter, gauge,
   * summary, histogram, untyped; before its samples, once per family) or a sample of a declared
   * family; returns {@code name{labels}} to value.
   */
  static Map<String, Double> parse(String body) {
    Map<String, Double> samples = new HashMap<>();
    Map<String, String> types = new HashMap<>();
    assertTrue(body.endsWith("\n"), "ends with a newline");
    for (String line : body.split("\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
        String[] parts = line.split(" ", 4);
        assertTrue(parts.length >= 3 && NAME.matcher(parts[2]).matches(), line);
        if (parts[1].equals("TYPE")) {
          assertTrue(
              List.of("counter", "gauge", "summary", "histogram", "untyped").contains(parts[3]),
              line);
          assertEquals(null, types.put(parts[2], parts[3]), "one TYPE per family: " + line);
        }
        continue;
      }
      Matcher s = SAMPLE.matcher(line);
      if (!s.matches()) {
        fail("not a valid sample line: '" + line + "'");
      }
      String name = s.group(1);
      String family = name;
      if (!types.containsKey(family)) {
        family = name.replaceAll("_(sum|count|total)$", "");
      }
      assertTrue(
          types.containsKey(family) || types.containsKey(family + "_total"),
          "sample of an undeclared family: " + line);
      String key = name + (s.group(2) == null ? "" : s.group(2));
      assertEquals(null, samples.put(key, Double.parseDouble(s.group(3))), "duplicate: " + line);
    }
    return samples;
  }

  static String runStat(Path file) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "dev.ztna.server.cli.Main",
                "stat",
                "--counters-file",
                file.toString())
            .redirectErrorStream(true)
            .start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "stat finished");
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  /** {@code label -> value} from the stat table ({@code id type value label}). */
  static Map<String, Long> parseStat(String out) {
    Map<String, Long> values = new HashMap<>();
    for (String line : out.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 4 && f[0].matches("[0-9]+") && f[2].matches("-?[0-9]+")) {
        values.put(f[3], Long.parseLong(f[2]));
      }
    }
    return values;
  }
}
