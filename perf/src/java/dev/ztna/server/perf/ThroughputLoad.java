package dev.ztna.server.perf;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Throughput scenario: the {@link RelayPair}'s rate search, 1200-byte DATAGRAMs offered at a fixed
 * rate for {@code --tput-seconds} per point, from {@code --tput-start} doubling while loss <= 1 %,
 * then 3 bisection steps; one way (Agent to Connector), then both ways (the Connector also sends to
 * the Agent at the same rate; the rate reported is per direction). Prints {@code TPUT TARGET 1200
 * median R runs [...]} and {@code TPUT2 ...} (both ways) for perf/summarize.py.
 */
public final class ThroughputLoad {
  static final String USAGE =
      "ThroughputLoad TARGET PORT CONNECTOR_PORT OUT_DIR [--runs N (3)] [--tput-seconds S (2)]"
          + " [--tput-start PER_S (10000)] [--rate PER_S (2000): ping-pong rate of the warm-up]"
          + " [--no-both-ways]";

  private ThroughputLoad() {}

  public static void main(String[] args) {
    LoadFlags.main(
        () -> {
          LoadFlags f =
              LoadFlags.parse(
                  args,
                  USAGE,
                  List.of("--runs", "--tput-seconds", "--tput-start", "--rate"),
                  List.of("--no-both-ways"));
          try (RelayPair pair = new RelayPair()) {
            int start = f.intOr("--tput-start", 10_000);
            pair.start(f, start, f.intOr("--rate", 2000));
            search(pair, f, start, System.out);
          }
        });
  }

  private static void search(RelayPair pair, LoadFlags f, int start, PrintStream log)
      throws InterruptedException {
    int runs = f.intOr("--runs", 3);
    double seconds = f.doubleOr("--tput-seconds", 2);
    String target = f.target;
    double[] best = new double[runs];
    for (int run = 0; run < runs && pair.diedAt == 0; run++) {
      log.println("#   " + target + " throughput search run " + (run + 1));
      best[run] = pair.searchRate(start, seconds, log);
      log.printf(Locale.ROOT, "#   %s run %d: %.0f/s%n", target, run + 1, best[run]);
    }
    log.printf(
        Locale.ROOT,
        "TPUT %s 1200 median %.0f runs %s%s%n",
        target,
        RelayPair.median(best),
        Arrays.toString(best),
        pair.diedAt == 0 ? "" : " DIED " + pair.diedAt);
    if (f.has("--no-both-ways") || pair.diedAt != 0) {
      return;
    }
    // Both ways: the rate reported is per direction (the relay carries twice as many datagrams).
    pair.bothWays = true;
    double[] both = new double[runs];
    for (int run = 0; run < runs && pair.diedAt == 0; run++) {
      log.println("#   " + target + " both-ways throughput search run " + (run + 1));
      both[run] = pair.searchRate(start / 2, seconds, log);
      log.printf(
          Locale.ROOT, "#   %s both-ways run %d: %.0f/s each way%n", target, run + 1, both[run]);
    }
    pair.bothWays = false;
    log.printf(
        Locale.ROOT,
        "TPUT2 %s 1200 median %.0f runs %s%s%n",
        target,
        RelayPair.median(both),
        Arrays.toString(both),
        pair.diedAt == 0 ? "" : " DIED " + pair.diedAt);
  }
}
