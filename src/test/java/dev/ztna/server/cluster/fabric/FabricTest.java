package dev.ztna.server.cluster.fabric;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.cluster.fabric.FabricCounters.Counter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fabric on real embedded media drivers over UDP on 127.0.0.1: messages arrive unchanged, and
 * an offer that cannot go (peer absent, window full, too big, unknown node) returns at once and is
 * counted under its reason.
 */
class FabricTest {
  private static final UnsafeBuffer SERVICE =
      new UnsafeBuffer("svc".getBytes(StandardCharsets.UTF_8));

  @TempDir Path dir;

  /** What a handler received: kind, node, handle, service id, payload. */
  static final class Received {
    final int kind;
    final int node;
    final long handle;
    final byte[] serviceId;
    final byte[] payload;

    Received(int kind, int node, long handle, DirectBuffer b, int io, int il, int po, int pl) {
      this.kind = kind;
      this.node = node;
      this.handle = handle;
      this.serviceId = new byte[il];
      b.getBytes(io, serviceId);
      this.payload = new byte[pl];
      b.getBytes(po, payload);
    }
  }

  static final class Recorder implements FabricHandler {
    final List<Received> received = new ArrayList<>();

    @Override
    public void onToConnector(
        int node, long handle, DirectBuffer b, int io, int il, int po, int pl) {
      received.add(new Received(FabricHeader.KIND_TO_CONNECTOR, node, handle, b, io, il, po, pl));
    }

    @Override
    public void onToAgent(int node, long handle, DirectBuffer b, int io, int il, int po, int pl) {
      received.add(new Received(FabricHeader.KIND_TO_AGENT, node, handle, b, io, il, po, pl));
    }

    @Override
    public void onAgentGone(int node, long handle) {
      received.add(new Received(FabricHeader.KIND_AGENT_GONE, node, handle, SERVICE, 0, 0, 0, 0));
    }
  }

