package dev.ztna.server.relay;

import static dev.ztna.server.relay.Packets.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ztna.server.relay.RelayCounters.Counter;
import java.lang.management.ManagementFactory;
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
