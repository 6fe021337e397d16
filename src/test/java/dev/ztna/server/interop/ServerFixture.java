package dev.ztna.server.interop;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.loop.Application;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ZtnaServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Starts a server on 127.0.0.1 with the back-off idle strategy (two cores are enough for tests).
 */
public final class ServerFixture {
  private ServerFixture() {}

  public static ZtnaServer start(Application app) throws IOException {
    return start(app, TestCredentials.ec(), b -> b);
  }

  public static ZtnaServer start(
      Application app, ServerCredentials credentials, UnaryOperator<ServerConfig.Builder> tweak)
      throws IOException {
    ServerConfig.Builder b =
        ServerConfig.builder()
            .listen(List.of(new InetSocketAddress(ServerFixture.loopback(), 0)))
            .idleKind(ServerConfig.IdleKind.BACKOFF)
            .io(dev.ztna.server.loop.TestIo.mode());
    return ZtnaServer.start(tweak.apply(b).build(), credentials, app);
  }

  /**
   * As {@link #start(Application, ServerCredentials, UnaryOperator)}, with the loop's counters in
   * {@code counters} and the loop histograms recorded into {@code metrics}.
   */
  public static ZtnaServer start(
      Application app,
      dev.ztna.server.loop.ServerCounters counters,
      dev.ztna.server.loop.LoopMetrics metrics)
      throws IOException {
    return start(app, counters, metrics, b -> b);
  }

  /** As the above, with {@code tweak} applied to the configuration. */
  public static ZtnaServer start(
      Application app,
      dev.ztna.server.loop.ServerCounters counters,
      dev.ztna.server.loop.LoopMetrics metrics,
      UnaryOperator<ServerConfig.Builder> tweak)
      throws IOException {
    ServerConfig.Builder b =
        ServerConfig.builder()
            .listen(List.of(new InetSocketAddress(ServerFixture.loopback(), 0)))
            .idleKind(ServerConfig.IdleKind.BACKOFF)
            .io(dev.ztna.server.loop.TestIo.mode());
    return ZtnaServer.start(tweak.apply(b).build(), TestCredentials.ec(), app, counters, metrics);
  }

  public static java.net.InetAddress loopback() {
    return java.net.InetAddress.getLoopbackAddress();
  }
}
