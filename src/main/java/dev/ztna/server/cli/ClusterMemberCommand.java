package dev.ztna.server.cli;

import dev.ztna.server.cluster.directory.ClusterMember;
import dev.ztna.server.cluster.directory.DirectoryHosting;
import dev.ztna.server.config.ConfigException;
import dev.ztna.server.config.ConfigLoader;
import dev.ztna.server.config.ServerSettings;
import dev.ztna.server.config.Setting;
import dev.ztna.server.config.Settings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.agrona.concurrent.ShutdownSignalBarrier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code intermediate-server cluster-member}: runs one member of the replicated service directory
 * (Aeron Cluster: media driver, archive, consensus module and the directory service) as its own
 * process, until SIGINT or SIGTERM. It reads the {@code [cluster]} table of the same configuration
 * file as the relay nodes; its flags are the {@code cluster.*} settings' flags.
 */
@Command(
    name = "cluster-member",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Runs directory cluster member cluster.member_id (of cluster.members) in this process until"
          + " SIGINT/SIGTERM: the separate-process layout of several nodes (see the README,"
          + " 'Several nodes'). The relay nodes then set only cluster.node_id and cluster.members."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:stopped by a signal", "1:the member failed", "2:invalid configuration"})
final class ClusterMemberCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "TOML configuration file; its [cluster] table is read.")
  private Path configFile;

  /** Adds the {@code cluster.*} settings' flags to this command. */
  static void addClusterOptions(CommandSpec spec) {
    for (Setting<?> s : clusterSettings()) {
      OptionSpec.Builder b =
          OptionSpec.builder(s.flag).paramLabel(s.paramLabel).description(s.helpWithDefault());
      if (s.type.repeatable()) {
        b.type(List.class).auxiliaryTypes(String.class);
      } else {
        b.type(String.class).arity("1");
      }
      spec.addOption(b.build());
    }
  }

  private static List<Setting<?>> clusterSettings() {
    return Settings.ALL.stream()
        .filter(s -> s.key.startsWith("cluster.") && s.flag != null)
        .toList();
  }

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    ParseResult parsed = spec.commandLine().getParseResult();
    Map<Setting<?>, List<String>> flags = new LinkedHashMap<>();
    for (Setting<?> s : clusterSettings()) {
      if (parsed.hasMatchedOption(s.flag)) {
        flags.put(s, List.copyOf(parsed.matchedOption(s.flag).stringValues()));
      }
    }
    ServerSettings settings;
    try {
      settings = new ConfigLoader(configFile, null, flags, Path.of("certs")).load();
    } catch (ConfigException e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return Main.EXIT_USAGE;
    }
    if (!settings.cluster.hostsMember()) {
      err.println(
          "error: 'cluster.member_id' (--cluster-member-id) must name the member to run, 0.."
              + Math.max(0, settings.cluster.members.size() - 1));
      err.flush();
      return Main.EXIT_USAGE;
    }
    ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
    try (ClusterMember member =
        ClusterMember.launch(DirectoryHosting.memberConfig(settings.cluster))) {
      spec.commandLine()
          .getOut()
          .println(
              "cluster member "
                  + member.memberId()
                  + " running ("
                  + settings.cluster.members.get(member.memberId())
                  + "); SIGINT or SIGTERM stops it");
      spec.commandLine().getOut().flush();
      barrier.await();
    }
    return 0;
  }
}
