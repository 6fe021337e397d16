package dev.ztna.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ztna.server.cluster.LocalServiceDirectory;
import dev.ztna.server.cluster.ServiceDirectory;
import dev.ztna.server.cluster.fabric.Fabric;
import dev.ztna.server.cluster.fabric.FabricConfig;
import dev.ztna.server.cluster.fabric.FabricCounters;
import dev.ztna.server.relay.RelayCounters.Counter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay's cross-node rules against an in-memory directory, on node 0 of two (node 1 is only a
 * directory view here: its fabric endpoint has no one, so offers to it count as not connected).
 */
class FabricRoutesTest {
  private static final String SERVICE = "db";
  private static final UnsafeBuffer ID = new UnsafeBuffer(SERVICE.getBytes(StandardCharsets.UTF_8));

  @TempDir Path dir;

  private Fabric fabric;
  private LocalServiceDirectory node1;
  private RelayApplication relay;
  private long now = 1;

  @BeforeEach
  void start() throws Exception {
    InetSocketAddress e0;
    InetSocketAddress e1;
    try (DatagramSocket a = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        DatagramSocket b = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      e0 = new InetSocketAddress("127.0.0.1", a.getLocalPort());
      e1 = new InetSocketAddress("127.0.0.1", b.getLocalPort());
    }
    fabric =
        Fabric.start(
            FabricConfig.builder(0, List.of(e0, e1))
                .aeronDir(dir.resolve("aeron"))
                .termLength(FabricConfig.MIN_TERM_LENGTH)
                .build(),
            new FabricCounters());
    LocalServiceDirectory.Log log = new LocalServiceDirectory.Log(2);
    node1 = log.node(1);
    relay = new RelayApplication(new RelayCounters()).withFabric(fabric, log.node(0));
  }

  @AfterEach
  void stop() {
    fabric.close();
  }

  private void dutyCycle() {
    relay.onDutyCycle(now++);
  }

  private FakeConnection register(int type) {
    FakeConnection c = new FakeConnection();
    byte[] m = Packets.register(type, SERVICE);
    relay.onDatagram(c, Packets.buffer(m), 0, m.length);
    return c;
  }

  private long fabric(FabricCounters.Counter c) {
    return fabric.counters().get(c);
  }

  @Test
  void anotherNodeReportedAfterThisOneClosesTheLocalConnectorWith0x102() {
    FakeConnection connector = register(0x11);
    node1.announceConnector(ID, 0, ID.capacity()); // ordered after node 0's announcement
    dutyCycle();
    assertEquals(RelayApplication.ERROR_REPLACED, connector.closeCode);
    assertEquals(1, fabric(FabricCounters.Counter.CONNECTORS_TAKEN_OVER));
    assertEquals(0, relay.counters().get(Counter.REGISTERED_CONNECTORS));
    // It does not withdraw: the directory names node 1.
    relay.onClosed(connector, RelayApplication.ERROR_REPLACED, true, false, "replaced");
    node1.poll();
    assertEquals(1, node1.connectorNode(ID, 0, ID.capacity()));
  }

  @Test
  void aReportOrderedBeforeThisConnectorsOwnAnnouncementIsIgnored() {
    node1.announceConnector(ID, 0, ID.capacity());
    FakeConnection connector = register(0x11); // announced after node 1's: it wins
    dutyCycle();
    assertEquals(-1, connector.closeCode);
    assertEquals(0, fabric(FabricCounters.Counter.CONNECTORS_TAKEN_OVER));
    node1.announceConnector(ID, 0, ID.capacity()); // now newer than node 0's
    dutyCycle();
    assertEquals(RelayApplication.ERROR_REPLACED, connector.closeCode);
  }

  @Test
  void aNewerConnectorOnTheSameNodeIsConfirmedAtOnce() {
    FakeConnection first = register(0x11);
    dutyCycle(); // node 0 confirmed as the holder
    FakeConnection second = register(0x11); // replaces the first here (0x102, as on one node)
    assertEquals(RelayApplication.ERROR_REPLACED, first.closeCode);
    dutyCycle(); // node 0 again: no change, no report
    node1.announceConnector(ID, 0, ID.capacity());
    dutyCycle();
    assertEquals(RelayApplication.ERROR_REPLACED, second.closeCode);
  }

  @Test
  void anAgentsDatagramGoesToTheConnectorsNode() {
    FakeConnection agent = register(0x10);
    byte[] packet = Packets.ipv4(Packets.ip(10, 0, 0, 1), Packets.ip(10, 9, 0, 1), 50);
    relay.onDatagram(agent, Packets.buffer(packet), 0, packet.length);
    assertEquals(1, relay.counters().get(Counter.DROP_NO_CONNECTOR));
    node1.announceConnector(ID, 0, ID.capacity());
    dutyCycle();
    relay.onDatagram(agent, Packets.buffer(packet), 0, packet.length);
    // Offered to node 1, whose endpoint has no subscriber here.
    assertEquals(1, fabric(FabricCounters.Counter.DROP_NOT_CONNECTED));
    assertEquals(1, relay.counters().get(Counter.DROP_NO_CONNECTOR));
  }

  @Test
  void registrationsAreAnnouncedAndWithdrawn() {
    FakeConnection agent = register(0x10);
    FakeConnection connector = register(0x11);
    node1.poll();
    assertEquals(0, node1.soleAgentNode(ID, 0, ID.capacity()));
    assertEquals(0, node1.connectorNode(ID, 0, ID.capacity()));
    relay.onClosed(agent, 0, false, true, "");
    relay.onClosed(connector, 0, false, true, "");
    node1.poll();
    assertEquals(ServiceDirectory.NO_NODE, node1.soleAgentNode(ID, 0, ID.capacity()));
    assertEquals(ServiceDirectory.NO_NODE, node1.connectorNode(ID, 0, ID.capacity()));
  }
}
