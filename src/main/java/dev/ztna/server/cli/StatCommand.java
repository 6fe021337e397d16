package dev.ztna.server.cli;

import dev.ztna.server.admin.CountersStat;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code intermediate-server stat}: prints a running server's counters from its counters file. */
@Command(
    name = "stat",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Prints every counter of a running server (id, type, value, label) from its memory-mapped"
          + " counters file, read-only, without touching the server; with --watch, again every MS"
          + " milliseconds with each counter's rate per second.",
      "Without --counters-file it reads the newest ztna-intermediate-server-*.counters file in"
          + " the temp directory (java.io.tmpdir, by default /tmp)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:printed", "2:no counters file found, or not a counters file"})
final class StatCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--counters-file",
      paramLabel = "FILE",
      description = "The server's counters file (default: the newest one in the temp directory).")
  private Path countersFile;

  @Option(
      names = "--watch",
      paramLabel = "MS",
      defaultValue = "0",
      description = "Print again every MS milliseconds, with rates; 0 prints once (default).")
  private long watchMs;

  @Option(
      names = "--count",
      paramLabel = "N",
      defaultValue = "0",
      description = "With --watch, stop after N prints; 0 runs until interrupted (default).")
  private long count;

  @Override
  public Integer call() throws InterruptedException {
    return CountersStat.run(
        countersFile, watchMs, count, spec.commandLine().getOut(), spec.commandLine().getErr());
  }
}
