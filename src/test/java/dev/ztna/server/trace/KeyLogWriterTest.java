package dev.ztna.server.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.tls.KeyLogSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The NSS key log format and the off-loop writer. */
class KeyLogWriterTest {
  private static byte[] bytes(int n, int start) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (start + i);
    }
    return b;
  }

  @Test
  void formatIsNssKeyLogLine() {
    byte[] random = bytes(32, 0);
    byte[] secret = bytes(32, 0xf0);
    assertEquals(
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
            + " 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
            + " f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f",
        KeyLogWriter.format(KeyLogSink.CLIENT_HANDSHAKE_TRAFFIC_SECRET, random, secret));
    assertTrue(
        KeyLogWriter.format(KeyLogSink.SERVER_TRAFFIC_SECRET_0, random, bytes(48, 1))
            .matches("SERVER_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]{96}"));
  }

  @Test
  void writerAppendsEveryLabelInOrder(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("keys.log");
    Files.writeString(file, "# existing\n");
    byte[] random = bytes(32, 7);
    try (KeyLogWriter w = KeyLogWriter.open(file)) {
      for (int label = 1; label <= 4; label++) {
        w.log(label, random, bytes(32, label));
      }
      w.log(KeyLogSink.CLIENT_TRAFFIC_SECRET_0, random, bytes(49, 0)); // too long: dropped
      w.close();
      assertEquals(4, w.written());
      assertEquals(1, w.dropped());
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
    assertEquals(5, lines.size(), lines.toString());
    assertEquals("# existing", lines.get(0));
    assertEquals(
        KeyLogWriter.format(KeyLogSink.CLIENT_HANDSHAKE_TRAFFIC_SECRET, random, bytes(32, 1)),
        lines.get(1));
    assertTrue(lines.get(2).startsWith("SERVER_HANDSHAKE_TRAFFIC_SECRET "));
    assertTrue(lines.get(3).startsWith("CLIENT_TRAFFIC_SECRET_0 "));
    assertTrue(lines.get(4).startsWith("SERVER_TRAFFIC_SECRET_0 "));
  }

  @Test
  void fullRingDropsAndCounts(@TempDir Path dir) throws Exception {
    // Writer thread not started: the ring fills up and further records are dropped and counted.
    KeyLogWriter w = KeyLogWriter.open(dir.resolve("k.log"), 1024, false);
    for (int i = 0; i < 100; i++) {
      w.log(KeyLogSink.SERVER_TRAFFIC_SECRET_0, bytes(32, i), bytes(48, i));
    }
    assertTrue(w.dropped() > 80, "dropped " + w.dropped());
    w.close();
  }
}
