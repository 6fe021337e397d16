package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fault proxy itself, against a plain UDP echo server on loopback (no QUIC involved). */
class FaultProxyTest {
  private static final long SEED = 20261121L;
  private static final int BATCH = 64;

  private EchoServer echo;
  private FaultProxy proxy;
  private DatagramSocket client;

  @BeforeEach
  void setUp() throws IOException {
    echo = new EchoServer();
    proxy = new FaultProxy(echo.address(), SEED);
    client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    client.setReceiveBufferSize(FaultProxy.SOCKET_BUFFER_BYTES);
    client.setSendBufferSize(FaultProxy.SOCKET_BUFFER_BYTES);
    client.setSoTimeout(10_000);
  }

  @AfterEach
  void tearDown() {
    client.close();
    proxy.close();
    echo.close();
    assertNull(proxy.failure(), "proxy I/O thread failed");
  }

  static void awaitCondition(String what, BooleanSupplier condition) throws InterruptedException {
    QuicheRetryTest.awaitCondition(what, condition);
  }

  private InetSocketAddress clientAddress() {
    return (InetSocketAddress) client.getLocalSocketAddress();
  }

  private void send(byte[] data) throws IOException {
    client.send(new DatagramPacket(data, data.length, proxy.clientFacingAddress()));
  }

  private byte[] receiveAtClient() throws IOException {
    byte[] buf = new byte[65_536];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    client.receive(p);
    assertEquals(proxy.clientFacingAddress(), p.getSocketAddress(), "reply comes from the proxy");
    byte[] out = new byte[p.getLength()];
    System.arraycopy(buf, 0, out, 0, out.length);
    return out;
  }

  /**
   * Sends all payloads, at most {@link #BATCH} ahead of what the proxy has read, so no socket
   * buffer can overflow (the kernel would drop silently and spoil the counts).
   */
  private void sendPaced(List<byte[]> payloads) throws Exception {
    long base = proxy.clientToServerStats().received();
    for (int i = 0; i < payloads.size(); i++) {
      if (i % BATCH == 0) {
        long target = base + i;
        awaitCondition(
            "proxy to read the batch", () -> proxy.clientToServerStats().received() >= target);
      }
      send(payloads.get(i));
    }
    long all = base + payloads.size();
    awaitCondition("proxy to read everything", () -> proxy.clientToServerStats().received() >= all);
  }

  private static byte[] seq(int i, int size) {
    return ByteBuffer.allocate(Math.max(4, size)).putInt(0, i).array();
  }

  private static int seqOf(byte[] data) {
    return ByteBuffer.wrap(data).getInt(0);
  }

  /** Waits until the echo server has received everything the proxy sent it, and returns that. */
  private List<EchoServer.Received> echoReceivedAfterQuiet() throws Exception {
    awaitCondition(
        "echo to get all forwarded datagrams",
        () -> echo.count.get() >= proxy.clientToServerStats().forwarded());
    assertEquals(proxy.clientToServerStats().forwarded(), echo.count.get());
    List<EchoServer.Received> all = new ArrayList<>();
    echo.received.drainTo(all);
    return all;
  }

  @Test
  void forwardsBothWaysUnchanged() throws Exception {
    Random random = new Random(SEED);
    System.out.println("payload seed=" + SEED);
    for (int i = 0; i < 50; i++) {
      byte[] data = new byte[1 + random.nextInt(1400)];
      random.nextBytes(data);
      send(data);
      EchoServer.Received r = echo.received.poll(10, TimeUnit.SECONDS);
      assertArrayEquals(data, r.data, "server gets the client's bytes");
      assertEquals(proxy.upstreamAddressOf(clientAddress()), r.from, "server sees proxy port");
      assertArrayEquals(data, receiveAtClient(), "client gets the server's bytes");
    }
    assertEquals(List.of(clientAddress()), proxy.clients());
    assertEquals(50, proxy.clientToServerStats().forwarded());
    awaitCondition("replies counted", () -> proxy.serverToClientStats().forwarded() == 50);
    assertEquals(0, proxy.clientToServerStats().dropped() + proxy.serverToClientStats().dropped());
  }

  @Test
  void seededLossDropsExpectedFractionInShortBursts() throws Exception {
    int n = 3000;
    proxy.clientToServer().loss(0.3, 3);
    List<byte[]> payloads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      payloads.add(seq(i, 32));
    }
    sendPaced(payloads);
    List<EchoServer.Received> got = echoReceivedAfterQuiet();

    long dropped = proxy.clientToServerStats().dropped();
    assertEquals(n, got.size() + dropped);
    double fraction = dropped / (double) n;
    // Bernoulli(0.3) capped at bursts of 3 gives (p+p^2+p^3)/(1+p+p^2+p^3) = 0.294 in the long run.
    assertTrue(fraction > 0.25 && fraction < 0.34, "loss fraction " + fraction);

