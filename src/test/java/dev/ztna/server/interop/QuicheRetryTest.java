package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.loop.Application;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.loop.ZtnaServer;
import io.netty.handler.codec.quic.Quic;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A real quiche client (via Netty) receives our Retry, accepts its integrity tag and comes back
 * with the token.
 */
class QuicheRetryTest {
  static void awaitCondition(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  @Test
  void quicheFollowsRetryWithValidToken() throws Exception {
    Quic.ensureAvailability();
    ServerConfig config =
        ServerConfig.builder()
            .listen(List.of(new InetSocketAddress("127.0.0.1", 0)))
            .idleKind(ServerConfig.IdleKind.BACKOFF)
            .build();
    try (ZtnaServer server = ZtnaServer.start(config, TestCredentials.ec(), Application.NONE);
        QuicheClient client = new QuicheClient(5_000)) {
      client.connect(server.localAddresses().get(0));
      awaitCondition(
          "quiche to return the Retry token",
          () -> server.counters().get(Counter.TOKEN_VALID) >= 1);
      assertTrue(server.counters().get(Counter.RETRY_SENT) >= 1, "retry_sent");
      assertTrue(server.counters().get(Counter.DROP_TOKEN_INVALID) == 0, "no invalid tokens");
    }
  }
}
