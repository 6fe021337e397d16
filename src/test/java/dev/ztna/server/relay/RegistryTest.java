package dev.ztna.server.relay;

import static dev.ztna.server.relay.Packets.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.relay.RelayCounters.Counter;
import java.nio.charset.StandardCharsets;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryTest {
  private final RelayCounters counters = new RelayCounters();

  /** Each test runs with the real hash and with every id colliding (exercising the chains). */
  private Registry registry(long mask) {
    return new Registry(counters, 0x5eed, mask);
  }

  private static final long IDLE = 300_000_000_000L; // the default 5 min, in ns

  private static boolean learn(Registry r, FakeConnection agent, byte[] packet) {
    return learn(r, agent, packet, 0);
  }

  private static boolean learn(Registry r, FakeConnection agent, byte[] packet, long now) {
    return r.learn(Registry.registrationOf(agent), new UnsafeBuffer(packet), 0, packet.length, now);
  }

  private static FakeConnection paired(Registry r, FakeConnection connector, byte[] packet) {
    return (FakeConnection)
        r.lookupPairedAgent(connector, new UnsafeBuffer(packet), 0, packet.length);
  }

  @ParameterizedTest
  @ValueSource(longs = {-1L, 0L})
  void registerAndLookUp(long mask) {
    Registry r = registry(mask);
    FakeConnection connector = new FakeConnection();
    FakeConnection agent = new FakeConnection();
    FakeConnection other = new FakeConnection();
    assertNull(r.lookupConnector("web"));
    Registration c = r.register(connector, Role.CONNECTOR, "web");
    Registration a = r.register(agent, Role.AGENT, "web");
    r.register(other, Role.CONNECTOR, "db");
    assertSame(c, Registry.registrationOf(connector));
    assertSame(a, Registry.registrationOf(agent));
    assertEquals(Role.CONNECTOR, c.role());
    assertEquals("web", a.serviceId());
    assertSame(connector, r.lookupConnector("web"));
    assertSame(other, r.lookupConnector("db"));
    assertNull(r.lookupConnector("we"));
    assertNull(r.lookupConnector("webb"));
    byte[] framed = "xxwebyy".getBytes(StandardCharsets.US_ASCII);
    assertSame(connector, r.lookupConnector(new UnsafeBuffer(framed), 2, 3));
    assertEquals(2, r.serviceCount());
    assertEquals(1, r.agentCount("web"));
    assertEquals(0, r.agentCount("db"));
    // A single Agent is the pair of any packet, IP or not.
    assertSame(agent, paired(r, connector, new byte[] {0x00}));
    assertSame(agent, paired(r, connector, Packets.ipv4(1, 2, 0)));
    // Only registered Connectors have pairs.
    assertNull(paired(r, agent, Packets.ipv4(1, 2, 0)));
    assertNull(paired(r, new FakeConnection(), Packets.ipv4(1, 2, 0)));
    assertNull(paired(r, other, Packets.ipv4(1, 2, 0)));
    assertEquals(2, counters.get(Counter.CONNECTORS_REGISTERED));
    assertEquals(1, counters.get(Counter.AGENTS_REGISTERED));
  }

  @ParameterizedTest
  @ValueSource(longs = {-1L, 0L})
  void unregisterEndsEverything(long mask) {
    Registry r = registry(mask);
    FakeConnection connector = new FakeConnection();
    FakeConnection agent = new FakeConnection();
    FakeConnection db = new FakeConnection();
    r.register(connector, Role.CONNECTOR, "web");
    r.register(agent, Role.AGENT, "web");
    r.register(db, Role.CONNECTOR, "db");
    Registration c = r.unregister(connector);
    assertTrue(c.ended());
    assertNull(connector.attachment());
    assertNull(r.lookupConnector("web"));
    assertSame(db, r.lookupConnector("db"));
    assertEquals(2, r.serviceCount());
    assertNull(r.unregister(connector));
    r.unregister(agent);
    assertEquals(1, r.serviceCount());
    r.unregister(db);
    assertTrue(r.isEmpty());
    assertNull(r.unregister(new FakeConnection()));
    assertEquals(3, counters.get(Counter.REGISTRATIONS_ENDED));
  }

  @ParameterizedTest
  @ValueSource(longs = {-1L, 0L})
  void chainsSurviveRemovalInAnyOrder(long mask) {
    Registry r = registry(mask);
    FakeConnection[] cs = new FakeConnection[5];
    for (int i = 0; i < cs.length; i++) {
      cs[i] = new FakeConnection();
      r.register(cs[i], Role.CONNECTOR, "svc" + i);
    }
    for (int i : new int[] {2, 0, 4}) {
      r.unregister(cs[i]);
      assertNull(r.lookupConnector("svc" + i));
    }
    assertSame(cs[1], r.lookupConnector("svc1"));
    assertSame(cs[3], r.lookupConnector("svc3"));
    r.unregister(cs[3]);
    r.unregister(cs[1]);
    assertTrue(r.isEmpty());
  }

  @ParameterizedTest
  @ValueSource(longs = {-1L, 0L})
  void newestConnectorReplacesTheOlder(long mask) {
    Registry r = registry(mask);
    FakeConnection old = new FakeConnection();
    FakeConnection newer = new FakeConnection();
    Registration first = r.register(old, Role.CONNECTOR, "web");
    r.register(newer, Role.CONNECTOR, "web");
    assertSame(newer, r.lookupConnector("web"));
    assertEquals(RelayApplication.ERROR_REPLACED, old.closeCode);
    assertEquals("replaced by a newer connector", old.closeReason);
    assertTrue(first.replaced());
    assertTrue(first.ended());
    assertEquals(1, counters.get(Counter.CONNECTORS_REPLACED));
    assertEquals(1, counters.get(Counter.REGISTERED_CONNECTORS), "a replacement keeps the gauge");
    // The old connection's end does not touch the new Connector.
    r.unregister(old);
    assertSame(newer, r.lookupConnector("web"));
    assertEquals(1, counters.get(Counter.REGISTERED_CONNECTORS));
    r.unregister(newer);
    assertTrue(r.isEmpty());
    assertEquals(0, counters.get(Counter.REGISTERED_CONNECTORS));
  }

  @ParameterizedTest
  @ValueSource(longs = {-1L, 0L})
  void registeredGaugesFollowRegistrations(long mask) {
    Registry r = registry(mask);
    FakeConnection a1 = new FakeConnection();
    FakeConnection a2 = new FakeConnection();
    FakeConnection c = new FakeConnection();
    r.register(a1, Role.AGENT, "svc");
    r.register(a2, Role.AGENT, "other");
    r.register(c, Role.CONNECTOR, "svc");
    assertEquals(2, counters.get(Counter.REGISTERED_AGENTS));
    assertEquals(1, counters.get(Counter.REGISTERED_CONNECTORS));
    r.unregister(a1);
    r.unregister(a1); // idempotent
    assertEquals(1, counters.get(Counter.REGISTERED_AGENTS));
    r.unregister(c);
    r.unregister(a2);
    assertEquals(0, counters.get(Counter.REGISTERED_AGENTS));
    assertEquals(0, counters.get(Counter.REGISTERED_CONNECTORS));
  }

  @ParameterizedTest
  @ValueSource(longs = {-1L, 0L})
  void replacementWithSynchronousCloseCallback(long mask) {
    Registry r = registry(mask);
    RelayApplication app = new RelayApplication(counters, r);
    FakeConnection old = new FakeConnection();
    old.closeListener = app;
    FakeConnection newer = new FakeConnection();
    r.register(old, Role.CONNECTOR, "web");
    r.register(newer, Role.CONNECTOR, "web");
    assertNull(old.attachment());
    assertSame(newer, r.lookupConnector("web"));
    assertEquals(1, r.serviceCount());
  }

  @ParameterizedTest
  @ValueSource(longs = {-1L, 0L})
  void registeringTwiceIsAProgrammingError(long mask) {
    Registry r = registry(mask);
    FakeConnection c = new FakeConnection();
    r.register(c, Role.AGENT, "web");
    assertThrows(IllegalStateException.class, () -> r.register(c, Role.CONNECTOR, "web"));
    assertThrows(
        IllegalArgumentException.class, () -> r.register(new FakeConnection(), Role.AGENT, ""));
  }

  @ParameterizedTest
  @ValueSource(longs = {-1L, 0L})
  void pairedAgentByLearnedInnerAddresses(long mask) {
    Registry r = registry(mask);
    FakeConnection connector = new FakeConnection();
    FakeConnection a1 = new FakeConnection();
    FakeConnection a2 = new FakeConnection();
    FakeConnection a3 = new FakeConnection();
    r.register(connector, Role.CONNECTOR, "web");
    r.register(a1, Role.AGENT, "web");
    r.register(a2, Role.AGENT, "web");
    r.register(a3, Role.AGENT, "web");
    int server = ip(10, 1, 0, 1);
    learn(r, a1, Packets.ipv4(ip(100, 64, 0, 1), server, 8));
    learn(r, a2, Packets.ipv4(ip(100, 64, 0, 2), server, 8));
    learn(r, a3, Packets.ipv6(0xfd00L << 48, 3, 0xfd00L << 48, 99, 8));
    assertSame(a1, paired(r, connector, Packets.ipv4(server, ip(100, 64, 0, 1), 0)));
    assertSame(a2, paired(r, connector, Packets.ipv4(server, ip(100, 64, 0, 2), 0)));
    assertSame(a3, paired(r, connector, Packets.ipv6(0xfd00L << 48, 99, 0xfd00L << 48, 3, 0)));
    assertNull(paired(r, connector, Packets.ipv4(server, ip(100, 64, 0, 3), 0)));
    assertNull(paired(r, connector, Packets.ipv6(0, 1, 0, 2, 0)));
    // Too short for its header, or not IP: no address, no pair.
    assertNull(paired(r, connector, java.util.Arrays.copyOf(Packets.ipv4(0, 0, 0), 19)));
    assertNull(paired(r, connector, new byte[] {0x00, 1, 2}));
    assertEquals(3, r.learnedAddressCount("web"));
    // An Agent that leaves takes its addresses with it.
    r.unregister(a1);
    assertNull(paired(r, connector, Packets.ipv4(server, ip(100, 64, 0, 1), 0)));
    assertEquals(2, r.learnedAddressCount("web"));
  }

  @ParameterizedTest
  @ValueSource(longs = {-1L, 0L})
  void firstSenderOwnsAnAddressUntilItLeaves(long mask) {
    Registry r = registry(mask);
    FakeConnection connector = new FakeConnection();
    FakeConnection a1 = new FakeConnection();
    FakeConnection a2 = new FakeConnection();
    r.register(connector, Role.CONNECTOR, "web");
    r.register(a1, Role.AGENT, "web");
    r.register(a2, Role.AGENT, "web");
    byte[] fromX = Packets.ipv4(ip(10, 0, 0, 2), ip(10, 1, 0, 1), 0);
    byte[] toX = Packets.ipv4(ip(10, 1, 0, 1), ip(10, 0, 0, 2), 0);
    byte[] fromY = Packets.ipv6(0xfd00L << 48, 7, 0xfd00L << 48, 1, 0);
    byte[] toY = Packets.ipv6(0xfd00L << 48, 1, 0xfd00L << 48, 7, 0);
    assertTrue(learn(r, a1, fromX));
    assertTrue(learn(r, a1, fromY));
    assertSame(a1, paired(r, connector, toX));
    // Another Agent cannot take them while a1 uses them: dropped, counted, replies unmoved.
    assertFalse(learn(r, a2, fromX, IDLE - 1));
    assertFalse(learn(r, a2, fromY, IDLE - 1));
    assertEquals(2, counters.get(Counter.DROP_INNER_ADDRESS_CONFLICT));
    assertSame(a1, paired(r, connector, toX));
    assertSame(a1, paired(r, connector, toY));
    assertTrue(learn(r, a1, fromX, IDLE - 1));
    assertEquals(2, Registry.registrationOf(a1).learnedAddressCount()); // not remembered twice
    assertEquals(0, Registry.registrationOf(a2).learnedAddressCount());
    // The owner leaving frees them for the next sender.
    r.unregister(a1);
    assertTrue(learn(r, a2, fromX, IDLE));
    assertTrue(learn(r, a2, fromY, IDLE));
    FakeConnection a3 = new FakeConnection();
    r.register(a3, Role.AGENT, "web");
    assertSame(a2, paired(r, connector, toX));
    assertSame(a2, paired(r, connector, toY));
    assertEquals(0, counters.get(Counter.AGENT_ADDRESSES_RECLAIMED));
  }

  @ParameterizedTest
  @ValueSource(longs = {-1L, 0L})
  void anAddressLeftUnusedForTheIdleTimeMayMove(long mask) {
    Registry r = registry(mask);
    FakeConnection connector = new FakeConnection();
    FakeConnection a1 = new FakeConnection();
    FakeConnection a2 = new FakeConnection();
    FakeConnection a3 = new FakeConnection();
    r.register(connector, Role.CONNECTOR, "web");
    r.register(a1, Role.AGENT, "web");
    r.register(a2, Role.AGENT, "web");
    r.register(a3, Role.AGENT, "web");
    byte[] fromX = Packets.ipv4(ip(10, 0, 0, 2), ip(10, 1, 0, 1), 0);
    byte[] toX = Packets.ipv4(ip(10, 1, 0, 1), ip(10, 0, 0, 2), 0);
    long t0 = -5_000_000_000L; // nanoTime may be negative
    assertTrue(learn(r, a1, fromX, t0));
    assertTrue(learn(r, a1, fromX, t0 + 1000)); // use refreshes
    assertFalse(learn(r, a2, fromX, t0 + 1000 + IDLE - 1));
    // Replies to the address and other Agents' attempts do not refresh it; the owner's use does.
    paired(r, connector, toX);
    assertTrue(learn(r, a2, fromX, t0 + 1000 + IDLE));
    assertEquals(1, counters.get(Counter.AGENT_ADDRESSES_RECLAIMED));
    assertSame(a2, paired(r, connector, toX));
    assertFalse(learn(r, a1, fromX, t0 + 1000 + IDLE + 1)); // now a1 is the other one
    assertFalse(learn(r, a3, fromX, t0 + 1000 + IDLE + 1));
    assertSame(a2, paired(r, connector, toX));
    // a1's stale ring entry does not unbind it from a2 when a1 leaves.
    r.unregister(a1);
    assertSame(a2, paired(r, connector, toX));
    assertEquals(1, r.learnedAddressCount("web"));
  }

  @Test
  void aZeroIdleTimeKeepsAddressesUntilTheOwnerLeaves() {
    Registry r = new Registry(counters, 0x5eed, -1L, 0);
    FakeConnection a1 = new FakeConnection();
    FakeConnection a2 = new FakeConnection();
    r.register(a1, Role.AGENT, "web");
    r.register(a2, Role.AGENT, "web");
    byte[] fromX = Packets.ipv4(ip(10, 0, 0, 2), ip(10, 1, 0, 1), 0);
    assertTrue(learn(r, a1, fromX, 0));
    assertFalse(learn(r, a2, fromX, Long.MAX_VALUE / 2));
    r.unregister(a1);
    assertTrue(learn(r, a2, fromX, Long.MAX_VALUE / 2));
  }

  @ParameterizedTest
  @ValueSource(longs = {-1L, 0L})
  void learnedAddressesAreBoundedPerAgent(long mask) {
    Registry r = registry(mask);
    FakeConnection connector = new FakeConnection();
    FakeConnection a1 = new FakeConnection();
    FakeConnection a2 = new FakeConnection();
    r.register(connector, Role.CONNECTOR, "web");
    r.register(a1, Role.AGENT, "web");
    r.register(a2, Role.AGENT, "web");
    int n = Registration.MAX_LEARNED + 36;
    for (int i = 0; i < n; i++) {
      if (i % 2 == 0) {
        learn(r, a1, Packets.ipv4(ip(10, 0, 0, 0) + i, 1, 0));
      } else {
        learn(r, a1, Packets.ipv6(0xfd00L << 48, i, 0, 1, 0));
      }
    }
    assertEquals(Registration.MAX_LEARNED, Registry.registrationOf(a1).learnedAddressCount());
    assertEquals(Registration.MAX_LEARNED, r.learnedAddressCount("web"));
    assertEquals(36, counters.get(Counter.AGENT_ADDRESSES_EVICTED));
    for (int i = 0; i < n; i++) {
      byte[] reply =
          i % 2 == 0
              ? Packets.ipv4(1, ip(10, 0, 0, 0) + i, 0)
              : Packets.ipv6(0, 1, 0xfd00L << 48, i, 0);
      if (i < 36) {
        assertNull(paired(r, connector, reply), "evicted " + i);
      } else {
        assertSame(a1, paired(r, connector, reply), "kept " + i);
      }
    }
    r.unregister(a1);
    assertEquals(0, r.learnedAddressCount("web"));
  }

  @ParameterizedTest
  @ValueSource(longs = {-1L, 0L})
  void thousandCyclesLeaveTheRegistryEmpty(long mask) {
    Registry r = registry(mask);
    for (int i = 0; i < 1000; i++) {
      FakeConnection connector = new FakeConnection();
      FakeConnection agent = new FakeConnection();
      String id = "svc-" + (i % 7);
      r.register(connector, Role.CONNECTOR, id);
      r.register(agent, Role.AGENT, id);
      learn(r, agent, Packets.ipv4(i, 1, 0));
      learn(r, agent, Packets.ipv6(i, i, 0, 1, 0));
      if (i % 2 == 0) {
        r.unregister(agent);
        r.unregister(connector);
      } else {
        r.unregister(connector);
        r.unregister(agent);
      }
      assertTrue(r.isEmpty());
    }
    assertEquals(0, r.serviceCount());
    assertFalse(r.lookupConnector("svc-1") != null);
  }

  @ParameterizedTest
  @ValueSource(longs = {-1L, 0L})
  void unicodeIdsAreDistinctBytewise(long mask) {
    Registry r = registry(mask);
    FakeConnection nfc = new FakeConnection();
    FakeConnection nfd = new FakeConnection();
    r.register(nfc, Role.CONNECTOR, "caf\u00e9");
    r.register(nfd, Role.CONNECTOR, "cafe\u0301");
    assertSame(nfc, r.lookupConnector("caf\u00e9"));
    assertSame(nfd, r.lookupConnector("cafe\u0301"));
    FakeConnection control = new FakeConnection();
    Registration reg = r.register(control, Role.AGENT, "a\nb\u202e");
    assertEquals("a\\u000ab\\u202e", reg.serviceId());
  }
}
