package dev.ztna.server.perf;

import java.util.List;
import java.util.Locale;

/**
 * Soak scenario: 1200-byte DATAGRAMs one way (Agent to Connector) at {@code --rate} for {@code
 * --seconds}, without a warm-up (the target's GC log and loop-thread allocation counters cover the
 * whole run). Prints {@code SOAK TARGET rate R/s for S s: offered .. written .. received .. loss
 * ..%}.
 */
public final class SoakLoad {
  static final String USAGE =
      "SoakLoad TARGET PORT CONNECTOR_PORT OUT_DIR [--seconds S (60)] [--rate PER_S (20000)]";

  private SoakLoad() {}

  public static void main(String[] args) {
    LoadFlags.main(
        () -> {
          LoadFlags f = LoadFlags.parse(args, USAGE, List.of("--seconds", "--rate"), List.of());
          double seconds = f.doubleOr("--seconds", 60);
          int rate = f.intOr("--rate", 20_000);
          try (RelayPair pair = new RelayPair()) {
            pair.setUp(f.target, f.port, f.connectorPort);
            System.out.println("# target " + f.target + ": path up");
            long[] r = pair.oneWay(rate, seconds);
            System.out.printf(
                Locale.ROOT,
                "SOAK %s rate %d/s for %.0f s: offered %d written %d received %d loss %.2f%%"
                    + " (UDP RcvbufErrors +%d, system-wide)%n",
                f.target,
                rate,
                seconds,
                r[0],
                r[1],
                r[2],
                100 * RelayPair.loss(r),
                r[3]);
          }
        });
  }
}
