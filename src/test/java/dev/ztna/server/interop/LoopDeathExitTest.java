package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.loop.Application;
import dev.ztna.server.loop.ClientConnection;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ServerLauncher;
import io.netty.handler.codec.quic.Quic;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

/**
 * When an Error (out of memory, say) kills the loop thread, the launcher stops and returns exit
 * code 1 instead of leaving a process that answers nothing.
 */
class LoopDeathExitTest {
  /** Thrown from the application callback: an Error, so nothing in the loop catches it. */
  static final class SimulatedFatalError extends Error {
    private static final long serialVersionUID = 1L;

    SimulatedFatalError() {
      super("simulated fatal error in the loop thread");
    }
  }

  @Test
  void launcherExitsWithOneWhenTheLoopThreadDies() throws Exception {
    Quic.ensureAvailability();
    int port;
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
    ServerConfig config =
        ServerConfig.builder()
            .listen(List.of(address))
            .idleKind(ServerConfig.IdleKind.BACKOFF)
            .statsInterval(java.time.Duration.ZERO)
            .build();
    Application dies =
        new Application() {
          @Override
          public void onEstablished(ClientConnection connection) {
            throw new SimulatedFatalError();
          }

          @Override
          public void onDatagram(
              ClientConnection connection, DirectBuffer data, int offset, int length) {}

          @Override
          public void onAddressChanged(ClientConnection connection, InetSocketAddress newPeer) {}

          @Override
          public void onClosed(
              ClientConnection connection,
              long errorCode,
              boolean application,
              boolean byPeer,
              String reason) {}
        };
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try (QuicheClient client = new QuicheClient(5_000)) {
      Future<Integer> exit =
          executor.submit(() -> ServerLauncher.run(config, TestCredentials.ec(), dies));
      // Connect until the server is up and the first handshake kills its loop.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!exit.isDone() && System.nanoTime() < deadline) {
        client.connect(address);
        Thread.sleep(200);
      }
      assertEquals(1, exit.get(60, TimeUnit.SECONDS));
    } finally {
      executor.shutdownNow();
    }
  }
}
