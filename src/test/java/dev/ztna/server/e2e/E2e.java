package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.interop.ServerFixture;
import dev.ztna.server.loop.Limits;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ZtnaServer;
import dev.ztna.server.relay.RelayApplication;
import dev.ztna.server.relay.RelayCounters;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/** Shared helpers for the end-to-end tests: server, messages, IP-looking packets, waiting. */
final class E2e {
  /** Generous deadline for anything that should happen "soon". */
  static final Duration DEADLINE = Duration.ofSeconds(30);

  /**
   * The full counts of issue 4 (1000 cycles, 500 connections) run by default; -Dztna.e2e.full=false
   * runs 200 and 100 for a quick local loop.
   */
  static final boolean FULL = Boolean.parseBoolean(System.getProperty("ztna.e2e.full", "true"));

  private E2e() {}

  /**
   * Limits for a test that opens hundreds of connections from one client socket at once: the
   * per-address connection and half-open caps are off (the totals stay at their defaults).
   */
  static final UnaryOperator<ServerConfig.Builder> ONE_HOST_LOAD =
      b -> b.limits(Limits.DEFAULTS.toBuilder().maxConnectionsPerIp(0).maxHalfOpenPerIp(0).build());

  /** A running relay server on 127.0.0.1:0 (back-off idle strategy). */
  static final class Relay implements AutoCloseable {
    final RelayApplication app;
    final ZtnaServer server;

    Relay(UnaryOperator<ServerConfig.Builder> tweak) throws IOException {
      app = new RelayApplication(new RelayCounters());
      server = ServerFixture.start(app, TestCredentials.ec(), tweak);
    }

    /** A relay running {@code app} on {@code server}, started by the caller. */
    Relay(RelayApplication app, ZtnaServer server) {
      this.app = app;
      this.server = server;
    }

    Relay() throws IOException {
      this(b -> b);
    }

    InetSocketAddress address() {
      return server.localAddresses().get(0);
    }

    long relay(RelayCounters.Counter c) {
      return app.counters().get(c);
    }

    /** Waits until every connection is freed, then checks the registry is empty. */
    void awaitAllFreed() {
      E2e.await(
          () -> server.liveConnections() == 0,
          () -> "connections freed; live=" + server.liveConnections() + " " + server.counters());
      // The loop freed every connection (volatile counter read above): registry writes are done.
      E2e.await(() -> app.registry().isEmpty(), () -> "registry empty");
    }

    @Override
    public void close() {
      server.close();
    }
  }

