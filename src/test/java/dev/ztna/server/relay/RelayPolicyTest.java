package dev.ztna.server.relay;

import static dev.ztna.server.relay.Packets.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ztna.server.policy.Policy;
import dev.ztna.server.relay.RelayCounters.Counter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Authorization in the relay (issue 9 §2): REGISTERs the policy refuses close with 0x104 and change
 * nothing else; replacement needs an allowed identity; inner addresses belong to their Agent;
 * reloads close what the new policy forbids. Fake connections carry the identity mutual TLS would
 * set; time is what the test passes to {@link RelayApplication#onDutyCycle}.
 */
class RelayPolicyTest {
  private static final String DB_CONNECTOR = "spiffe://corp.example/connector/db";
  private static final String DB_CONNECTOR_2 = "spiffe://corp.example/connector/db-standby";
  private static final String ALICE = "spiffe://corp.example/user/alice";
  private static final String BOB = "spiffe://corp.example/user/bob";
  private static final String MALLORY = "spiffe://corp.example/user/mallory";
  private static final long T0 = 1_000_000_000L;
  private static final long IDLE = TimeUnit.MINUTES.toNanos(5);

  private final RelayCounters counters = new RelayCounters();
  private final Map<Counter, Long> before = new EnumMap<>(Counter.class);

  private static Policy policy() {
    return Policy.builder()
        .service(
            "db", List.of(DB_CONNECTOR, DB_CONNECTOR_2), List.of("spiffe://corp.example/user/*"))
        .service("web", List.of("spiffe://corp.example/connector/web"), List.of(ALICE))
        .build();
  }

  private RelayApplication app = new RelayApplication(counters, policy());

  private void deliver(FakeConnection from, byte[] datagram) {
    byte[] framed = new byte[datagram.length + 4];
    System.arraycopy(datagram, 0, framed, 3, datagram.length);
    app.onDatagram(from, new UnsafeBuffer(framed), 3, datagram.length);
  }

  private FakeConnection client(String identity) {
    FakeConnection c = new FakeConnection();
    c.identity = identity;
    c.closeListener = app;
    app.onEstablished(c);
    c.drain();
    return c;
  }

  private FakeConnection register(int type, String service, String identity) {
    FakeConnection c = client(identity);
    deliver(c, Packets.register(type, service));
    return c;
  }

  private FakeConnection connector(String service, String identity) {
    return register(RegisterMessage.TYPE_CONNECTOR, service, identity);
  }

  private FakeConnection agent(String service, String identity) {
    return register(RegisterMessage.TYPE_AGENT, service, identity);
  }

  private void snapshot() {
    for (Counter c : Counter.values()) {
      before.put(c, counters.get(c));
    }
  }

  private long delta(Counter c) {
    return counters.get(c) - before.get(c);
  }

  private static void assertRefused(FakeConnection c) {
    assertEquals(RelayApplication.ERROR_REFUSED, c.closeCode);
    assertEquals(RelayApplication.REASON_REFUSED, c.closeReason);
    assertNull(c.attachment(), "not registered");
  }

  private static void assertLive(FakeConnection c) {
    assertEquals(-1, c.closeCode, c + " closed");
    assertTrue(Registry.registrationOf(c) != null, c + " registered");
  }

  private static void assertReceived(FakeConnection c, byte[]... expected) {
    List<byte[]> got = c.drain();
    assertEquals(expected.length, got.size(), "datagrams received by " + c);
    for (int i = 0; i < expected.length; i++) {
      assertArrayEquals(expected[i], got.get(i));
    }
  }

  /** The legitimate pair relays both ways (and nothing reaches anyone else). */
  private static void assertRelays(FakeConnection agent, FakeConnection connector, int seq) {
    byte[] up = Packets.ipv4(ip(100, 64, 0, 1), ip(10, 1, 0, seq), seq);
    byte[] down = Packets.ipv4(ip(10, 1, 0, seq), ip(100, 64, 0, 1), seq);
    agent.closeListener.onDatagram(agent, new UnsafeBuffer(up), 0, up.length);
    connector.closeListener.onDatagram(connector, new UnsafeBuffer(down), 0, down.length);
    assertReceived(connector, up);
    assertReceived(agent, down);
  }

  @Test
  void aHijackByAnIdentityNotAllowedIsRefusedAndTheConnectorKeepsItsTraffic() {
    FakeConnection legit = connector("db", DB_CONNECTOR);
    FakeConnection alice = agent("db", ALICE);
    assertLive(legit);
    assertLive(alice);
    assertRelays(alice, legit, 1);
    for (String hijacker : new String[] {MALLORY, ALICE, "spiffe://evil.example/connector/db"}) {
      snapshot();
      FakeConnection h = connector("db", hijacker);
      assertRefused(h);
      assertEquals(1, delta(Counter.POLICY_IDENTITY_NOT_ALLOWED), hijacker);
      assertEquals(0, delta(Counter.CONNECTORS_REPLACED));
      assertEquals(0, delta(Counter.CONNECTORS_REGISTERED));
      assertLive(legit);
      assertSame(legit, app.registry().lookupConnector("db"));
      assertRelays(alice, legit, 2);
      assertReceived(h);
    }
    // Its later datagrams (e.g. in the same packet) go nowhere.
    FakeConnection h = client(MALLORY);
    h.closeListener = null; // a connection layer that reports the close later
    deliver(h, Packets.register(RegisterMessage.TYPE_CONNECTOR, "db"));
    snapshot();
    deliver(h, Packets.register(RegisterMessage.TYPE_CONNECTOR, "db"));
    deliver(h, Packets.ipv4(1, 2, 3));
    assertEquals(2, delta(Counter.DROP_SENDER_CLOSING));
    assertReceived(legit);
    assertRelays(alice, legit, 3);
  }

  @Test
  void anAllowedIdentityReplacesTheConnectorWith0x102() {
    FakeConnection first = connector("db", DB_CONNECTOR);
    FakeConnection alice = agent("db", ALICE);
    FakeConnection standby = connector("db", DB_CONNECTOR_2);
    assertEquals(RelayApplication.ERROR_REPLACED, first.closeCode);
    assertLive(standby);
    assertSame(standby, app.registry().lookupConnector("db"));
    assertRelays(alice, standby, 1);
    assertEquals(1, counters.get(Counter.CONNECTORS_REPLACED));
    // The same identity again (a restarted Connector) replaces too.
    FakeConnection again = connector("db", DB_CONNECTOR_2);
    assertEquals(RelayApplication.ERROR_REPLACED, standby.closeCode);
    assertRelays(alice, again, 2);
  }

  @Test
  void anAgentForAServiceItMayNotReachIsRefused() {
    FakeConnection web = connector("web", "spiffe://corp.example/connector/web");
    snapshot();
    FakeConnection bob = agent("web", BOB); // may reach db, not web
    assertRefused(bob);
    assertEquals(1, delta(Counter.POLICY_IDENTITY_NOT_ALLOWED));
    assertEquals(0, delta(Counter.AGENTS_REGISTERED));
    assertEquals(0, app.registry().agentCount("web"));
    // A Connector identity may not register as an Agent, nor the reverse.
    assertRefused(agent("db", DB_CONNECTOR));
    assertRefused(connector("web", ALICE));
    // '*' is one segment: a deeper identity is not a user.
    assertRefused(agent("db", "spiffe://corp.example/user/alice/laptop"));
    FakeConnection alice = agent("web", ALICE);
    assertRelays(alice, web, 1);
  }

  @Test
  void anUnknownServiceAndAMissingIdentityAreRefused() {
    snapshot();
    FakeConnection c = connector("payroll", DB_CONNECTOR);
    assertRefused(c);
    assertEquals(1, delta(Counter.POLICY_UNKNOWN_SERVICE));
    snapshot();
    FakeConnection anonymous = agent("db", null);
    assertRefused(anonymous);
    assertEquals(1, delta(Counter.POLICY_NO_IDENTITY));
    FakeConnection anonymousConnector = connector("payroll", null);
    assertRefused(anonymousConnector);
    assertEquals(2, delta(Counter.POLICY_NO_IDENTITY));
    assertTrue(app.registry().isEmpty(), "a refusal interns nothing");
    assertEquals(0, counters.get(Counter.REGISTER_MALFORMED));
  }

  @Test
  void everyRefusalIsCountedAndLoggedAtARateNamingAddressIdentityAndService() {
    Logger logger = (Logger) LoggerFactory.getLogger(RelayApplication.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    Level level = logger.getLevel();
    logger.setLevel(Level.INFO);
    logger.addAppender(lines);
    try {
      int n = RelayApplication.LOG_BURST * 5;
      for (int i = 0; i < n; i++) {
        app.onDutyCycle(T0 + i); // far faster than the log rate
        assertRefused(connector("db", MALLORY));
      }
      assertEquals(n, counters.get(Counter.POLICY_IDENTITY_NOT_ALLOWED));
      assertEquals(RelayApplication.LOG_BURST, lines.list.size(), "a burst, then silence");
      String first = lines.list.get(0).getFormattedMessage();
      assertTrue(first.contains("127.0.0.1:40000"), first);
      assertTrue(first.contains(MALLORY), first);
      assertTrue(first.contains("service 'db'"), first);
      assertTrue(first.contains("identity not allowed"), first);
      // A second later there is credit again, and the line says how many were not logged.
      app.onDutyCycle(T0 + n + 1_000_000_000L);
      assertRefused(agent("nope\n", null));
      String later = lines.list.get(lines.list.size() - 1).getFormattedMessage();
      assertTrue(later.contains("identity (none)"), later);
      assertTrue(later.contains("no authenticated identity"), later);
      assertTrue(
          later.contains((n - RelayApplication.LOG_BURST) + " more refusals not logged"), later);
    } finally {
      logger.detachAppender(lines);
      logger.setLevel(level);
    }
  }

  @Test
  void modeNoneKeepsTheOldBehaviour() {
    app = new RelayApplication(counters, Policy.builder().mode(Policy.Mode.NONE).build());
    FakeConnection first = connector("anything", null);
    FakeConnection agent = agent("anything", null);
    FakeConnection second = connector("anything", MALLORY);
    assertEquals(RelayApplication.ERROR_REPLACED, first.closeCode);
    assertRelays(agent, second, 1);
    assertEquals(0, app.updatePolicy(Policy.allowAll()));
    assertLive(agent);
    assertLive(second);
    // The default constructor is mode none.
    assertSame(Policy.Mode.NONE, new RelayApplication(new RelayCounters()).policy().mode());
  }

  @Test
  void anInnerAddressBelongsToItsAgentUntilItLeavesOrIdles() {
    app.onDutyCycle(T0);
    FakeConnection connector = connector("db", DB_CONNECTOR);
    FakeConnection alice = agent("db", ALICE);
    FakeConnection bob = agent("db", BOB);
    int server = ip(10, 1, 0, 1);
    int aliceAddress = ip(100, 64, 0, 1);
    byte[] fromAlice = Packets.ipv4(aliceAddress, server, 10);
    byte[] spoofed = Packets.ipv4(aliceAddress, server, 11);
    byte[] reply = Packets.ipv4(server, aliceAddress, 12);
    deliver(alice, fromAlice);
    assertReceived(connector, fromAlice);
    // Bob claims Alice's address: dropped and counted; replies still go to Alice.
    snapshot();
    deliver(bob, spoofed);
    assertEquals(1, delta(Counter.DROP_INNER_ADDRESS_CONFLICT));
    assertReceived(connector);
    deliver(connector, reply);
    assertReceived(alice, reply);
    assertReceived(bob);
    // Still Alice's just before the idle time, counted from her last packet.
    app.onDutyCycle(T0 + IDLE / 2);
    deliver(alice, fromAlice);
    assertReceived(connector, fromAlice);
    app.onDutyCycle(T0 + IDLE / 2 + IDLE - 1);
    deliver(bob, spoofed);
    assertReceived(connector);
    assertEquals(2, counters.get(Counter.DROP_INNER_ADDRESS_CONFLICT));
    // Unused for the idle time: Bob may take it, and the replies follow.
    app.onDutyCycle(T0 + IDLE / 2 + IDLE);
    deliver(bob, spoofed);
    assertReceived(connector, spoofed);
    assertEquals(1, counters.get(Counter.AGENT_ADDRESSES_RECLAIMED));
    deliver(connector, reply);
    assertReceived(bob, reply);
    assertReceived(alice);
    // Now Alice is the one refused.
    deliver(alice, fromAlice);
    assertReceived(connector);
    assertEquals(3, counters.get(Counter.DROP_INNER_ADDRESS_CONFLICT));
    // Bob disconnecting releases it at once.
    app.onClosed(bob, 0, true, true, "bye");
    FakeConnection carol = agent("db", "spiffe://corp.example/user/carol");
    deliver(alice, fromAlice);
    assertReceived(connector, fromAlice);
    deliver(connector, reply);
    assertReceived(alice, reply);
    assertReceived(carol);
  }

  @Test
  void aReloadClosesWhatTheNewPolicyForbidsAndNothingElse() {
    FakeConnection dbConnector = connector("db", DB_CONNECTOR);
    FakeConnection alice = agent("db", ALICE);
    FakeConnection bob = agent("db", BOB);
    FakeConnection web = connector("web", "spiffe://corp.example/connector/web");
    FakeConnection aliceWeb = agent("web", ALICE);
    deliver(bob, Packets.ipv4(ip(100, 64, 0, 2), ip(10, 1, 0, 1), 0));
    dbConnector.drain();
    // New policy: Bob may no longer reach db, the web Connector identity changed, and the standby
    // db Connector is no longer listed.
    Policy next =
        Policy.builder()
            .service("db", List.of(DB_CONNECTOR), List.of(ALICE))
            .service("web", List.of("spiffe://corp.example/connector/web2"), List.of(ALICE))
            .build();
    snapshot();
    assertEquals(2, app.updatePolicy(next));
    assertSame(next, app.policy());
    assertRefused(bob);
    assertRefused(web);
    assertEquals(2, delta(Counter.POLICY_RELOAD_CLOSED));
    assertEquals(1, delta(Counter.POLICY_RELOADS));
    assertLive(dbConnector);
    assertLive(alice);
    assertLive(aliceWeb);
    assertEquals(1, app.registry().agentCount("db"));
    assertNull(app.registry().lookupConnector("web"));
    assertEquals(0, app.registry().learnedAddressCount("db"), "Bob's addresses forgotten");
    assertRelays(alice, dbConnector, 1);
    // New registrations follow it at once.
    assertRefused(agent("db", BOB));
    assertRefused(connector("db", DB_CONNECTOR_2));
    FakeConnection web2 = connector("web", "spiffe://corp.example/connector/web2");
    assertRelays(aliceWeb, web2, 2);
    // Closing everything under a policy that lists nothing leaves the registry empty.
    assertEquals(4, app.updatePolicy(Policy.builder().build()));
    assertTrue(app.registry().isEmpty());
  }

  @Test
  void aReloadWhoseClosesAreReportedLaterStillTakesThemOutAtOnce() {
    FakeConnection dbConnector = connector("db", DB_CONNECTOR);
    FakeConnection alice = agent("db", ALICE);
    dbConnector.closeListener = null;
    alice.closeListener = null;
    assertEquals(2, app.updatePolicy(Policy.builder().build()));
    assertTrue(app.registry().isEmpty(), "out of the registry before onClosed");
    // Their onClosed arrives later: nothing breaks, nothing is counted twice.
    app.onClosed(dbConnector, RelayApplication.ERROR_REFUSED, true, false, "refused by policy");
    app.onClosed(alice, RelayApplication.ERROR_REFUSED, true, false, "refused by policy");
    assertNull(dbConnector.attachment());
    assertEquals(2, counters.get(Counter.REGISTRATIONS_ENDED));
  }

  @Test
  void aPolicyPublishedFromAnotherThreadAppliesOnTheNextDutyCycle() throws Exception {
    FakeConnection dbConnector = connector("db", DB_CONNECTOR);
    FakeConnection bob = agent("db", BOB);
    Policy next = Policy.builder().service("db", List.of(DB_CONNECTOR), List.of(ALICE)).build();
    Thread publisher = new Thread(() -> app.publishPolicy(next), "sighup");
    publisher.start();
    publisher.join();
    assertLive(bob); // not yet: the loop has not run
    assertEquals(1, app.onDutyCycle(T0));
    assertSame(next, app.policy());
    assertRefused(bob);
    assertLive(dbConnector);
    assertEquals(0, app.onDutyCycle(T0 + 1), "applied once");
    // A REGISTER handled before the next duty cycle already follows a just-published policy.
    app.publishPolicy(Policy.builder().build());
    assertRefused(agent("db", ALICE));
    assertRefused(dbConnector);
    assertEquals(2, counters.get(Counter.POLICY_RELOADS));
  }
}
