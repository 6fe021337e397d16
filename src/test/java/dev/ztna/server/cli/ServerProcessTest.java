package dev.ztna.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ztna.server.certs.ServerCredentials;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as a process, with the production logback configuration (asynchronous appender): JSON
 * log lines, SIGHUP reload of a changed and of a broken config file, SIGTERM clean stop.
 */
class ServerProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
  private final List<String> lines = new CopyOnWriteArrayList<>();

  private Path config(String limits) throws Exception {
    Path f = tmp.resolve("server.toml");
    Files.writeString(
        f,
        "listen = [\"127.0.0.1:0\"]\n"
            + "cert = \""
            + tmp.resolve("cert.pem")
            + "\"\nkey = \""
            + tmp.resolve("key.pem")
            + "\"\nstats_interval_ms = 0\nidle_strategy = \"backoff\"\n"
            + "[log]\nformat = \"json\"\n"
            + "[limits]\n"
            + limits);
    return f;
  }

  private JsonNode await(String what, Predicate<String> message) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      JsonNode e = events.poll(1, TimeUnit.SECONDS);
      if (e != null && message.test(e.path("formattedMessage").asText())) {
        return e;
      }
    }
    fail("no log line " + what + " within 120 s; output:\n" + String.join("\n", lines));
    return null;
  }

  @Test
  void jsonLogsSighupReloadAndSigtermStop() throws Exception {
    ServerCredentials.generateSelfSigned("localhost", ServerCredentials.KeyType.EC_P256)
        .writePem(tmp.resolve("cert.pem"), tmp.resolve("key.pem"));
    Path config = config("max_connections = 10\n");
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
                  if (!line.isBlank()) {
                    try {
                      events.add(JSON.readTree(line));
                    } catch (java.io.IOException e) {
                      events.add(JSON.createObjectNode().put("formattedMessage", "NOT JSON"));
                    }
                  }
                }
              } catch (java.io.IOException e) {
                // the process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
    try {
      JsonNode warn = await("auth none warning", m -> m.startsWith("auth.mode = none"));
      assertEquals("WARN", warn.path("level").asText());
      await("listening", m -> m.startsWith("listening on"));

      config("max_connections = 20\n");
      ServerProcesses.signal(p, "-HUP");
      await("change", m -> m.equals("reload: limits.max_connections: 10 -> 20"));

      config("max_connections = 20\nmax_conections = 1\n");
      ServerProcesses.signal(p, "-HUP");
      JsonNode error =
          await(
              "reload failure",
              m -> m.startsWith("reload failed") && m.contains("'limits.max_conections'"));
      assertEquals("ERROR", error.path("level").asText());

      // SIGTERM: drain and exit 0. (Not Process.destroy(), which also closes our end of the pipe.)
      ServerProcesses.signal(p, "-TERM");
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "stopped after SIGTERM");
      assertEquals(0, p.exitValue(), "exit " + p.exitValue() + ":\n" + String.join("\n", lines));
      reader.join(TimeUnit.SECONDS.toMillis(60));
      assertTrue(
          lines.stream().anyMatch(l -> l.contains("final stats")),
          "queued lines are flushed at exit:\n" + String.join("\n", lines));
      for (String line : lines) {
        if (!line.isBlank()) {
          assertTrue(JSON.readTree(line).has("level"), "not a JSON log line: " + line);
        }
      }
    } finally {
      p.destroyForcibly();
    }
  }
}
