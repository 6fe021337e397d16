package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.cli.ServerProcesses;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10's "done when" at process level: the server started as its own JVM (the jar's main class
 * and the production logback configuration) with a configuration file that turns on the admin
 * endpoint and names the counters file; real quiche clients register and relay through it; {@code
 * /metrics} parses and its counters match the traffic, {@code /healthz} and {@code /readyz} answer
 * 200, {@code stat} from a third process prints the same counters, and SIGTERM stops it with exit 0
 * and removes the counters file.
 */
class ServerProcessEndToEndTest {
  private static final Pattern LISTENING =
      Pattern.compile("listening on \\[/?127\\.0\\.0\\.1:(\\d+)");
  private static final int N = 20;

  @TempDir Path tmp;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  @Test
  void configFileAdminEndpointStatAndCleanStop() throws Exception {
    ServerCredentials.generateSelfSigned("localhost", ServerCredentials.KeyType.EC_P256)
        .writePem(tmp.resolve("cert.pem"), tmp.resolve("key.pem"));
    int adminPort;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      adminPort = probe.getLocalPort(); // free now; the server binds it below
    }
    Path counters = tmp.resolve("server.counters");
    Path config = tmp.resolve("server.toml");
    Files.writeString(
        config,
        "listen = [\"127.0.0.1:0\"]\n"
            + "cert = \""
            + tmp.resolve("cert.pem")
            + "\"\nkey = \""
            + tmp.resolve("key.pem")
            + "\"\nidle_strategy = \"backoff\"\nstats_interval_ms = 0\n"
            + "counters_file = \""
            + counters
            + "\"\n[admin]\nlisten = \"127.0.0.1:"
            + adminPort
            + "\"\n");
    List<String> cmd = ServerProcesses.command(config);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (java.io.IOException e) {
                // the process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
    try {
      String listening = awaitLine("listening", l -> LISTENING.matcher(l).find());
      Matcher m = LISTENING.matcher(listening);
      assertTrue(m.find());
      InetSocketAddress quic = new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));
      String base = "http://127.0.0.1:" + adminPort;
      awaitMetric(base, "ztna_live_connections", 0);

      try (QuichePeer connector = QuichePeer.connect("connector", quic);
          QuichePeer agent = QuichePeer.connect("agent", quic)) {
        E2e.nextObserved(connector);
        E2e.nextObserved(agent);
        connector.send(E2e.connectorRegister("svc"));
        awaitMetric(base, "ztna_registered_connectors", 1);
        agent.send(E2e.agentRegister("svc"));
        awaitMetric(base, "ztna_registered_agents", 1);
        int a = E2e.ipv4(100, 64, 0, 1);
        int s = E2e.ipv4(172, 16, 0, 1);
        for (int i = 0; i < N; i++) {
          E2e.pingPong(agent, connector, E2e.ipv4Packet(a, s, i, 120, 7));
          E2e.pingPong(connector, agent, E2e.ipv4Packet(s, a, i, 120, 8));
        }
        Map<String, Double> metrics = scrape(base);
        double a2c = metrics.get("ztna_relayed_datagrams_total{direction=\"agent_to_connector\"}");
        double c2a = metrics.get("ztna_relayed_datagrams_total{direction=\"connector_to_agent\"}");
        assertTrue(a2c >= N && c2a >= N, "relayed " + a2c + " / " + c2a);
        assertEquals(2.0, metrics.get("ztna_handshakes_completed_total"));
        assertEquals(2.0, metrics.get("ztna_live_connections"));
        assertEquals(200, AdminEndpointTest.get(base + "/healthz", "GET").statusCode());
        assertEquals(200, AdminEndpointTest.get(base + "/readyz", "GET").statusCode());

        Map<String, Long> stat = AdminEndpointTest.parseStat(AdminEndpointTest.runStat(counters));
        assertEquals(2L, stat.get("handshakes_completed"));
        assertEquals(1L, stat.get("registered_connectors"));
        assertTrue(stat.get("relayed_agent_to_connector_datagrams") >= N, stat.toString());
      }

      ServerProcesses.signal(p, "-TERM");
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "stopped after SIGTERM");
      assertEquals(0, p.exitValue(), String.join("\n", lines));
      assertFalse(Files.exists(counters), "the counters file is removed at a clean exit");
    } finally {
      p.destroyForcibly();
    }
  }

  private Map<String, Double> scrape(String base) throws Exception {
    var r = AdminEndpointTest.get(base + "/metrics", "GET");
    assertEquals(200, r.statusCode());
    AdminEndpointTest.promtoolCheck(r.body());
    return AdminEndpointTest.parse(r.body());
  }

  private void awaitMetric(String base, String name, double value) throws Exception {
    long deadline = System.nanoTime() + E2e.DEADLINE.toNanos() * 4;
    Double last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = scrape(base).get(name);
        if (last != null && last == value) {
          return;
        }
      } catch (java.io.IOException e) {
        // the endpoint is not up yet
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    fail(name + " never reached " + value + " (last " + last + "); output:\n" + lines);
  }

  private String awaitLine(String what, Predicate<String> p) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      for (String l : lines) {
        if (p.test(l)) {
          return l;
        }
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    fail("no log line " + what + " within 120 s; output:\n" + String.join("\n", lines));
    return null;
  }
}
