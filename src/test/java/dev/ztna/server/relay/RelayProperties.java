package dev.ztna.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.policy.Policy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Random interleavings of registrations, relayed packets, malformed input and closes (seeded by
 * jqwik): the registry always agrees with a simple model, a datagram only ever reaches a client of
 * the sender's service, nothing throws, and once every connection has ended the registry is empty.
 */
class RelayProperties {
  private static final String[] SERVICES = {"a", "b", "\u00e9t\u00e9"};

  @Property(tries = 200)
  void registryMatchesAModelAndNothingLeaks(@ForAll long seed) {
    Random random = new Random(seed);
    RelayCounters counters = new RelayCounters();
    RelayApplication app =
        new RelayApplication(counters, new Registry(counters, seed, random.nextBoolean() ? -1 : 1));
    List<FakeConnection> open = new ArrayList<>();
    Map<FakeConnection, String> serviceOf = new HashMap<>();
    Map<FakeConnection, Role> roleOf = new HashMap<>();
    Map<String, FakeConnection> connectorOf = new HashMap<>();
    for (int step = 0; step < 200; step++) {
      int action = random.nextInt(10);
      if (action < 2 || open.isEmpty()) {
        FakeConnection c = new FakeConnection();
        c.closeListener = random.nextBoolean() ? app : null;
        open.add(c);
        app.onEstablished(c);
        c.drain();
        continue;
      }
      FakeConnection c = open.get(random.nextInt(open.size()));
      if (action < 5) {
        String service = SERVICES[random.nextInt(SERVICES.length)];
        int type = random.nextBoolean() ? RegisterMessage.TYPE_AGENT : 0x11;
        byte[] m = Packets.register(type, service);
        if (random.nextInt(8) == 0) {
          m[1]++; // malformed: length disagrees
        }
        boolean malformed = m[1] != m.length - 2;
        app.onDatagram(c, new UnsafeBuffer(m), 0, m.length);
        if (!serviceOf.containsKey(c) && !c.closing) {
          if (malformed) {
            assertEquals(RelayApplication.ERROR_MALFORMED_REGISTER, c.closeCode);
          } else {
            serviceOf.put(c, service);
            Role role = Role.ofType(type);
            roleOf.put(c, role);
            if (role == Role.CONNECTOR) {
              FakeConnection old = connectorOf.put(service, c);
              if (old != null) {
                assertEquals(RelayApplication.ERROR_REPLACED, old.closeCode);
              }
            }
          }
        }
      } else if (action < 8) {
        byte[] packet =
            random.nextBoolean()
                ? Packets.ipv4(random.nextInt(4), random.nextInt(4), random.nextInt(30))
                : Packets.ipv6(0, random.nextInt(4), 0, random.nextInt(4), random.nextInt(30));
        app.onDatagram(c, new UnsafeBuffer(packet), 0, packet.length);
        for (FakeConnection other : open) {
          for (byte[] got : other.drain()) {
            assertTrue(other != c, "never back to the sender");
            assertEquals(serviceOf.get(c), serviceOf.get(other), "same service");
            assertTrue(roleOf.get(c) != roleOf.get(other), "Agent <-> Connector");
            assertEquals(packet.length, got.length);
          }
        }
      } else {
        open.remove(c);
        app.onClosed(c, 0, false, random.nextBoolean(), "closed");
        String service = serviceOf.remove(c);
        roleOf.remove(c);
        if (service != null && connectorOf.get(service) == c) {
          connectorOf.remove(service);
        }
      }
      for (String service : SERVICES) {
        assertSame(connectorOf.get(service), app.registry().lookupConnector(service), service);
        long agents = 0;
        for (Map.Entry<FakeConnection, Role> e : roleOf.entrySet()) {
          if (e.getValue() == Role.AGENT && service.equals(serviceOf.get(e.getKey()))) {
            agents++;
          }
        }
        assertEquals(agents, app.registry().agentCount(service), service);
      }
    }
    for (FakeConnection c : open) {
      app.onClosed(c, 0, false, false, "shutdown");
    }
    assertTrue(app.registry().isEmpty());
  }

  /**
   * Arbitrary datagrams (random first bytes, lengths 0..80, any REGISTER tail) from any of a few
   * connections never throw, and every datagram is either relayed, a registration, or counted as a
   * drop or a malformed REGISTER.
   */
  @Property(tries = 300)
  void arbitraryDatagramsNeverThrowAndAreAllAccountedFor(
      @ForAll @Size(max = 60) List<@Size(max = 80) byte[]> datagrams, @ForAll long seed) {
    Random random = new Random(seed);
    RelayCounters counters = new RelayCounters();
    // Half the runs under an mtls policy: two allowed identities, one stranger, one anonymous.
    boolean mtls = random.nextBoolean();
    Policy policy =
        mtls
            ? Policy.builder().service("s", List.of("c", "x"), List.of("a", "x")).build()
            : Policy.allowAll();
    RelayApplication app = new RelayApplication(counters, policy);
    String[] identities = {"c", "a", random.nextBoolean() ? "x" : "stranger", null};
    FakeConnection[] cs = new FakeConnection[4];
    for (int i = 0; i < cs.length; i++) {
      cs[i] = new FakeConnection();
      cs[i].identity = identities[i];
      cs[i].maxDatagramPayload = 40 + random.nextInt(60);
    }
    byte[] agentReg = Packets.register(RegisterMessage.TYPE_AGENT, "s");
    byte[] connectorReg = Packets.register(RegisterMessage.TYPE_CONNECTOR, "s");
    app.onDatagram(cs[0], new UnsafeBuffer(connectorReg), 0, connectorReg.length);
    app.onDatagram(cs[1], new UnsafeBuffer(agentReg), 0, agentReg.length);
    long delivered = 0;
    for (byte[] d : datagrams) {
      byte[] framed = new byte[d.length + 3];
      System.arraycopy(d, 0, framed, 1, d.length);
      app.onDatagram(cs[random.nextInt(cs.length)], new UnsafeBuffer(framed), 1, d.length);
      delivered++;
    }
    long accounted = 0;
    for (RelayCounters.Counter c : RelayCounters.Counter.values()) {
      String label = c.label();
      if (label.startsWith("drop_")
          || label.endsWith("_datagrams")
          || label.endsWith("_registered")
          || label.startsWith("policy_") && c != RelayCounters.Counter.POLICY_RELOADS
          || c == RelayCounters.Counter.REGISTER_MALFORMED) {
        accounted += counters.get(c);
      }
    }
    assertEquals(delivered + 2, accounted, "mtls=" + mtls + " " + counters);
    if (!mtls) {
      assertEquals(0, counters.get(RelayCounters.Counter.POLICY_IDENTITY_NOT_ALLOWED));
    }
  }
}
