package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.conn.HandshakeClient;
import dev.ztna.server.loop.EchoApplication;
import dev.ztna.server.loop.Limits;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.loop.ZtnaServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 §3: the loop stays responsive during a flood of valid handshakes. Hand-built first
 * flights with real ClientHellos (every one costs the server a key exchange and a signature) arrive
 * from many ports of other addresses, with Retry off so that each one is a handshake, while an
 * established quiche connection keeps echoing DATAGRAMs: every echo comes back, because the loop
 * admits at most {@link Limits#handshakesPerIteration} new connections per duty cycle and serves
 * the established connection in between.
 *
 * <p>Correctness only; the echo round-trip times are printed as a latency hook for {@code
 * perf/RESULTS.md}. A longer run: {@code mvn -B test -Dtest=HandshakeFloodTest
 * -Dztna.flood.clients=20000 -Dztna.flood.rounds=5} (the flood is replayed {@code rounds} times
 * with fresh clients each time), comparing the printed p50/p99/max with {@code
 * -Dztna.flood.clients=0}.
 */
class HandshakeFloodTest {
  private static final long SEED = 0xf100d_2026L;
  private static final int CLIENTS = Integer.getInteger("ztna.flood.clients", 1500);
  private static final int ROUNDS = Integer.getInteger("ztna.flood.rounds", 1);

  @Test
  void establishedConnectionKeepsRelayingDuringAHandshakeFlood() throws Exception {
    System.out.println("HandshakeFloodTest seed " + SEED + ", " + CLIENTS + " clients");
    Random random = new Random(SEED);
    EchoApplication app = new EchoApplication();
    Limits limits =
        Limits.builder().maxConnectionsPerIp(0).maxHalfOpenPerIp(0).maxHalfOpen(0).build();
    try (ZtnaServer server =
            ServerFixture.start(
                app,
                TestCredentials.ec(),
                b -> b.retryMode(ServerConfig.RetryMode.NEVER).limits(limits));
        QuicheClient client = new QuicheClient(60_000)) {
      InetSocketAddress address = server.localAddresses().get(0);
      QuicheConnection pair = client.handshake(address, Duration.ofSeconds(20));
      Histogram rtt = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
      long acceptedBefore = server.counters().get(Counter.CONNECTIONS_ACCEPTED);
      for (int round = 0; round < ROUNDS; round++) {
        List<byte[]> flights = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
          flights.addAll(new HandshakeClient(random).flush());
        }
        Flood flood = new Flood(address, flights);
        flood.start();
        int echoes = 0;
        while (flood.isAlive() || echoes < 50) {
          byte[] payload = new byte[64];
          random.nextBytes(payload);
          payload[0] = 0x45;
          long t0 = System.nanoTime();
          pair.sendDatagram(payload);
          byte[] back = pair.datagrams().poll(30, TimeUnit.SECONDS);
          assertNotNull(back, "echo #" + echoes + " during the flood");
          rtt.recordValue(System.nanoTime() - t0);
          assertArrayEquals(payload, back);
          echoes++;
        }
        flood.join();
        assertTrue(flood.error == null, "flood thread: " + flood.error);
      }
      long accepted = server.counters().get(Counter.CONNECTIONS_ACCEPTED) - acceptedBefore;
      System.out.printf(
          "flood: %d first flights, %d accepted, %d handshake-budget drops; echo RTT us p50 %.0f"
              + " p99 %.0f max %.0f over %d echoes%n",
          (long) CLIENTS * ROUNDS,
          accepted,
          server.counters().get(Counter.DROP_HANDSHAKE_BUDGET),
          rtt.getValueAtPercentile(50) / 1e3,
          rtt.getValueAtPercentile(99) / 1e3,
          rtt.getMaxValue() / 1e3,
          rtt.getTotalCount());
      if (CLIENTS > 0) {
        assertTrue(accepted > 0, "the flood reached the handshake path");
      }
      assertTrue(pair.channel().isActive());
    }
  }

  /** Sends prepared first flights as fast as the socket takes them, from 8 ports of 127.0.0.3. */
  private static final class Flood extends Thread {
    private final InetSocketAddress server;
    private final List<byte[]> flights;
    volatile Throwable error;

    Flood(InetSocketAddress server, List<byte[]> flights) {
      super("handshake-flood");
      setDaemon(true);
      this.server = server;
      this.flights = flights;
    }

    @Override
    public void run() {
      List<DatagramChannel> channels = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          DatagramChannel ch = DatagramChannel.open();
          ch.bind(new InetSocketAddress("127.0.0.3", 0));
          channels.add(ch);
        }
        ByteBuffer b = ByteBuffer.allocateDirect(2048);
        int i = 0;
        for (byte[] d : flights) {
          b.clear();
          b.put(d).flip();
          channels.get(i++ % channels.size()).send(b, server);
        }
      } catch (IOException | RuntimeException e) {
        error = e;
      } finally {
        for (DatagramChannel ch : channels) {
          try {
            ch.close();
          } catch (IOException e) {
            error = e;
          }
        }
      }
    }
  }
}
