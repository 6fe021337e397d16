package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ztna.server.loop.ServerCounters.Counter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --io batched} receives from many interleaving senders on one socket, and answers each,
 * without allocating (the JDK's {@code DatagramChannel.receive} allocates a sender address whenever
 * the sender changes). Runs where batched runs (JDK 22+, Linux: the {@code batched-io} profile);
 * skipped elsewhere.
 */
class BatchedReceiveAllocationTest {
  private static final int SENDERS = 200;
  private static final int ROUNDS = 50;
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private final java.util.Map<InetSocketAddress, InetSocketAddress> first =
      new java.util.HashMap<>();
  private boolean warmingUp = true;
  private int received;
  private int wrongSender;
  private DatagramIo io;
  private final byte[] tx = new byte[100];

  private boolean onDatagram(UdpEndpoint endpoint, InetSocketAddress from, int len) {
    if (warmingUp) {
      first.putIfAbsent(from, from);
    } else if (first.get(from) != from) {
      wrongSender++; // the same sender must come as the same object
    }
    received++;
    io.send(endpoint, null, from, tx, len);
    return true;
  }

  @Test
  void interleavedSendersCostNothing() throws IOException {
    ServerCounters counters = new ServerCounters();
    io =
        DatagramIos.open(
            ServerConfig.IoMode.BATCHED, List.of(new InetSocketAddress("127.0.0.1", 0)), counters);
    DatagramChannel[] clients = new DatagramChannel[SENDERS];
    try {
      assumeTrue(io.name().equals("batched"), "batched I/O is not available here: " + io);
      UdpEndpoint endpoint = io.endpoints().get(0);
      for (int i = 0; i < SENDERS; i++) {
        clients[i] = AgentHarness.openClient();
        clients[i].connect(endpoint.localAddress());
      }
      ByteBuffer out = ByteBuffer.allocateDirect(100);
      ByteBuffer in = ByteBuffer.allocateDirect(2048);
      byte[] rx = new byte[65_536];
      DatagramIo.Receiver receiver = this::onDatagram;
      // Warm-up, and the senders as the I/O reports them (each must stay the same object).
      for (int round = 0; round < ROUNDS * 4; round++) {
        roundTrip(clients, endpoint, out, in, rx, receiver);
      }
      warmingUp = false;
      assertEquals(SENDERS, first.size());
      long best = Long.MAX_VALUE;
      for (int attempt = 0; attempt < 3 && best != 0; attempt++) {
        long start = THREADS.getCurrentThreadAllocatedBytes();
        for (int round = 0; round < ROUNDS; round++) {
          roundTrip(clients, endpoint, out, in, rx, receiver);
        }
        best = Math.min(best, THREADS.getCurrentThreadAllocatedBytes() - start);
      }
      System.out.println(
          "batched: "
              + best
              + " bytes allocated over "
              + SENDERS * ROUNDS
              + " datagrams from "
              + SENDERS
              + " interleaved senders, answered; counters: "
              + counters);
      assertEquals(0, wrongSender);
      assertEquals(0, counters.get(Counter.RECEIVE_ERRORS));
      assertEquals(0, best, "bytes allocated receiving and answering interleaved senders");
    } finally {
      for (DatagramChannel c : clients) {
        if (c != null) {
          c.close();
        }
      }
      io.close();
    }
  }

  /** Every client sends one datagram; the I/O receives all and answers each; clients drain. */
  private void roundTrip(
      DatagramChannel[] clients,
      UdpEndpoint endpoint,
      ByteBuffer out,
      ByteBuffer in,
      byte[] rx,
      DatagramIo.Receiver receiver)
      throws IOException {
    for (DatagramChannel c : clients) {
      out.clear();
      c.write(out);
    }
    received = 0;
    long deadline = System.nanoTime() + AgentHarness.DEADLINE_NS;
    while (received < clients.length) {
      io.receive(endpoint, rx, receiver, 64);
      if (System.nanoTime() > deadline) {
        throw new AssertionError("received " + received + " of " + clients.length);
      }
    }
    io.flush();
    for (int i = 0; i < clients.length; i++) {
      in.clear();
      long until = System.nanoTime() + AgentHarness.DEADLINE_NS;
      while (clients[i].read(in) <= 0) {
        if (System.nanoTime() > until) {
          throw new AssertionError("client " + i + " got no answer");
        }
      }
    }
  }
}
