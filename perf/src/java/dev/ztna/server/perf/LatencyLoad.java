package dev.ztna.server.perf;

import java.io.File;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Latency scenario: the {@link RelayPair}'s paced ping-pong (one datagram outstanding, the
 * Connector echoes), per size {@code --runs} runs of {@code --lat-seconds}, recorded in an
 * HdrHistogram with coordinated-omission correction ({@code recordValueWithExpectedInterval}).
 * Writes {@code OUT_DIR/TARGET-lat<size>-run<n>.hgrm} and prints one {@code LAT TARGET SIZE p50 ..
 * p90 .. p99 .. p99.9 .. max .. lost N} line per size (medians over the runs; perf/summarize.py
 * reads them).
 */
public final class LatencyLoad {
  static final String USAGE =
      "LatencyLoad TARGET PORT CONNECTOR_PORT OUT_DIR [--runs N (3)] [--rate PER_S (2000)]"
          + " [--lat-seconds S (5)] [--sizes 64,1200] [--run-index I (0): first hgrm file number - 1]"
          + " [--warmup-rate PER_S (10000): one-way rate of the warm-up second]";

  private LatencyLoad() {}

  public static void main(String[] args) {
    LoadFlags.main(
        () -> {
          LoadFlags f =
              LoadFlags.parse(
                  args,
                  USAGE,
                  List.of(
                      "--runs",
                      "--rate",
                      "--lat-seconds",
                      "--sizes",
                      "--run-index",
                      "--warmup-rate"),
                  List.of());
          try (RelayPair pair = new RelayPair()) {
            int rate = f.intOr("--rate", 2000);
            pair.start(f, f.intOr("--warmup-rate", 10_000), rate);
            measure(pair, f, rate, System.out);
          }
        });
  }

  /** The measured part (after the warm-up), shared with {@link IdleLoad}. */
  static void measure(RelayPair pair, LoadFlags f, int rate, PrintStream log) throws Exception {
    int runs = f.intOr("--runs", 3);
    double latSeconds = f.doubleOr("--lat-seconds", 5);
    int runIndex = f.intOr("--run-index", 0);
    List<Integer> sizes = new ArrayList<>();
    for (String s : f.stringOr("--sizes", "64,1200").split(",")) {
      sizes.add(Integer.parseInt(s));
    }
    File out = new File(f.out);
    out.mkdirs();
    String target = f.target;
    for (int size : sizes) {
      double[][] pct = new double[5][runs];
      long lostTotal = 0;
      for (int run = 0; run < runs; run++) {
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long lost = pair.latency(h, size, rate, latSeconds, run * 10_000_000);
        lostTotal += lost;
        File hgrm = new File(out, target + "-lat" + size + "-run" + (runIndex + run + 1) + ".hgrm");
        try (PrintStream ps = new PrintStream(new FileOutputStream(hgrm))) {
          h.outputPercentileDistribution(ps, 1000.0);
        }
        pct[0][run] = h.getValueAtPercentile(50) / 1000.0;
        pct[1][run] = h.getValueAtPercentile(90) / 1000.0;
        pct[2][run] = h.getValueAtPercentile(99) / 1000.0;
        pct[3][run] = h.getValueAtPercentile(99.9) / 1000.0;
        pct[4][run] = h.getMaxValue() / 1000.0;
        log.printf(
            Locale.ROOT,
            "#   %s lat %d B run %d: p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f us,"
                + " n %d lost %d%n",
            target,
            size,
            run + 1,
            pct[0][run],
            pct[1][run],
            pct[2][run],
            pct[3][run],
            pct[4][run],
            h.getTotalCount(),
            lost);
      }
      log.printf(
          Locale.ROOT,
          "LAT %s %d p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f lost %d%n",
          target,
          size,
          RelayPair.median(pct[0]),
          RelayPair.median(pct[1]),
          RelayPair.median(pct[2]),
          RelayPair.median(pct[3]),
          RelayPair.median(pct[4]),
          lostTotal);
    }
  }
}
