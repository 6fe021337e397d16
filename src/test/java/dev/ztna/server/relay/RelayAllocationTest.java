package dev.ztna.server.relay;

import static dev.ztna.server.relay.Packets.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.policy.Policy;
import dev.ztna.server.relay.RelayCounters.Counter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The per-datagram path allocates nothing in steady state: relaying both ways (one Agent, and three
 * Agents told apart by learned IPv4/IPv6 addresses), address learning, and every drop path,
 * measured with the thread's allocated-bytes counter over 100k datagrams each way.
 */
class RelayAllocationTest {
  private static final int WARMUP = 20_000;
  private static final int MEASURED = 100_000;
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private final RelayCounters counters = new RelayCounters();
  private final RelayApplication app = new RelayApplication(counters);

  private FakeConnection register(int type, String service) {
    FakeConnection c = new FakeConnection();
    c.record = false;
    byte[] m = Packets.register(type, service);
    app.onDatagram(c, new UnsafeBuffer(m), 0, m.length);
    return c;
  }

  private static UnsafeBuffer buf(byte[] b) {
    return new UnsafeBuffer(b);
  }

  private interface Step {
    void run();
  }

  private static long measure(Step step) {
    for (int i = 0; i < WARMUP; i++) {
      step.run();
    }
    long best = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 3 && best != 0; attempt++) {
      long start = THREADS.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < MEASURED; i++) {
        step.run();
      }
      best = Math.min(best, THREADS.getCurrentThreadAllocatedBytes() - start);
    }
    return best;
  }

  /**
   * OBSERVED_ADDRESS (QAD) as sent after a handshake: 0 bytes per message for IPv4 over 1,000,000
   * messages; IPv6 pays {@link java.net.InetAddress#getAddress()}'s 16-byte copy (printed).
   */
  @Test
  void observedAddressIpv4AllocatesNothingOverAMillion() throws Exception {
    assertTrue(ObservedAddress.IPV4_HASH_IS_ADDRESS, "this JDK hashes IPv4 as the address");
    FakeConnection v4 =
        new FakeConnection(new InetSocketAddress(InetAddress.getByName("203.0.113.9"), 4433));
    FakeConnection v6 =
        new FakeConnection(new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 4433));
    v4.record = false;
    v6.record = false;
    int n = 1_000_000;
    for (int i = 0; i < WARMUP; i++) {
      app.onEstablished(v4);
      app.onEstablished(v6);
    }
    long best4 = Long.MAX_VALUE;
    long best6 = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 3 && best4 != 0; attempt++) {
      long start = THREADS.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < n; i++) {
        app.onEstablished(v4);
      }
      best4 = Math.min(best4, THREADS.getCurrentThreadAllocatedBytes() - start);
      start = THREADS.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < n; i++) {
        app.onEstablished(v6);
      }
      best6 = Math.min(best6, THREADS.getCurrentThreadAllocatedBytes() - start);
    }
    System.out.printf(
        "QAD: IPv4 %d bytes over %d messages, IPv6 %.1f bytes per message%n",
        best4, n, best6 / (double) n);
    assertEquals(0, best4, "bytes allocated over " + n + " IPv4 OBSERVED_ADDRESS messages");
    assertEquals(ObservedAddress.IPV4_LENGTH, v4.lastLength);
    assertEquals(0x01, v4.last.getByte(0));
    assertEquals((byte) 203, v4.last.getByte(1));
    assertEquals((byte) 9, v4.last.getByte(4));
  }

  @Test
  void relayWithOneAgentAllocatesNothing() {
    FakeConnection connector = register(RegisterMessage.TYPE_CONNECTOR, "web");
    FakeConnection agent = register(RegisterMessage.TYPE_AGENT, "web");
    UnsafeBuffer up = buf(Packets.ipv4(ip(10, 0, 0, 2), ip(10, 1, 0, 1), 1000));
    UnsafeBuffer down = buf(Packets.ipv4(ip(10, 1, 0, 1), ip(10, 0, 0, 2), 1000));
    int length = up.capacity();
    long bytes =
        measure(
            () -> {
              app.onDatagram(agent, up, 0, length);
              app.onDatagram(connector, down, 0, length);
            });
    assertEquals(0, bytes, "bytes allocated over " + MEASURED + " relays each way");
    assertEquals(connector.sentCount, agent.sentCount);
    assertEquals(
        counters.get(Counter.RELAYED_AGENT_TO_CONNECTOR), connector.sentCount, "all relayed");
  }

  @Test
  void relayWithThreeAgentsByLearnedAddressesAllocatesNothing() {
    FakeConnection connector = register(RegisterMessage.TYPE_CONNECTOR, "web");
    FakeConnection[] agents = new FakeConnection[3];
    UnsafeBuffer[] ups = new UnsafeBuffer[3];
    UnsafeBuffer[] downs = new UnsafeBuffer[3];
    long ula = 0xfd00_0000_0000_0000L;
    for (int i = 0; i < 3; i++) {
      agents[i] = register(RegisterMessage.TYPE_AGENT, "web");
      if (i == 2) {
        ups[i] = buf(Packets.ipv6(ula, 3, ula, 1, 500));
        downs[i] = buf(Packets.ipv6(ula, 1, ula, 3, 500));
      } else {
        ups[i] = buf(Packets.ipv4(ip(100, 64, 0, i), ip(10, 1, 0, 1), 500));
        downs[i] = buf(Packets.ipv4(ip(10, 1, 0, 1), ip(100, 64, 0, i), 500));
      }
    }
    int[] turn = {0};
    long bytes =
        measure(
            () -> {
              int i = turn[0];
              turn[0] = i == 2 ? 0 : i + 1;
              app.onDatagram(agents[i], ups[i], 0, ups[i].capacity());
              app.onDatagram(connector, downs[i], 0, downs[i].capacity());
            });
    assertEquals(0, bytes, "bytes allocated over " + MEASURED + " relays each way");
    assertEquals(0, counters.get(Counter.DROP_NO_AGENT_FOR_ADDRESS));
    for (FakeConnection a : agents) {
      assertEquals(true, a.sentCount > MEASURED / 3, "each Agent got its replies");
    }
  }

  /**
   * Under an mtls policy: relaying between allowed identities, a conflicting inner source address
   * (dropped), the duty-cycle hook and refused REGISTERs' policy checks allocate nothing.
   */
  @Test
  void policyChecksConflictDropsAndTheDutyCycleAllocateNothing() {
    Policy policy =
        Policy.builder()
            .service(
                "web",
                List.of("spiffe://corp.example/connector/web"),
                List.of("spiffe://corp.example/user/*"))
            .build();
    RelayApplication secured = new RelayApplication(counters, policy);
    FakeConnection connector = new FakeConnection();
    FakeConnection alice = new FakeConnection();
    FakeConnection bob = new FakeConnection();
    connector.identity = "spiffe://corp.example/connector/web";
    alice.identity = "spiffe://corp.example/user/alice";
    bob.identity = "spiffe://corp.example/user/bob";
    for (FakeConnection c : new FakeConnection[] {connector, alice, bob}) {
      c.record = false;
      byte[] m = Packets.register(c == connector ? 0x11 : 0x10, "web");
      secured.onDatagram(c, buf(m), 0, m.length);
    }
    UnsafeBuffer up = buf(Packets.ipv4(ip(100, 64, 0, 1), ip(10, 1, 0, 1), 500));
    UnsafeBuffer down = buf(Packets.ipv4(ip(10, 1, 0, 1), ip(100, 64, 0, 1), 500));
    UnsafeBuffer upBob = buf(Packets.ipv4(ip(100, 64, 0, 2), ip(10, 1, 0, 1), 500));
    UnsafeBuffer spoof = buf(Packets.ipv4(ip(100, 64, 0, 1), ip(10, 1, 0, 1), 100));
    UnsafeBuffer id = buf("web".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    long[] now = {0};
    long bytes =
        measure(
            () -> {
              secured.onDutyCycle(now[0] += 1000);
              secured.onDatagram(alice, up, 0, up.capacity());
              secured.onDatagram(bob, upBob, 0, upBob.capacity());
              secured.onDatagram(bob, spoof, 0, spoof.capacity()); // alice's address
              secured.onDatagram(connector, down, 0, down.capacity());
              policy.check(true, bob.identity, id, 0, 3);
            });
    assertEquals(0, bytes, "bytes allocated over " + MEASURED + " rounds");
    assertTrue(counters.get(Counter.DROP_INNER_ADDRESS_CONFLICT) >= MEASURED);
    assertTrue(alice.sentCount >= MEASURED, "alice got her replies");
    assertEquals(0, bob.sentCount, "bob never got alice's replies");
  }

  @Test
  void dropPathsAllocateNothing() {
    FakeConnection connector = register(RegisterMessage.TYPE_CONNECTOR, "web");
    FakeConnection agent = register(RegisterMessage.TYPE_AGENT, "web");
    FakeConnection orphan = register(RegisterMessage.TYPE_AGENT, "nobody");
    FakeConnection stranger = new FakeConnection();
    stranger.record = false;
    connector.maxDatagramPayload = 100;
    UnsafeBuffer big = buf(Packets.ipv4(1, 2, 200));
    UnsafeBuffer qad = buf(new byte[] {0x01, 1, 2, 3, 4, 0, 80});
    UnsafeBuffer register = buf(Packets.register(RegisterMessage.TYPE_AGENT, "web"));
    UnsafeBuffer small = buf(Packets.ipv4(1, 2, 0));
    long bytes =
        measure(
            () -> {
              app.onDatagram(agent, big, 0, big.capacity()); // too big
              app.onDatagram(agent, qad, 0, qad.capacity()); // QAD from client
              app.onDatagram(agent, register, 0, register.capacity()); // duplicate
              app.onDatagram(stranger, small, 0, small.capacity()); // unregistered
              app.onDatagram(orphan, small, 0, small.capacity()); // no connector
              app.onDatagram(agent, small, 0, 0); // empty
            });
    assertEquals(0, bytes, "bytes allocated over " + MEASURED + " rounds of drops");
    assertEquals(0, connector.sentCount);
  }
}
