package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.TestCredentials;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatsReporterTest {
  private static Map<String, Long> parse(String line) {
    Map<String, Long> fields = new HashMap<>();
    for (String token : line.split(" ")) {
      int eq = token.indexOf('=');
      assertTrue(eq > 0, () -> "not name=value: '" + token + "' in " + line);
      fields.put(token.substring(0, eq), Long.parseLong(token.substring(eq + 1)));
    }
    return fields;
  }

  @Test
  void lineHasTheLoopAndJvmFieldsAndTheCounters() throws Exception {
    ServerConfig config =
        ServerConfig.builder()
            .listen(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
            .idleKind(ServerConfig.IdleKind.BACKOFF)
            .build();
    try (ZtnaServer server = ZtnaServer.start(config, TestCredentials.ec(), new EchoApplication());
        StatsReporter stats = StatsReporter.start(server, Duration.ZERO, List.of());
        DatagramChannel client = DatagramChannel.open()) {
      // One unparseable datagram: it must show up as a counter in the line.
      client.send(ByteBuffer.wrap(new byte[] {0x40}), server.localAddresses().get(0));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (server.counters().get(ServerCounters.Counter.DROP_MALFORMED_HEADER) == 0
          && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      Map<String, Long> fields = parse(stats.line());
      System.out.println("stats: " + stats.line());
      assertEquals(0L, fields.get("live_connections"));
      assertTrue(fields.get("loop_allocated_bytes") >= 0, "HotSpot counts thread allocation");
      assertTrue(fields.get("heap_used_bytes") > 0);
      assertTrue(fields.get("gc_count") >= 0 && fields.get("gc_time_ms") >= 0);
      assertEquals(1L, fields.get("datagrams_received"));
      assertEquals(1L, fields.get("drop_malformed_header"));
    }
  }
}
