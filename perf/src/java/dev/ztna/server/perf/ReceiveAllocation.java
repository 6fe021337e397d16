package dev.ztna.server.perf;

import dev.ztna.server.loop.DatagramIo;
import dev.ztna.server.loop.DatagramIos;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ServerCounters;
import dev.ztna.server.loop.UdpEndpoint;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What receiving from interleaving senders costs on one listen socket, per I/O: bytes the receiving
 * thread allocates per datagram, datagrams/s, and the collections and GC time over the run. One
 * sender thread writes round-robin from {@code senders} connected client sockets (allocation-free);
 * the receiving thread runs {@link DatagramIo#receive} as the loop does and answers nothing.
 *
 * <pre>
 * java -cp ... dev.ztna.server.perf.ReceiveAllocation nio|batched SENDERS SECONDS [LIVE_MB]
 * </pre>
 *
 * <p>{@code LIVE_MB} keeps that much of an object graph reachable (100-byte nodes linked into
 * arrays, like connection state), so the collections run with an old generation the size a server
 * with many connections has.
 */
public final class ReceiveAllocation {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private ReceiveAllocation() {}

  private static long received;

  public static void main(String[] args) throws Exception {
    ServerConfig.IoMode mode =
        ServerConfig.IoMode.valueOf(args[0].toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
    int senders = Integer.parseInt(args[1]);
    long seconds = Long.parseLong(args[2]);
    long liveMb = args.length > 3 ? Long.parseLong(args[3]) : 0;
    Object[][] live = new Object[(int) (liveMb * 1024 * 1024 / 100 / 1024) + 1][];
    for (int i = 0; i < live.length; i++) {
      live[i] = new Object[1024];
      for (int j = 0; j < 1024; j++) {
        live[i][j] = new byte[84]; // 100 bytes with its header
      }
    }
    System.gc();
    ServerCounters counters = new ServerCounters();
    DatagramIo io =
        DatagramIos.open(mode, List.of(new InetSocketAddress("127.0.0.1", 0)), counters);
    UdpEndpoint endpoint = io.endpoints().get(0);
    DatagramChannel[] clients = new DatagramChannel[senders];
    for (int i = 0; i < senders; i++) {
      clients[i] = DatagramChannel.open();
      clients[i].bind(new InetSocketAddress("127.0.0.1", 0));
      clients[i].connect(endpoint.localAddress());
      clients[i].configureBlocking(false);
    }
    AtomicBoolean running = new AtomicBoolean(true);
    Thread sender =
        new Thread(
            () -> {
              ByteBuffer out = ByteBuffer.allocateDirect(200);
              try {
                while (running.get()) {
                  for (DatagramChannel c : clients) {
                    out.clear();
                    c.write(out);
                  }
                }
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            },
            "sender");
    byte[] rx = new byte[65_536];
    DatagramIo.Receiver receiver = (ep, from, len) -> ++received > 0;
    sender.start();
    // Warm-up: 2 s.
    long warm = System.nanoTime() + 2_000_000_000L;
    while (System.nanoTime() < warm) {
      io.receive(endpoint, rx, receiver, 64);
    }
    long gcCount0 = 0;
    long gcTime0 = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcCount0 += gc.getCollectionCount();
      gcTime0 += gc.getCollectionTime();
    }
    long received0 = received;
    long alloc0 = THREADS.getCurrentThreadAllocatedBytes();
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      io.receive(endpoint, rx, receiver, 64);
    }
    long elapsed = System.nanoTime() - start;
    long alloc = THREADS.getCurrentThreadAllocatedBytes() - alloc0;
    long n = received - received0;
    long gcCount = -gcCount0;
    long gcTime = -gcTime0;
    StringBuilder gcs = new StringBuilder();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcCount += gc.getCollectionCount();
      gcTime += gc.getCollectionTime();
      gcs.append(gc.getName()).append(' ');
    }
    running.set(false);
    sender.join();
    System.out.printf(
        "io=%s senders=%d live_mb=%d jdk=%s gc=[%s] datagrams=%d rate=%.0f/s alloc=%.1f B/datagram"
            + " (%.1f MB/s) gc_count=%d gc_time_ms=%d receive_errors=%d%n",
        io.name(),
        senders,
        liveMb,
        Runtime.version(),
        gcs.toString().trim(),
        n,
        n * 1e9 / elapsed,
        n == 0 ? 0.0 : (double) alloc / n,
        alloc * 1e3 / elapsed,
        gcCount,
        gcTime,
        counters.get(ServerCounters.Counter.RECEIVE_ERRORS));
    java.lang.ref.Reference.reachabilityFence(live); // keeps the graph reachable to the end
    io.close();
    for (DatagramChannel c : clients) {
      c.close();
    }
  }
}
