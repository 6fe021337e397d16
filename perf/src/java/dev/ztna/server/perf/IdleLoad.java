package dev.ztna.server.perf;

import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Idle scenario: {@code --idle-connections N} idle connections ({@link IdleConnections}) are opened
 * first; then it prints {@code IDLE READY} and, with {@code --idle-wait-file PATH}, waits until
 * PATH exists (perf/run.sh measures the target's heap, RSS and fds meanwhile); then the {@link
 * RelayPair} is set up, warmed up and runs the latency ping-pong ({@link LatencyLoad#measure}) with
 * the N connections still open; then the idle connections are closed ({@code IDLE_END}).
 */
public final class IdleLoad {
  static final String USAGE =
      "IdleLoad TARGET PORT CONNECTOR_PORT OUT_DIR --idle-connections N [--idle-wait-file PATH]"
          + " [--wait-seconds S (120)] [--no-latency] and LatencyLoad's options: "
          + LatencyLoad.USAGE;

  private IdleLoad() {}

  public static void main(String[] args) {
    LoadFlags.main(
        () -> {
          LoadFlags f =
              LoadFlags.parse(
                  args,
                  USAGE,
                  List.of(
                      "--idle-connections",
                      "--idle-wait-file",
                      "--wait-seconds",
                      "--runs",
                      "--rate",
                      "--lat-seconds",
                      "--sizes",
                      "--run-index",
                      "--warmup-rate"),
                  List.of("--no-latency"));
          try (RelayPair pair = new RelayPair()) {
            IdleConnections idle = new IdleConnections(pair);
            idle.open(
                f.target, f.port, f.connectorPort, f.intOr("--idle-connections", 0), System.out);
            System.out.println("IDLE READY");
            System.out.flush();
            String waitFile = f.stringOr("--idle-wait-file", null);
            if (waitFile != null) {
              File marker = new File(waitFile);
              long deadline =
                  System.nanoTime() + TimeUnit.SECONDS.toNanos(f.intOr("--wait-seconds", 120));
              while (!marker.exists() && System.nanoTime() < deadline) {
                Thread.sleep(50);
              }
              System.out.println(
                  "# idle wait file " + (marker.exists() ? "found" : "NOT found (deadline)"));
            }
            if (!f.has("--no-latency")) {
              int rate = f.intOr("--rate", 2000);
              pair.start(f, f.intOr("--warmup-rate", 10_000), rate);
              LatencyLoad.measure(pair, f, rate, System.out);
            }
            idle.close(f.target, System.out);
          }
        });
  }
}