    // The same seed gives the same decisions: replay the policy offline.
    FaultProxy.Policy replay = new FaultProxy.Policy(new Random(SEED)).loss(0.3, 3);
    List<Integer> expectedSeqs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (replay.decide(payloads.get(i)).drop == FaultProxy.DropCause.NONE) {
        expectedSeqs.add(i);
      }
    }
    List<Integer> seqs = new ArrayList<>();
    for (EchoServer.Received r : got) {
      seqs.add(seqOf(r.data));
    }
    assertEquals(expectedSeqs, seqs, "same seed, same losses, order kept");

    int previous = -1;
    int longestRun = 0;
    for (int s : seqs) {
      longestRun = Math.max(longestRun, s - previous - 1);
      previous = s;
    }
    longestRun = Math.max(longestRun, n - 1 - previous);
    assertTrue(longestRun <= 3, "longest loss run " + longestRun);
    assertEquals(3, longestRun, "with 3000 tries a full burst of 3 happens");
  }

  @Test
  void corruptionChangesExactlyOneByteInTheFirst50() throws Exception {
    proxy.clientToServer().corrupt(1.0);
    Random random = new Random(SEED + 1);
    System.out.println("payload seed=" + (SEED + 1));
    for (int i = 0; i < 200; i++) {
      byte[] data = new byte[1 + random.nextInt(300)];
      random.nextBytes(data);
      send(data);
      byte[] got = echo.received.poll(10, TimeUnit.SECONDS).data;
      assertEquals(data.length, got.length);
      int differences = 0;
      for (int j = 0; j < data.length; j++) {
        if (data[j] != got[j]) {
          differences++;
          assertTrue(j < FaultProxy.CORRUPTION_WINDOW, "corrupted byte at " + j);
        }
      }
      assertEquals(1, differences, "datagram " + i);
      // The reply goes back uncorrupted (no fault in that direction).
      assertArrayEquals(got, receiveAtClient());
    }
    assertEquals(200, proxy.clientToServerStats().corrupted());
    assertEquals(0, proxy.serverToClientStats().corrupted());
  }

  @Test
  void partialCorruptionRateIsSeeded() throws Exception {
    proxy.serverToClient().corrupt(0.25);
    int n = 400;
    List<byte[]> payloads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      payloads.add(seq(i, 100));
    }
    sendPaced(payloads);
    awaitCondition("replies through", () -> proxy.serverToClientStats().forwarded() == n);
    int changed = 0;
    for (int i = 0; i < n; i++) {
      byte[] got = receiveAtClient();
      if (!java.util.Arrays.equals(seq(i, 100), got)) {
        changed++;
      }
    }
    assertEquals(proxy.serverToClientStats().corrupted(), changed);
    assertTrue(changed > 60 && changed < 140, "corrupted " + changed + " of " + n);
  }

  @Test
  void blackholeDropsEverythingThenRecovers() throws Exception {
    proxy.serverToClient().blackhole(true);
    for (int i = 0; i < 10; i++) {
      send(seq(i, 8));
    }
    awaitCondition("echo to get all", () -> echo.count.get() == 10);
    awaitCondition("replies blackholed", () -> proxy.serverToClientStats().dropped() == 10);
    assertEquals(0, proxy.serverToClientStats().forwarded());

    proxy.clientToServer().blackhole(true);
    send(seq(100, 8));
    awaitCondition("request blackholed", () -> proxy.clientToServerStats().dropped() == 1);
    assertEquals(10, echo.count.get());

    proxy.clientToServer().blackhole(false);
    proxy.serverToClient().blackhole(false);
    send(seq(200, 8));
    assertEquals(200, seqOf(receiveAtClient()), "recovered: first thing the client gets");
    assertEquals(11, echo.count.get());
  }

  @Test
  void rebindingChangesTheSourcePortTheServerSees() throws Exception {
    send(seq(1, 8));
    InetSocketAddress before = echo.received.poll(10, TimeUnit.SECONDS).from;
    assertEquals(1, seqOf(receiveAtClient()));
    assertEquals(proxy.upstreamAddressOf(clientAddress()), before);

    InetSocketAddress after = proxy.rebindOnlyClient();
    assertNotEquals(before.getPort(), after.getPort());
    assertEquals(after, proxy.upstreamAddressOf(clientAddress()));

    send(seq(2, 8));
    EchoServer.Received r = echo.received.poll(10, TimeUnit.SECONDS);
    assertEquals(2, seqOf(r.data));
    assertEquals(after, r.from, "server sees the new port");
    assertEquals(2, seqOf(receiveAtClient()), "replies to the new port reach the client");
    assertEquals(1, proxy.clients().size(), "still one client");
  }

  @Test
  void dropsClientDatagramsAfterTheFirstN() throws Exception {
    proxy.clientToServer().dropAfter(5);
    List<byte[]> payloads = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      payloads.add(seq(i, 1200));
    }
    sendPaced(payloads);
    List<EchoServer.Received> got = echoReceivedAfterQuiet();
    assertEquals(5, got.size());
    for (int i = 0; i < 5; i++) {
      assertEquals(i, seqOf(got.get(i).data));
    }
    assertEquals(7, proxy.clientToServerStats().droppedAfterN.get());
    assertEquals(5 * 1200, proxy.clientBytesDeliveredToServer());
    awaitCondition("replies", () -> proxy.serverToClientStats().forwarded() == 5);
    assertEquals(5 * 1200, proxy.serverSentBytes());
  }

  @Test
  void duplicationSendsTwice() throws Exception {
    proxy.clientToServer().duplicate(1.0);
    send(seq(7, 20));
    assertEquals(7, seqOf(echo.received.poll(10, TimeUnit.SECONDS).data));
    assertEquals(7, seqOf(echo.received.poll(10, TimeUnit.SECONDS).data));
    assertEquals(7, seqOf(receiveAtClient()));
    assertEquals(7, seqOf(receiveAtClient()));
    assertEquals(2, proxy.clientToServerStats().forwarded());
    assertEquals(1, proxy.clientToServerStats().duplicated());
  }

  @Test
  void reorderingSwapsNeighbours() throws Exception {
    proxy.clientToServer().reorder(1.0);
    for (int i = 0; i < 7; i++) {
      send(seq(i, 16));
    }
    // Pairs swap; the odd last one is released by the hold timeout.
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      order.add(seqOf(echo.received.poll(10, TimeUnit.SECONDS).data));
    }
    assertEquals(List.of(1, 0, 3, 2, 5, 4, 6), order);
  }

  @Test
  void countersAddUp() throws Exception {
    for (FaultProxy.Direction d : FaultProxy.Direction.values()) {
      proxy.policy(d).loss(0.2, 2).corrupt(0.1).duplicate(0.1).reorder(0.1);
    }
    int n = 600;
    Random random = new Random(SEED + 2);
    List<byte[]> payloads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      payloads.add(seq(i, 4 + random.nextInt(500)));
    }
    AtomicLong clientGot = new AtomicLong();
    AtomicLong clientGotBytes = new AtomicLong();
    Thread reader =
        new Thread(
            () -> {
              try {
                client.setSoTimeout(0);
                while (true) {
                  byte[] got = receiveAtClient();
                  clientGotBytes.addAndGet(got.length);
                  clientGot.incrementAndGet();
                }
              } catch (IOException e) {
                // socket closed at the end
              }
            },
            "test-client-reader");
    reader.setDaemon(true);
    reader.start();
    sendPaced(payloads);

    FaultProxy.Stats up = proxy.clientToServerStats();
    FaultProxy.Stats down = proxy.serverToClientStats();
    awaitCondition(
        "everything settled",
        () ->
            echo.count.get() == up.received() + up.duplicated() - up.dropped()
                && down.received() == echo.count.get()
                && clientGot.get() == down.received() + down.duplicated() - down.dropped());
    System.out.println("c->s " + up + "\ns->c " + down);
    for (FaultProxy.Stats s : List.of(up, down)) {
      assertEquals(s.received() + s.duplicated(), s.forwarded() + s.dropped());
      assertEquals(s.receivedBytes() + s.duplicatedBytes(), s.forwardedBytes() + s.droppedBytes());
      assertEquals(
          s.dropped(),
          s.droppedLoss.get()
              + s.droppedBlackhole.get()
              + s.droppedAfterN.get()
              + s.droppedByPredicate.get());
      assertTrue(s.dropped() > 0 && s.corrupted() > 0 && s.duplicated() > 0 && s.reordered() > 0);
      assertEquals(0, s.sendFailures());
    }
    assertEquals(n, up.received());
    assertEquals(echo.bytes.get(), proxy.clientBytesDeliveredToServer());
    assertEquals(echo.bytes.get(), proxy.serverSentBytes(), "echo sends back what it got");
    assertEquals(clientGotBytes.get(), down.forwardedBytes());
  }

  /** A UDP echo server on loopback that records what it receives and from where. */
  static final class EchoServer implements AutoCloseable {
    static final class Received {
      final byte[] data;
      final InetSocketAddress from;

      Received(byte[] data, InetSocketAddress from) {
        this.data = data;
        this.from = from;
      }
    }

    final DatagramSocket socket;
    final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    final AtomicLong count = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    private final Thread thread;

    EchoServer() throws SocketException {
      socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
      socket.setReceiveBufferSize(FaultProxy.SOCKET_BUFFER_BYTES);
      socket.setSendBufferSize(FaultProxy.SOCKET_BUFFER_BYTES);
      thread = new Thread(this::run, "echo-server");
      thread.setDaemon(true);
      thread.start();
    }

    InetSocketAddress address() {
      return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    private void run() {
      byte[] buf = new byte[65_536];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        while (true) {
          p.setData(buf);
          socket.receive(p);
          byte[] data = new byte[p.getLength()];
          System.arraycopy(buf, 0, data, 0, data.length);
          received.add(new Received(data, (InetSocketAddress) p.getSocketAddress()));
          bytes.addAndGet(data.length);
          count.incrementAndGet();
          socket.send(new DatagramPacket(data, data.length, p.getSocketAddress()));
        }
      } catch (SocketTimeoutException e) {
        // not used
      } catch (IOException e) {
        // closed
      }
    }

    @Override
    public void close() {
      socket.close();
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