  static List<InetSocketAddress> endpoints(int n) throws Exception {
    List<InetSocketAddress> out = new ArrayList<>();
    List<java.net.DatagramSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        java.net.DatagramSocket s =
            new java.net.DatagramSocket(
                new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
        held.add(s);
        out.add(new InetSocketAddress("127.0.0.1", s.getLocalPort()));
      }
    } finally {
      for (java.net.DatagramSocket s : held) {
        s.close();
      }
    }
    return out;
  }

  private Fabric start(int node, List<InetSocketAddress> nodes, FabricCounters counters) {
    return start(node, nodes, counters, FabricConfig.Threading.SHARED);
  }

  private Fabric start(
      int node,
      List<InetSocketAddress> nodes,
      FabricCounters counters,
      FabricConfig.Threading threading) {
    return Fabric.start(
        FabricConfig.builder(node, nodes)
            .aeronDir(dir.resolve("aeron-" + node))
            .termLength(FabricConfig.MIN_TERM_LENGTH)
            .threading(threading)
            .build(),
        counters);
  }

  @Test
  void dedicatedThreadingDeliversToo() throws Exception {
    List<InetSocketAddress> nodes = endpoints(2);
    FabricCounters c0 = new FabricCounters();
    FabricCounters c1 = new FabricCounters();
    try (Fabric f0 = start(0, nodes, c0, FabricConfig.Threading.DEDICATED);
        Fabric f1 = start(1, nodes, c1, FabricConfig.Threading.DEDICATED)) {
      Recorder recorder = new Recorder();
      f1.handler(recorder);
      awaitConnected(f0, f1);
      UnsafeBuffer data = new UnsafeBuffer(new byte[] {1, 2, 3});
      int sent = f0.offerToConnector(1, 5, SERVICE, 0, 3, data, 0, 3);
      assertEquals(
          Fabric.SENT,
          sent,
          () ->
              "a connected fabric refused an offer: back-pressured="
                  + c0.get(Counter.DROP_BACK_PRESSURE)
                  + " not-connected="
                  + c0.get(Counter.DROP_NOT_CONNECTED)
                  + " admin-action="
                  + c0.get(Counter.DROP_ADMIN_ACTION));
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (recorder.received.isEmpty()) {
        assertTrue(System.nanoTime() < deadline, "message never arrived");
        if (f1.poll() == 0) {
          Thread.sleep(1);
        }
      }
      assertArrayEquals(new byte[] {1, 2, 3}, recorder.received.get(0).payload);
      assertEquals(5, recorder.received.get(0).handle);
    }
  }

  private static void awaitConnected(Fabric a, Fabric b) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!(a.isConnectedToAllPeers() && b.isConnectedToAllPeers())) {
      assertTrue(System.nanoTime() < deadline, "the two fabric nodes never connected");
      Thread.sleep(10);
    }
  }

  @Test
  void messagesArriveUnchangedWithTheirHeader() throws Exception {
    List<InetSocketAddress> nodes = endpoints(2);
    FabricCounters c0 = new FabricCounters();
    FabricCounters c1 = new FabricCounters();
    try (Fabric f0 = start(0, nodes, c0);
        Fabric f1 = start(1, nodes, c1)) {
      Recorder recorder = new Recorder();
      f1.handler(recorder);
      awaitConnected(f0, f1);
      UnsafeBuffer data = new UnsafeBuffer(new byte[1200]);
      for (int i = 0; i < data.capacity(); i++) {
        data.putByte(i, (byte) (i * 7));
      }
      assertEquals(Fabric.SENT, f0.offerToConnector(1, 42, SERVICE, 0, 3, data, 0, 1200));
      assertEquals(Fabric.SENT, f0.offerToAgent(1, 43, SERVICE, 0, 0, data, 5, 100));
      assertEquals(
          Fabric.SENT, f0.offerToAgent(1, FabricHeader.SOLE_AGENT, SERVICE, 0, 3, data, 0, 1));
      assertEquals(Fabric.SENT, f0.offerAgentGone(1, 44));
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (recorder.received.size() < 4) {
        assertTrue(System.nanoTime() < deadline, "messages never arrived");
        if (f1.poll() == 0) {
          Thread.sleep(1);
        }
      }
      Received a = recorder.received.get(0);
      assertEquals(FabricHeader.KIND_TO_CONNECTOR, a.kind);
      assertEquals(0, a.node);
      assertEquals(42, a.handle);
      assertEquals("svc", new String(a.serviceId, StandardCharsets.UTF_8));
      byte[] expected = new byte[1200];
      data.getBytes(0, expected);
      assertArrayEquals(expected, a.payload);
      Received b = recorder.received.get(1);
      assertEquals(FabricHeader.KIND_TO_AGENT, b.kind);
      assertEquals(43, b.handle);
      assertEquals(0, b.serviceId.length);
      assertEquals(100, b.payload.length);
      assertEquals(data.getByte(5), b.payload[0]);
      Received sole = recorder.received.get(2);
      assertEquals(FabricHeader.SOLE_AGENT, sole.handle);
      assertEquals(3, sole.serviceId.length);
      assertEquals(FabricHeader.KIND_AGENT_GONE, recorder.received.get(3).kind);
      assertEquals(44, recorder.received.get(3).handle);
      assertEquals(4, c0.get(Counter.SENT));
      assertEquals(4, c1.get(Counter.RECEIVED));
      assertEquals(1301, c1.get(Counter.RECEIVED_BYTES));
      assertEquals(0, c1.get(Counter.DROP_MALFORMED));
    }
  }

  @Test
  void aPeerThatIsNotThereCountsNotConnected() throws Exception {
    List<InetSocketAddress> nodes = endpoints(2);
    FabricCounters counters = new FabricCounters();
    try (Fabric f0 = start(0, nodes, counters)) {
      UnsafeBuffer data = new UnsafeBuffer(new byte[100]);
      for (int i = 0; i < 1000; i++) {
        assertEquals(Fabric.DROPPED, f0.offerToConnector(1, 1, SERVICE, 0, 3, data, 0, 100));
      }
      assertEquals(1000, counters.get(Counter.DROP_NOT_CONNECTED));
      assertEquals(0, counters.get(Counter.SENT));
    }
  }

  @Test
  void aFullWindowCountsBackPressureAndNeverBlocks() throws Exception {
    List<InetSocketAddress> nodes = endpoints(2);
    FabricCounters c0 = new FabricCounters();
    FabricCounters c1 = new FabricCounters();
    try (Fabric f0 = start(0, nodes, c0);
        Fabric f1 = start(1, nodes, c1)) {
      Recorder recorder = new Recorder();
      f1.handler(recorder);
      awaitConnected(f0, f1);
      // Node 1 does not poll: its image fills, its receiver window closes, and node 0's
      // publication (64 KiB terms) runs into its limit.
      UnsafeBuffer data = new UnsafeBuffer(new byte[1000]);
      int offers = 0;
      while (c0.get(Counter.DROP_BACK_PRESSURE) == 0) {
        assertTrue(offers < 1_000_000, "never back-pressured");
        f0.offerToConnector(1, offers, SERVICE, 0, 3, data, 0, 1000);
        offers++;
      }
      long sent = c0.get(Counter.SENT);
      assertEquals(
          offers,
          sent + c0.get(Counter.DROP_BACK_PRESSURE) + c0.get(Counter.DROP_ADMIN_ACTION),
          "every offer is either sent or counted");
      assertTrue(sent < 2 * FabricConfig.MIN_TERM_LENGTH / 1000, "sent " + sent);
      // Whatever was sent arrives once node 1 reads, in order.
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (recorder.received.size() < sent) {
        assertTrue(System.nanoTime() < deadline, "sent messages never arrived");
        if (f1.poll() == 0) {
          Thread.sleep(1);
        }
      }
      for (int i = 0; i < recorder.received.size(); i++) {
        assertEquals(1000, recorder.received.get(i).payload.length);
      }
    }
  }

  @Test
  void tooBigAndUnknownNodesAreCounted() throws Exception {
    List<InetSocketAddress> nodes = endpoints(2);
    FabricCounters counters = new FabricCounters();
    try (Fabric f0 = start(0, nodes, counters)) {
      int max = f0.maxPayload(1, 3);
      assertTrue(max >= 1320, "max payload " + max); // a 1350-byte QUIC packet carries less
      UnsafeBuffer data = new UnsafeBuffer(new byte[max + 1]);
      assertEquals(Fabric.DROPPED, f0.offerToConnector(1, 1, SERVICE, 0, 3, data, 0, max + 1));
      assertEquals(1, counters.get(Counter.DROP_TOO_BIG));
      assertEquals(Fabric.DROPPED, f0.offerToConnector(0, 1, SERVICE, 0, 3, data, 0, 10));
      assertEquals(Fabric.DROPPED, f0.offerToConnector(2, 1, SERVICE, 0, 3, data, 0, 10));
      assertEquals(2, counters.get(Counter.DROP_UNKNOWN_NODE));
    }
  }
}
