package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ztna.server.loop.EchoApplication;
import dev.ztna.server.loop.ZtnaServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import tech.kwik.core.log.BaseLogger;

/**
 * Issue 12 item 3: many Kwik handshakes through our stateless Retry, each with Kwik's own packet
 * log kept in memory; the logs of failed handshakes (and the server's key log and qlog, when {@code
 * -Dztna.kwik.loop.dir} is set) are written to that directory for analysis. Disabled by default:
 * {@code mvn test -Dtest=KwikRetryLoopTest -Dztna.kwik.loop=300}.
 */
@EnabledIfSystemProperty(named = "ztna.kwik.loop", matches = "\\d+")
class KwikRetryLoopTest {

  /** Kwik's logger into a string buffer (one per connection). */
  static final class BufferLogger extends BaseLogger {
    final StringBuilder out = new StringBuilder();

    BufferLogger() {
      logPackets(true);
      logInfo(true);
      logWarning(true);
      logDebug(true);
      logRecovery(true);
      logSecrets(true);
    }

    @Override
    protected synchronized void log(String text) {
      out.append(formatTime()).append(' ').append(text).append('\n');
    }

    @Override
    protected synchronized void log(String text, Throwable t) {
      java.io.StringWriter trace = new java.io.StringWriter();
      t.printStackTrace(new java.io.PrintWriter(trace));
      out.append(formatTime()).append(' ').append(text).append(' ').append(trace).append('\n');
    }

    @Override
    protected void logWithHexDump(String text, byte[] data, int length) {
      log(text + " (" + length + " bytes)");
    }

    @Override
    protected void logWithHexDump(String text, ByteBuffer data, int offset, int length) {
      log(text + " (" + length + " bytes)");
    }

    synchronized String text() {
      return out.toString();
    }
  }

  @Test
  void kwikHandshakesThroughRetry() throws Exception {
    int n = Integer.getInteger("ztna.kwik.loop");
    Path dir = Path.of(System.getProperty("ztna.kwik.loop.dir", "target/kwik-retry-loop"));
    Files.createDirectories(dir);
    List<String> failures = new ArrayList<>();
    try (ZtnaServer server =
        ServerFixture.start(
            new EchoApplication(),
            dev.ztna.server.certs.TestCredentials.ec(),
            b -> b.keyLogFile(dir.resolve("server-keys.log")).qlogDir(dir.resolve("qlog")))) {
      for (int i = 0; i < n; i++) {
        BufferLogger log = new BufferLogger();
        Path keys = dir.resolve("kwik-keys-" + i + ".log");
        try (KwikClient client =
            new KwikClient(server.localAddresses().get(0), Duration.ofSeconds(30))
                .logger(log)
                .secrets(keys)) {
          try {
            client.connect(Duration.ofSeconds(10));
            Files.deleteIfExists(keys);
          } catch (IOException | RuntimeException e) {
            failures.add(i + ": " + e);
            Files.writeString(
                dir.resolve("kwik-fail-" + i + ".log"),
                e + "\n" + log.text(),
                StandardCharsets.UTF_8);
          }
        }
      }
    }
    System.out.println("Kwik through Retry: " + (n - failures.size()) + "/" + n + " " + failures);
    assertEquals(List.of(), failures);
  }
}
