package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Steady-state allocation of an established connection: receiving 1-RTT packets with DATAGRAM and
 * ACK frames ({@link QuicConnection#onDatagram}) and sending them ({@link
 * QuicConnection#sendDatagram}, {@link QuicConnection#pollDatagram}) allocate nothing. Only the
 * server calls are measured (the test client allocates freely).
 */
class QuicConnectionAllocationTest {
  private static final com.sun.management.ThreadMXBean MX =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  long serverBytes;

  void exchange(Harness h, UnsafeBuffer payload, byte[] clientDatagram, int iterations) {
    List<byte[]> toClient = new ArrayList<>();
    for (int i = 0; i < iterations; i++) {
      h.now += 100_000L;
      // Server sends one DATAGRAM (plus ACKs).
      long a = MX.getCurrentThreadAllocatedBytes();
      int r = h.conn.sendDatagram(payload, 0, payload.capacity());
      long b = MX.getCurrentThreadAllocatedBytes();
      serverBytes += b - a;
      assertEquals(QuicConnection.SEND_QUEUED, r);
      toClient.clear();
      while (true) {
        a = MX.getCurrentThreadAllocatedBytes();
        int n = h.conn.pollDatagram(h.out, 0, h.now);
        b = MX.getCurrentThreadAllocatedBytes();
        serverBytes += b - a;
        if (n == 0) {
          break;
        }
        toClient.add(java.util.Arrays.copyOf(h.out, n));
      }
      for (byte[] d : toClient) {
        h.client.receive(d);
      }
      // Client sends one DATAGRAM with an ACK of the server's packets.
      h.client.queueDatagram(java.util.Arrays.copyOf(clientDatagram, clientDatagram.length));
      for (byte[] d : h.client.flush()) {
        byte[] copy = d.clone();
        a = MX.getCurrentThreadAllocatedBytes();
        h.conn.onDatagram(copy, 0, copy.length, h.clientAddr, h.now);
        b = MX.getCurrentThreadAllocatedBytes();
        serverBytes += b - a;
      }
      a = MX.getCurrentThreadAllocatedBytes();
      long t = h.conn.nextTimeoutNanos();
      if (t <= h.now) {
        h.conn.onTimeout(h.now);
      }
      b = MX.getCurrentThreadAllocatedBytes();
      serverBytes += b - a;
    }
  }

  @Test
  void steadyStateSendAndReceiveAllocateNothing() {
    Harness h = QuicConnectionTest.established(101);
    h.countOnly = true;
    UnsafeBuffer payload = new UnsafeBuffer(new byte[200]);
    byte[] clientDatagram = new byte[150];
    exchange(h, payload, clientDatagram, 20_000); // warm-up (JIT)
    long best = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 3 && best != 0; attempt++) {
      serverBytes = 0;
      long sentBefore = h.conn.datagramFramesSent();
      long recvBefore = h.conn.datagramFramesReceived();
      exchange(h, payload, clientDatagram, 12_000);
      assertTrue(h.conn.datagramFramesSent() - sentBefore >= 12_000);
      assertTrue(h.conn.datagramFramesReceived() - recvBefore >= 12_000);
      best = Math.min(best, serverBytes);
      System.out.println(
          "server allocation over 12000 packets each way: " + serverBytes + " bytes");
    }
    assertTrue(h.conn.isEstablished());
    assertEquals(0, best);
  }
}
