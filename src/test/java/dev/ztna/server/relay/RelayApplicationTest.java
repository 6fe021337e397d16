package dev.ztna.server.relay;

import static dev.ztna.server.relay.Packets.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.relay.RelayCounters.Counter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RelayApplicationTest {
  private RelayCounters counters;
  private RelayApplication app;
  private final Map<Counter, Long> before = new EnumMap<>(Counter.class);

  @BeforeEach
  void setUp() {
    counters = new RelayCounters();
    app = new RelayApplication(counters);
  }

  private void deliver(FakeConnection from, byte[] datagram) {
    // Framed at an offset inside a larger buffer, as the connection layer hands it over.
    byte[] framed = new byte[datagram.length + 9];
    System.arraycopy(datagram, 0, framed, 5, datagram.length);
    app.onDatagram(from, new UnsafeBuffer(framed), 5, datagram.length);
  }

  private FakeConnection registered(int type, String service) {
    FakeConnection c = new FakeConnection();
    app.onEstablished(c);
    c.drain(); // the OBSERVED_ADDRESS
    deliver(c, Packets.register(type, service));
    assertTrue(Registry.registrationOf(c) != null, "registered");
    return c;
  }

  private FakeConnection agent(String service) {
    return registered(RegisterMessage.TYPE_AGENT, service);
  }

  private FakeConnection connector(String service) {
    return registered(RegisterMessage.TYPE_CONNECTOR, service);
  }

  private void snapshot() {
    for (Counter c : Counter.values()) {
      before.put(c, counters.get(c));
    }
  }

  /**
   * Asserts that exactly {@code expected} changed by one since {@link #snapshot()} (address
   * learning, a side effect of any Agent packet, aside).
   */
  private void assertOnly(Counter expected) {
    for (Counter c : Counter.values()) {
      if (c == Counter.AGENT_ADDRESSES_LEARNED) {
        continue;
      }
      long delta = counters.get(c) - before.get(c);
      assertEquals(c == expected ? 1 : 0, delta, c.label());
    }
  }

  private static void assertReceived(FakeConnection c, byte[]... expected) {
    List<byte[]> got = c.drain();
    assertEquals(expected.length, got.size(), "datagrams received by " + c);
    for (int i = 0; i < expected.length; i++) {
      assertArrayEquals(expected[i], got.get(i));
    }
  }

  private static byte[] randomBytes(Random random, int first, int length) {
    byte[] b = new byte[length];
    random.nextBytes(b);
    b[0] = (byte) first;
    return b;
  }

  @Test
  void agentToConnectorAndBackUnchanged() {
    FakeConnection connector = connector("web");
    FakeConnection agent = agent("web");
    Random random = new Random(7);
    byte[] up = randomBytes(random, 0x45, 1200);
    byte[] down = randomBytes(random, 0x45, 1);
    byte[] odd = randomBytes(random, 0x00, 33); // not IP: relayed all the same
    deliver(agent, up);
    deliver(connector, down);
    deliver(connector, odd);
    deliver(agent, odd);
    assertReceived(connector, up, odd);
    assertReceived(agent, down, odd);
    assertEquals(2, counters.get(Counter.RELAYED_AGENT_TO_CONNECTOR));
    assertEquals(1233, counters.get(Counter.RELAYED_AGENT_TO_CONNECTOR_BYTES));
    assertEquals(2, counters.get(Counter.RELAYED_CONNECTOR_TO_AGENT));
    assertEquals(34, counters.get(Counter.RELAYED_CONNECTOR_TO_AGENT_BYTES));
    Registration a = Registry.registrationOf(agent);
    assertEquals(2, a.datagramsFrom());
    assertEquals(1233, a.bytesFrom());
    assertEquals(2, a.datagramsTo());
    assertEquals(34, a.bytesTo());
  }

  @Test
  void twoServicesNeverLeak() {
    FakeConnection webConnector = connector("web");
    FakeConnection dbConnector = connector("db");
    FakeConnection webAgent = agent("web");
    FakeConnection dbAgent = agent("db");
    byte[] toWeb = Packets.ipv4(ip(10, 0, 0, 1), ip(10, 9, 0, 1), 10);
    byte[] toDb = Packets.ipv4(ip(10, 0, 0, 1), ip(10, 9, 0, 2), 20);
    byte[] fromWeb = Packets.ipv4(ip(10, 9, 0, 1), ip(10, 0, 0, 1), 30);
    byte[] fromDb = Packets.ipv4(ip(10, 9, 0, 2), ip(10, 0, 0, 1), 40);
    deliver(webAgent, toWeb);
    deliver(dbAgent, toDb);
    deliver(webConnector, fromWeb);
    deliver(dbConnector, fromDb);
    assertReceived(webConnector, toWeb);
    assertReceived(dbConnector, toDb);
    assertReceived(webAgent, fromWeb);
    assertReceived(dbAgent, fromDb);
  }

  @Test
  void threeAgentsGetOnlyTheirRepliesIpv4AndIpv6() {
    FakeConnection connector = connector("web");
    FakeConnection a1 = agent("web");
    FakeConnection a2 = agent("web");
    FakeConnection a3 = agent("web");
    int server = ip(10, 1, 0, 1);
    long ula = 0xfd00_0000_0000_0000L;
    byte[] up1 = Packets.ipv4(ip(100, 64, 0, 1), server, 5);
    byte[] up2 = Packets.ipv4(ip(100, 64, 0, 2), server, 5);
    byte[] up3 = Packets.ipv6(ula, 3, ula, 1, 5);
    byte[] up2v6 = Packets.ipv6(ula, 2, ula, 1, 5);
    deliver(a1, up1);
    deliver(a2, up2);
    deliver(a3, up3);
    deliver(a2, up2v6);
    assertReceived(connector, up1, up2, up3, up2v6);
    byte[] to1 = Packets.ipv4(server, ip(100, 64, 0, 1), 50);
    byte[] to2 = Packets.ipv4(server, ip(100, 64, 0, 2), 60);
    byte[] to3 = Packets.ipv6(ula, 1, ula, 3, 70);
    byte[] to2v6 = Packets.ipv6(ula, 1, ula, 2, 80);
    byte[] toNobody = Packets.ipv4(server, ip(100, 64, 0, 4), 90);
    deliver(connector, to3);
    deliver(connector, to1);
    deliver(connector, to2v6);
    deliver(connector, to2);
    snapshot();
    deliver(connector, toNobody);
    assertOnly(Counter.DROP_NO_AGENT_FOR_ADDRESS);
    assertReceived(a1, to1);
    assertReceived(a2, to2v6, to2);
    assertReceived(a3, to3);
    // When two of them leave, the last one gets everything, learned or not.
    app.onClosed(a1, 0, true, true, "bye");
    app.onClosed(a3, 0, false, true, "idle");
    deliver(connector, toNobody);
    deliver(connector, to1);
    assertReceived(a2, toNobody, to1);
  }

  @Test
  void newerConnectorReplacesTheOlder() {
    FakeConnection old = connector("web");
    FakeConnection agent = agent("web");
    FakeConnection newer = connector("web");
    assertEquals(RelayApplication.ERROR_REPLACED, old.closeCode);
    assertEquals("replaced by a newer connector", old.closeReason);
    byte[] up = Packets.ipv4(1, 2, 3);
    deliver(agent, up);
    assertReceived(newer, up);
    assertReceived(old);
    // The replaced one's late datagrams go nowhere; its end leaves the newer one in place.
    snapshot();
    deliver(old, Packets.ipv4(2, 1, 0));
    assertOnly(Counter.DROP_SENDER_CLOSING);
    old.closing = false; // a connection layer that reports closing only later
    snapshot();
    deliver(old, Packets.ipv4(2, 1, 0));
    assertOnly(Counter.DROP_SENDER_REPLACED);
    assertReceived(agent);
    app.onClosed(old, RelayApplication.ERROR_REPLACED, true, false, "replaced");
    assertSame(newer, app.registry().lookupConnector("web"));
    byte[] down = Packets.ipv4(2, 1, 4);
    deliver(newer, down);
    assertReceived(agent, down);
  }

  @Test
  void replacementWhenTheCloseIsReportedAtOnce() {
    FakeConnection old = new FakeConnection();
    old.closeListener = app;
    deliver(old, Packets.register(RegisterMessage.TYPE_CONNECTOR, "web"));
    FakeConnection newer = connector("web");
    assertNull(old.attachment());
    assertSame(newer, app.registry().lookupConnector("web"));
    assertEquals(1, counters.get(Counter.REGISTRATIONS_ENDED));
  }

  @Test
  void aClosingConnectionCannotRegisterNorReplace() {
    FakeConnection live = connector("web");
    FakeConnection c = new FakeConnection();
    // Two DATAGRAM frames in one packet: a malformed REGISTER (closes), then a valid one.
    deliver(c, new byte[] {0x11, 9, 'w', 'e', 'b'});
    assertEquals(RelayApplication.ERROR_MALFORMED_REGISTER, c.closeCode);
    snapshot();
    deliver(c, Packets.register(RegisterMessage.TYPE_CONNECTOR, "web"));
    assertOnly(Counter.DROP_SENDER_CLOSING);
    assertNull(c.attachment());
    assertSame(live, app.registry().lookupConnector("web"));
    assertEquals(-1, live.closeCode);
  }

  @Test
  void ipPacketsBeforeRegistrationAreDroppedThenRegisterStillWorks() {
    FakeConnection connector = connector("web");
    FakeConnection c = new FakeConnection();
    snapshot();
    deliver(c, Packets.ipv4(1, 2, 0));
    assertOnly(Counter.DROP_UNREGISTERED);
    deliver(c, Packets.register(RegisterMessage.TYPE_AGENT, "web"));
    byte[] up = Packets.ipv4(1, 2, 0);
    deliver(c, up);
    assertReceived(connector, up);
    assertEquals(-1, c.closeCode);
  }

  @Test
  void malformedRegistersCloseWith0x101() {
    byte[][] malformed = {
      {0x10},
      {0x10, 0},
      {0x11, 0, 'a'},
      {0x10, 3, 'a', 'b'},
      {0x11, 1, 'a', 'b'},
      {0x10, 2, (byte) 0xc0, (byte) 0xaf},
      {0x11, 3, (byte) 0xed, (byte) 0xa0, (byte) 0x80},
    };
    for (byte[] m : malformed) {
      FakeConnection c = new FakeConnection();
      snapshot();
      deliver(c, m);
      assertOnly(Counter.REGISTER_MALFORMED);
      assertEquals(RelayApplication.ERROR_MALFORMED_REGISTER, c.closeCode);
      assertTrue(c.closeReason.contains("REGISTER"), c.closeReason);
      assertNull(c.attachment());
    }
    assertTrue(app.registry().isEmpty());
  }

  @Test
  void everyDropReasonIsCounted() {
    FakeConnection agent = agent("web");
    byte[] packet = Packets.ipv4(ip(10, 0, 0, 1), ip(10, 0, 0, 2), 100);

    snapshot();
    deliver(agent, packet);
    assertOnly(Counter.DROP_NO_CONNECTOR);

    FakeConnection connector = connector("web");
    FakeConnection lonely = connector("empty");
    snapshot();
    deliver(lonely, packet);
    assertOnly(Counter.DROP_NO_AGENT);

    snapshot();
    deliver(agent, new byte[] {0x01, 1, 2, 3, 4, 0, 1});
    assertOnly(Counter.DROP_QAD_FROM_CLIENT);
    snapshot();
    deliver(connector, new byte[] {0x02});
    assertOnly(Counter.DROP_QAD_FROM_CLIENT);

    snapshot();
    deliver(agent, Packets.register(RegisterMessage.TYPE_CONNECTOR, "other"));
    assertOnly(Counter.DROP_DUPLICATE_REGISTER);
    snapshot();
    deliver(connector, new byte[] {0x10, 0}); // malformed, but a duplicate: ignored, not closed
    assertOnly(Counter.DROP_DUPLICATE_REGISTER);
    assertEquals(-1, connector.closeCode);
    assertSame(connector, app.registry().lookupConnector("web"));

    snapshot();
    deliver(agent, new byte[0]);
    assertOnly(Counter.DROP_EMPTY);

    connector.maxDatagramPayload = packet.length - 1;
    snapshot();
    deliver(agent, packet);
    assertOnly(Counter.DROP_TOO_BIG);
    connector.maxDatagramPayload = packet.length;
    snapshot();
    deliver(agent, packet);
    assertEquals(
        1,
        counters.get(Counter.RELAYED_AGENT_TO_CONNECTOR)
            - before.get(Counter.RELAYED_AGENT_TO_CONNECTOR));

    connector.sendResult = -2;
    snapshot();
    deliver(agent, packet);
    assertOnly(Counter.DROP_SEND_REJECTED);
    connector.sendResult = 0;

    agent.maxDatagramPayload = 0; // e.g. the Agent's peer does not support DATAGRAM
    snapshot();
    deliver(connector, packet);
    assertOnly(Counter.DROP_TOO_BIG);
    agent.maxDatagramPayload = 1200;

    connector.closing = true;
    snapshot();
    deliver(agent, packet);
    assertOnly(Counter.DROP_DESTINATION_CLOSING);

    FakeConnection stranger = new FakeConnection();
    snapshot();
    deliver(stranger, packet);
    assertOnly(Counter.DROP_UNREGISTERED);
    assertTrue(counters.toString().contains("drop_unregistered_sender=1"), counters.toString());
  }

  @Test
  void countersPrintOnlyNonZeroWithStableLabels() {
    assertEquals("", counters.toString());
    counters.increment(Counter.DROP_TOO_BIG);
    counters.add(Counter.RELAYED_AGENT_TO_CONNECTOR_BYTES, 1500);
    assertEquals(
        "relayed_agent_to_connector_bytes=1500 drop_too_big_for_destination=1",
        counters.toString());
    java.util.Set<String> labels = new java.util.HashSet<>();
    for (Counter c : Counter.values()) {
      assertTrue(c.label().matches("[a-z0-9_]+"), c.label());
      assertTrue(labels.add(c.label()), "unique " + c.label());
    }
  }

  @Test
  void endOfAConnectorLeavesTheServiceWithoutOne() {
    FakeConnection connector = connector("web");
    FakeConnection agent = agent("web");
    app.onClosed(connector, 0, false, false, "idle timeout");
    snapshot();
    deliver(agent, Packets.ipv4(1, 2, 0));
    assertOnly(Counter.DROP_NO_CONNECTOR);
    FakeConnection again = connector("web");
    byte[] up = Packets.ipv4(1, 2, 0);
    deliver(agent, up);
    assertReceived(again, up);
  }

  @Test
  void thousandConnectDisconnectCyclesLeaveTheRegistryEmpty() {
    app.onClosed(new FakeConnection(), 0, false, false, "never registered");
    for (int i = 0; i < 1000; i++) {
      String service = "svc-" + (i % 5);
      FakeConnection connector = connector(service);
      FakeConnection replacement = i % 3 == 0 ? connector(service) : null;
      FakeConnection a1 = agent(service);
      FakeConnection a2 = agent(service);
      deliver(a1, Packets.ipv4(ip(10, 0, 0, 1), 1, 0));
      deliver(a2, Packets.ipv6(1, 2, 3, 4, 0));
      if (replacement != null) {
        app.onClosed(replacement, 0, false, true, "");
      }
      app.onClosed(a2, 0, true, true, "bye");
      app.onClosed(connector, 0, false, false, null);
      app.onClosed(a1, 0, true, true, "bye");
      assertTrue(app.registry().isEmpty(), "cycle " + i);
    }
    assertEquals(
        counters.get(Counter.AGENTS_REGISTERED) + counters.get(Counter.CONNECTORS_REGISTERED),
        counters.get(Counter.REGISTRATIONS_ENDED));
  }
}
