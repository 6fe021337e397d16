package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.loop.CountersFile;
import dev.ztna.server.loop.LoopMetrics;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ServerCounters;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.loop.TestIo;
import dev.ztna.server.loop.ZtnaServer;
import dev.ztna.server.relay.RelayApplication;
import dev.ztna.server.relay.RelayCounters;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay path allocates nothing: with a real quiche Agent and Connector relaying through the
 * server, the bytes allocated by the server's duty-cycle thread (receive, header parse, CID
 * routing, decrypt, frame parse, relay lookup, DATAGRAM queue, encrypt, send, ACKs and timers) stay
 * at 0 over thousands of round trips after warm-up.
 */
class RelayPathAllocationTest {
  private static final int WINDOW = 16;
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  static byte[] register(int type, String service) {
    byte[] id = service.getBytes(StandardCharsets.UTF_8);
    byte[] m = new byte[2 + id.length];
    m[0] = (byte) type;
    m[1] = (byte) id.length;
    System.arraycopy(id, 0, m, 2, id.length);
    return m;
  }

  static byte[] ipPacket(int seq, int size) {
    byte[] p = new byte[size];
    p[0] = 0x45;
    p[12] = 10;
    p[15] = 1;
    p[16] = 10;
    p[19] = 2;
    p[20] = (byte) (seq >>> 24);
    p[21] = (byte) (seq >>> 16);
    p[22] = (byte) (seq >>> 8);
    p[23] = (byte) seq;
    return p;
  }

  /**
   * Agent sends, Connector echoes back through the relay, WINDOW in flight; returns round trips
   * done.
   */
  private static void pingPong(QuicheConnection agent, QuicheConnection connector, int count)
      throws InterruptedException {
    int sent = 0;
    int received = 0;
    while (received < count) {
      while (sent < count && sent - received < WINDOW) {
        agent.sendDatagram(ipPacket(sent++, 200));
      }
      byte[] atConnector = connector.datagrams().poll(30, TimeUnit.SECONDS);
      assertNotNull(atConnector, "relayed to the Connector");
      connector.sendDatagram(atConnector);
      byte[] back = agent.datagrams().poll(30, TimeUnit.SECONDS);
      assertNotNull(back, "relayed back to the Agent");
      assertEquals(200, back.length);
      received++;
    }
  }

  @Test
  void relayedDatagramsAllocateNothingOnTheLoopThread() throws Exception {
    relay(b -> b);
  }

  /**
   * The same with every connection traced into qlog and its secrets key-logged (issue 12): the loop
   * thread only copies records into the writers' ring buffers, still 0 bytes.
   */
  @Test
  void relayedDatagramsAllocateNothingWithQlogAndKeyLogOn(@TempDir Path dir) throws Exception {
    ZtnaServer server =
        relay(b -> b.qlogDir(dir.resolve("qlog")).keyLogFile(dir.resolve("keys.log")));
    assertEquals(2, server.qlogWriter().connections());
    assertEquals(8, server.keyLogWriter().written());
  }

  private static ZtnaServer relay(UnaryOperator<ServerConfig.Builder> tweak) throws Exception {
    // As the launcher runs it: counters in a memory-mapped file, loop histograms recorded, and
    // histograms swapped out by another thread while the loop records.
    CountersFile file = CountersFile.create(Files.createTempFile("ztna-alloc-", ".counters"));
    RelayCounters relayCounters = new RelayCounters(file.manager());
    LoopMetrics metrics = new LoopMetrics();
    try (HighDescriptors descriptors = new HighDescriptors();
        file;
        ZtnaServer server =
            ServerFixture.start(
                new RelayApplication(relayCounters),
                new ServerCounters(file.manager()),
                metrics,
                b -> tweak.apply(b.io(TestIo.zeroAllocationMode())));
        QuicheClient agentClient = new QuicheClient(30_000);
        QuicheClient connectorClient = new QuicheClient(30_000)) {
      var address = server.localAddresses().get(0);
      QuicheConnection agent = agentClient.handshake(address, Duration.ofSeconds(30));
      QuicheConnection connector = connectorClient.handshake(address, Duration.ofSeconds(30));
      // Both first receive OBSERVED_ADDRESS (7 bytes, 0x01 + IPv4 + port).
      byte[] qad = agent.datagrams().poll(30, TimeUnit.SECONDS);
      assertNotNull(qad);
      assertEquals(7, qad.length);
      assertNotNull(connector.datagrams().poll(30, TimeUnit.SECONDS));
      connector.sendDatagram(register(0x11, "alloc-test"));
      agent.sendDatagram(register(0x10, "alloc-test"));
      // Registration is asynchronous: retry the first packet until it arrives.
      byte[] first = null;
      for (int attempt = 0; attempt < 300 && first == null; attempt++) {
        agent.sendDatagram(ipPacket(-1, 200));
        first = connector.datagrams().poll(100, TimeUnit.MILLISECONDS);
      }
      assertNotNull(first, "the relay never routed Agent -> Connector");
      assertArrayEquals(ipPacket(-1, 200), first);
      connector.datagrams().clear();

      pingPong(agent, connector, 20_000);
      org.HdrHistogram.Histogram spare = metrics.relayLatencyInterval(null);
      long thread = server.loopThread().getId();
      long best = Long.MAX_VALUE;
      for (int attempt = 0; attempt < 3 && best != 0; attempt++) {
        long before = THREADS.getThreadAllocatedBytes(thread);
        pingPong(agent, connector, 5_000);
        spare = metrics.relayLatencyInterval(spare); // the admin thread's swap, mid-traffic
        best = Math.min(best, THREADS.getThreadAllocatedBytes(thread) - before);
      }
      if (best != 0) {
        // Say where: sample the loop thread's allocations with JFR over one more round.
        System.out.println(AllocationSites.sample(thread, () -> pingPong(agent, connector, 5_000)));
      }
      System.out.println(
          "relay path: loop thread allocated "
              + best
              + " bytes over 10000 relayed datagrams; counters: "
              + server.counters()
              + " relay: "
              + relayCounters);
      assertEquals(
          TestIo.zeroAllocationMode().name(), server.ioName().toUpperCase().replace('-', '_'));
      assertEquals(0, best, "bytes allocated by the loop thread over 10000 relayed datagrams");
      assertEquals(0, server.counters().get(Counter.RECEIVE_ERRORS));
      assertTrue(spare.getTotalCount() > 0, "relay latency recorded");
      return server; // closed on return: its writers have drained
    }
  }
}