  /** Polls {@code condition} every millisecond until true or {@link #DEADLINE}. */
  static void await(BooleanSupplier condition, Supplier<String> what) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not reached within " + DEADLINE + ": " + what.get());
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted waiting for " + what.get());
      }
    }
  }

  static byte[] register(int type, String serviceId) {
    byte[] id = serviceId.getBytes(StandardCharsets.UTF_8);
    byte[] m = new byte[2 + id.length];
    m[0] = (byte) type;
    m[1] = (byte) id.length;
    System.arraycopy(id, 0, m, 2, id.length);
    return m;
  }

  static byte[] agentRegister(String serviceId) {
    return register(0x10, serviceId);
  }

  static byte[] connectorRegister(String serviceId) {
    return register(0x11, serviceId);
  }

  static int ipv4(int a, int b, int c, int d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
  }

  /**
   * An IPv4-looking packet of {@code size} (>= 20) bytes: 0x45, total length, {@code seq} at bytes
   * 4..7, source at 12..15, destination at 16..19, payload from {@code seed}.
   */
  static byte[] ipv4Packet(int src, int dst, int seq, int size, long seed) {
    byte[] p = new byte[size];
    new Random(seed * 1_000_003L + seq).nextBytes(p);
    p[0] = 0x45;
    p[1] = 0;
    p[2] = (byte) (size >>> 8);
    p[3] = (byte) size;
    putInt(p, 4, seq);
    putInt(p, 12, src);
    putInt(p, 16, dst);
    return p;
  }

  static void putInt(byte[] p, int off, int v) {
    p[off] = (byte) (v >>> 24);
    p[off + 1] = (byte) (v >>> 16);
    p[off + 2] = (byte) (v >>> 8);
    p[off + 3] = (byte) v;
  }

  static int getInt(byte[] p, int off) {
    return ((p[off] & 0xff) << 24)
        | ((p[off + 1] & 0xff) << 16)
        | ((p[off + 2] & 0xff) << 8)
        | (p[off + 3] & 0xff);
  }

  static boolean isObservedAddress(byte[] d) {
    return d.length > 0 && (d[0] == 0x01 || d[0] == 0x02);
  }

  /** Decodes an IPv4 OBSERVED_ADDRESS (7 bytes), failing on anything else. */
  static InetSocketAddress decodeObserved(byte[] d) {
    assertEquals(7, d.length, "OBSERVED_ADDRESS IPv4 length");
    assertEquals(0x01, d[0]);
    try {
      InetAddress a = InetAddress.getByAddress(Arrays.copyOfRange(d, 1, 5));
      return new InetSocketAddress(a, ((d[5] & 0xff) << 8) | (d[6] & 0xff));
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** Waits for the next OBSERVED_ADDRESS on {@code peer}, skipping other datagrams. */
  static InetSocketAddress nextObserved(Peer peer) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      byte[] d = left <= 0 ? null : peer.datagrams().poll(left, TimeUnit.NANOSECONDS);
      if (d == null) {
        fail(peer.name() + ": no OBSERVED_ADDRESS within " + DEADLINE);
      }
      if (isObservedAddress(d)) {
        return decodeObserved(d);
      }
    }
  }

  /** Waits for the next datagram that is not an OBSERVED_ADDRESS. */
  static byte[] nextPacket(Peer peer) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      byte[] d = left <= 0 ? null : peer.datagrams().poll(left, TimeUnit.NANOSECONDS);
      if (d == null) {
        fail(peer.name() + ": no packet within " + DEADLINE);
      }
      if (!isObservedAddress(d)) {
        return d;
      }
    }
  }

  /**
   * Sends a REGISTER and waits until the server counted {@code counter} reaching {@code target}
   * (resending it every few seconds, since quiche does not retransmit DATAGRAMs; a duplicate
   * REGISTER is ignored by the server).
   */
  static void registerAndAwait(
      Relay relay, Peer peer, byte[] register, RelayCounters.Counter counter, long target) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (relay.relay(counter) < target) {
      if (System.nanoTime() > deadline) {
        fail(peer.name() + ": REGISTER not counted; " + relay.app.counters());
      }
      peer.send(register);
      long resendAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (relay.relay(counter) < target && System.nanoTime() < resendAt) {
        sleep1();
      }
    }
  }

  static void registerAgent(Relay relay, Peer peer, String service) {
    registerAndAwait(
        relay,
        peer,
        agentRegister(service),
        RelayCounters.Counter.AGENTS_REGISTERED,
        relay.relay(RelayCounters.Counter.AGENTS_REGISTERED) + 1);
  }

  static void registerConnector(Relay relay, Peer peer, String service) {
    registerAndAwait(
        relay,
        peer,
        connectorRegister(service),
        RelayCounters.Counter.CONNECTORS_REGISTERED,
        relay.relay(RelayCounters.Counter.CONNECTORS_REGISTERED) + 1);
  }

  static void sleep1() {
    try {
      Thread.sleep(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Sends one packet and waits for exactly it (ignoring OBSERVED_ADDRESS and stale duplicates). */
  static void pingPong(Peer from, Peer to, byte[] packet) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    long resendAt = 0;
    while (true) {
      long now = System.nanoTime();
      if (now > deadline) {
        fail(from.name() + " -> " + to.name() + ": packet not relayed within " + DEADLINE);
      }
      if (now >= resendAt) {
        from.send(packet);
        resendAt = now + TimeUnit.SECONDS.toNanos(3);
      }
      byte[] d = to.datagrams().poll(10, TimeUnit.MILLISECONDS);
      if (d != null && Arrays.equals(d, packet)) {
        return;
      }
    }
  }

  /**
   * One direction of a windowed transfer: {@code packets[i]} carries sequence number i at bytes
   * 4..7; at most {@code window} unacknowledged (not yet received) packets are in flight. Packets
   * missing for a second are sent again (quiche does not retransmit DATAGRAMs; UDP on loopback may
   * still drop under load); duplicates (Kwik retransmits DATAGRAM frames) are recognised by
   * sequence number and content.
   */
  static final class Flow {
    final Peer from;
    final Peer to;
    final byte[][] packets;
    final int window;
    final BitSet received = new BitSet();
    int nextToSend;
    int receivedCount;
    int duplicates;
    int resent;
    long lastProgress = System.nanoTime();

    Flow(Peer from, Peer to, byte[][] packets, int window) {
      this.from = from;
      this.to = to;
      this.packets = packets;
      this.window = window;
    }

    boolean done() {
      return receivedCount == packets.length;
    }

    /** Sends what the window allows, drains what arrived; returns true if anything happened. */
    boolean step() {
      boolean progress = false;
      while (nextToSend < packets.length && nextToSend - receivedCount < window) {
        from.send(packets[nextToSend++]);
        progress = true;
      }
      byte[] d;
      while ((d = to.datagrams().poll()) != null) {
        if (isObservedAddress(d)) {
          continue;
        }
        if (d.length < 20) {
          fail(to.name() + ": unexpected short datagram " + Arrays.toString(d));
        }
        int seq = getInt(d, 4);
        if (seq < 0 || seq >= packets.length) {
          fail(to.name() + ": datagram with unknown sequence " + seq);
        }
        assertArrayEquals(packets[seq], d, to.name() + ": packet " + seq + " changed in relay");
        if (received.get(seq)) {
          duplicates++;
        } else {
          received.set(seq);
          receivedCount++;
          lastProgress = System.nanoTime();
          progress = true;
        }
      }
      if (!done() && System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(1)) {
        for (int i = received.nextClearBit(0); i < nextToSend; i = received.nextClearBit(i + 1)) {
          from.send(packets[i]);
          resent++;
        }
        lastProgress = System.nanoTime();
      }
      return progress;
    }

    @Override
    public String toString() {
      return from.name()
          + " -> "
          + to.name()
          + ": received "
          + receivedCount
          + "/"
          + packets.length
          + ", duplicates "
          + duplicates
          + ", resent "
          + resent;
    }
  }

  /** Runs flows until all are done or {@code timeout} passes (fails then). */
  static void run(Duration timeout, Flow... flows) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean allDone = true;
      boolean progress = false;
      for (Flow f : flows) {
        progress |= f.step();
        allDone &= f.done();
      }
      if (allDone) {
        for (Flow f : flows) {
          System.out.println(f);
        }
        return;
      }
      if (System.nanoTime() > deadline) {
        fail("transfer incomplete after " + timeout + ": " + Arrays.toString(flows));
      }
      if (!progress) {
        Thread.sleep(1);
      }
    }
  }
}
