package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials.KeyType;
import dev.ztna.server.trace.KeyLogWriter;
import dev.ztna.server.trace.QlogWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link QuicConnectionAllocationTest}'s steady state with qlog on for the connection (every
 * packet, metrics and key event copied into the qlog ring, frames parsed) and the key log on:
 * nothing is allocated on the measuring (loop) thread. A class of its own so that its second {@link
 * QlogSink} type reaches the JIT before, not during, the other class's measurement.
 */
class QlogAllocationTest {
  @Test
  void steadyStateWithQlogAndKeyLogAllocatesNothing(@TempDir Path dir) throws Exception {
    QuicConnectionAllocationTest m = new QuicConnectionAllocationTest();
    try (QlogWriter qlog = QlogWriter.open(dir.resolve("qlog"), 1.0, new Random(102));
        KeyLogWriter keys = KeyLogWriter.open(dir.resolve("keys.log"))) {
      ConnectionConfig cfg =
          Harness.config(Harness.credentials(KeyType.EC_P256)).qlog(qlog).keyLog(keys).build();
      Harness h = QuicConnectionTest.established(102, cfg);
      h.countOnly = true;
      assertEquals(1, qlog.connections());
      UnsafeBuffer payload = new UnsafeBuffer(new byte[200]);
      byte[] clientDatagram = new byte[150];
      m.exchange(h, payload, clientDatagram, 20_000); // warm-up (JIT)
      long best = Long.MAX_VALUE;
      for (int attempt = 0; attempt < 3 && best != 0; attempt++) {
        m.serverBytes = 0;
        m.exchange(h, payload, clientDatagram, 12_000);
        best = Math.min(best, m.serverBytes);
        System.out.println(
            "server allocation with qlog over 12000 packets each way: " + m.serverBytes + " B");
      }
      assertTrue(h.conn.isEstablished());
      assertEquals(0, best);
      keys.close();
      assertEquals(4, keys.written());
    }
    try (Stream<Path> files = Files.list(dir.resolve("qlog"))) {
      Path trace = files.findFirst().orElseThrow();
      assertTrue(Files.readString(trace).contains("\"name\":\"quic:packet_received\""));
    }
  }
}
