package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ztna.server.interop.FaultProxy;
import dev.ztna.server.trace.QlogWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 tools: with {@code --qlog-dir} and {@code --keylog-file} set, a relayed flow between two
 * real quiche clients (the Agent behind a lossy proxy) leaves one valid JSON-SEQ qlog file per
 * connection and four key log lines per connection.
 */
class TraceFilesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void relayedFlowLeavesValidQlogAndKeyLog(@TempDir Path dir) throws Exception {
    Path qlogDir = dir.resolve("qlog");
    Path keys = dir.resolve("keys.log");
    long seed = 1212L;
    System.out.println("TraceFilesTest seed " + seed);
    try (E2e.Relay relay = new E2e.Relay(b -> b.qlogDir(qlogDir).keyLogFile(keys));
        FaultProxy proxy = new FaultProxy(relay.address(), seed)) {
      try (QuichePeer connector = QuichePeer.connect("connector", relay.address());
          QuichePeer agent = QuichePeer.connect("agent", proxy.clientFacingAddress())) {
        E2e.registerConnector(relay, connector, "svc-trace");
        E2e.registerAgent(relay, agent, "svc-trace");
        int a = E2e.ipv4(10, 0, 0, 1);
        int c = E2e.ipv4(10, 0, 0, 2);
        E2e.pingPong(agent, connector, E2e.ipv4Packet(a, c, 0, 200, seed));
        E2e.pingPong(connector, agent, E2e.ipv4Packet(c, a, 1, 200, seed));
        // Losses towards the Agent, so the trace shows recovery:packet_lost.
        proxy.serverToClient().loss(0.3);
        for (int i = 2; i < 16; i++) {
          E2e.pingPong(connector, agent, E2e.ipv4Packet(c, a, i, 900, seed + i));
        }
        proxy.serverToClient().clear();
      }
      relay.awaitAllFreed();
      QlogWriter qlog = relay.server.qlogWriter();
      E2e.await(() -> qlog.filesWritten() == 2, () -> "qlog files closed: " + qlog.filesWritten());
      assertEquals(0, qlog.dropped());
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(qlogDir)) {
      files = s.sorted().toList();
    }
    assertEquals(2, files.size(), files.toString());
    boolean sawLoss = false;
    for (Path f : files) {
      sawLoss |= validate(f);
    }
    assertTrue(sawLoss, "some trace has recovery:packet_lost");
    List<String> lines = Files.readAllLines(keys, StandardCharsets.US_ASCII);
    assertEquals(8, lines.size(), lines.toString());
    for (String l : lines) {
      assertTrue(
          l.matches(
              "(CLIENT|SERVER)_(HANDSHAKE_TRAFFIC_SECRET|TRAFFIC_SECRET_0) [0-9a-f]{64}"
                  + " [0-9a-f]{64}([0-9a-f]{32})?"),
          l);
    }
  }

  /** Checks one trace; returns whether it has a packet_lost event. */
  private static boolean validate(Path file) throws Exception {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    assertTrue(text.startsWith("\u001e"), file + ": JSON-SEQ records start with 0x1E");
    List<JsonNode> records = new ArrayList<>();
    for (String r : text.substring(1).split("\u001e", -1)) {
      assertTrue(r.endsWith("\n"), "record ends with a newline");
      records.add(JSON.readTree(r)); // throws if a record is not JSON
    }
    JsonNode header = records.get(0);
    assertEquals("0.3", header.path("qlog_version").asText());
    assertEquals("JSON-SEQ", header.path("qlog_format").asText());
    assertEquals("server", header.path("trace").path("vantage_point").path("type").asText());
    assertFalse(header.path("trace").path("common_fields").path("ODCID").asText().isEmpty());
    Set<String> names = new HashSet<>();
    Map<String, Long> lastSentPn = new HashMap<>();
    double lastTime = -1;
    for (int i = 1; i < records.size(); i++) {
      JsonNode e = records.get(i);
      String name = e.path("name").asText();
      names.add(name);
      assertTrue(e.path("time").isNumber(), "time of " + e);
      double t = e.path("time").asDouble();
      assertTrue(t >= lastTime, "time non-decreasing at " + e);
      lastTime = t;
      assertTrue(e.path("data").isObject(), "data of " + e);
      if (name.equals("quic:packet_sent") || name.equals("quic:packet_received")) {
        JsonNode h = e.path("data").path("header");
        String type = h.path("packet_type").asText();
        assertTrue(Set.of("initial", "handshake", "1RTT").contains(type), e.toString());
        assertTrue(h.path("packet_number").isIntegralNumber(), e.toString());
        JsonNode frames = e.path("data").path("frames");
        assertTrue(frames.isArray() && frames.size() > 0, e.toString());
        for (JsonNode fr : frames) {
          assertFalse(fr.path("frame_type").asText().isEmpty(), e.toString());
        }
        if (name.equals("quic:packet_sent")) {
          long pn = h.path("packet_number").asLong();
          Long last = lastSentPn.put(type, pn);
          assertTrue(last == null || pn > last, "packet numbers increase in " + type + ": " + e);
        }
      } else if (name.equals("recovery:metrics_updated")) {
        JsonNode d = e.path("data");
        for (String k :
            new String[] {"congestion_window", "bytes_in_flight", "smoothed_rtt", "latest_rtt"}) {
          assertTrue(d.path(k).isNumber(), k + " in " + e);
        }
      }
      if (i == records.size() - 1) {
        assertEquals("quic:connection_closed", name, "last event of " + file);
      } else {
        assertFalse(name.equals("quic:connection_closed"), "connection_closed only last");
      }
    }
    for (String required :
        new String[] {
          "quic:packet_sent",
          "quic:packet_received",
          "recovery:metrics_updated",
          "recovery:congestion_state_updated",
          "security:key_updated",
          "quic:connection_closed"
        }) {
      assertTrue(names.contains(required), required + " in " + file + ": " + names);
    }
    return names.contains("recovery:packet_lost");
  }
}
