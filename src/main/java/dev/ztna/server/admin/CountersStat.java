package dev.ztna.server.admin;

import dev.ztna.server.loop.CounterSet;
import dev.ztna.server.loop.CountersFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.status.CountersReader;

/**
 * The {@code stat} command, like Aeron's {@code AeronStat}: maps a server's counters file read-only
 * from another process and prints every counter (id, type, value, label) and, when watching, each
 * one's rate per second over the last interval. Without a file given it reads the newest {@code
 * ztna-intermediate-server-*.counters} in {@code java.io.tmpdir}.
 */
public final class CountersStat {
  /** Exit code when there is no counters file to read. */
  public static final int EXIT_NO_FILE = 2;

  private CountersStat() {}

  /**
   * Prints the counters once ({@code watchMs <= 0}) or every {@code watchMs} ms, {@code samples}
   * times (forever when {@code samples <= 0}).
   *
   * @return 0, or {@link #EXIT_NO_FILE} with a message on {@code err}
   */
  public static int run(Path file, long watchMs, long samples, PrintWriter out, PrintWriter err)
      throws InterruptedException {
    Path path = file;
    Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    if (path == null) {
      Optional<Path> newest;
      try {
        newest = CountersFile.newest(dir);
      } catch (IOException e) {
        newest = Optional.empty();
      }
      if (newest.isEmpty()) {
        err.println(
            "error: no counters file ("
                + CountersFile.PREFIX
                + "*"
                + CountersFile.SUFFIX
                + ") in "
                + dir
                + "; is the server running? Use --counters-file FILE.");
        err.flush();
        return EXIT_NO_FILE;
      }
      path = newest.get();
    } else if (!Files.isRegularFile(path)) {
      err.println("error: no counters file at " + path);
      err.flush();
      return EXIT_NO_FILE;
    }
    try (CountersFile.View view = CountersFile.openReadOnly(path)) {
      Int2ObjectHashMap<long[]> previous = new Int2ObjectHashMap<>();
      long previousNanos = 0;
      for (long i = 0; samples <= 0 || i < samples; i++) {
        long nanos = System.nanoTime();
        print(view, previous, previousNanos == 0 ? 0 : nanos - previousNanos, watchMs > 0, out);
        previousNanos = nanos;
        if (watchMs <= 0) {
          break;
        }
        if (samples <= 0 || i + 1 < samples) {
          Thread.sleep(watchMs);
        }
      }
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return EXIT_NO_FILE;
    }
    return 0;
  }

  private static void print(
      CountersFile.View view,
      Int2ObjectHashMap<long[]> previous,
      long elapsedNanos,
      boolean rates,
      PrintWriter out) {
    CountersReader reader = view.reader();
    long now = System.currentTimeMillis();
    out.printf(
        "%s: pid %d, started %s%n",
        view.path(), view.pid(), Instant.ofEpochMilli(view.startTimeMs()));
    out.printf(rates ? "%4s %-9s %20s %14s  %s%n" : "%4s %-9s %20s  %s%n", header(rates));
    reader.forEach(
        (long value, int id, String label) -> {
          int type = reader.getCounterTypeId(id);
          String typeName = typeName(type);
          String shown = Long.toString(value);
          if (type == CounterSet.TYPE_HEARTBEAT) {
            shown = value == 0 ? "none" : (now - value) + " ms ago";
          }
          if (rates) {
            long[] last = previous.get(id);
            String rate = "";
            if (type == CounterSet.TYPE_COUNTER && last != null && elapsedNanos > 0) {
              rate = String.format("%.1f", (value - last[0]) * 1e9 / elapsedNanos);
            }
            previous.put(id, new long[] {value});
            out.printf("%4d %-9s %20s %14s  %s%n", id, typeName, shown, rate, label);
          } else {
            out.printf("%4d %-9s %20s  %s%n", id, typeName, shown, label);
          }
        });
    out.println("--");
    out.flush();
  }

  private static Object[] header(boolean rates) {
    return rates
        ? new Object[] {"id", "type", "value", "rate/s", "label"}
        : new Object[] {"id", "type", "value", "label"};
  }

  private static String typeName(int type) {
    switch (type) {
      case CounterSet.TYPE_COUNTER:
        return "counter";
      case CounterSet.TYPE_GAUGE:
        return "gauge";
      case CounterSet.TYPE_HEARTBEAT:
        return "heartbeat";
      default:
        return "type" + type;
    }
  }
}
