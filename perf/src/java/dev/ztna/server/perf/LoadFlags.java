package dev.ztna.server.perf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line of a load scenario: {@code TARGET PORT CONNECTOR_PORT OUT_DIR} and then {@code
 * --name value} options and {@code --name} switches, each named in the scenario's usage text; an
 * option the scenario does not know is an error (so a typo does not silently run the defaults).
 */
final class LoadFlags {
  final String target;
  final int port;
  final int connectorPort;
  final String out;
  private final Map<String, String> values = new HashMap<>();
  private final Set<String> switches = new HashSet<>();

  private LoadFlags(String[] args, Set<String> valueNames, Set<String> switchNames, String usage) {
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--help") || a.equals("-h")) {
        System.out.println(usage);
        System.exit(0);
      } else if (valueNames.contains(a) && i + 1 < args.length) {
        values.put(a, args[++i]);
      } else if (switchNames.contains(a)) {
        switches.add(a);
      } else if (a.startsWith("--")) {
        throw new IllegalArgumentException("unknown option " + a + "\n" + usage);
      } else {
        positional.add(a);
      }
    }
    if (positional.size() != 4) {
      throw new IllegalArgumentException("want TARGET PORT CONNECTOR_PORT OUT_DIR\n" + usage);
    }
    target = positional.get(0);
    port = Integer.parseInt(positional.get(1));
    connectorPort = Integer.parseInt(positional.get(2));
    out = positional.get(3);
  }

  /** Parses {@code args}; {@code valueNames} take a value, {@code switchNames} do not. */
  static LoadFlags parse(
      String[] args, String usage, List<String> valueNames, List<String> switches) {
    return new LoadFlags(args, new HashSet<>(valueNames), new HashSet<>(switches), usage);
  }

  int intOr(String name, int dflt) {
    String v = values.get(name);
    return v == null ? dflt : Integer.parseInt(v);
  }

  double doubleOr(String name, double dflt) {
    String v = values.get(name);
    return v == null ? dflt : Double.parseDouble(v);
  }

  String stringOr(String name, String dflt) {
    return values.getOrDefault(name, dflt);
  }

  boolean has(String name) {
    return switches.contains(name);
  }

  /** Runs a scenario's body; a failure prints {@code LOAD FAILED} and exits 1. */
  static void main(ThrowingRunnable body) {
    int code = 0;
    try {
      body.run();
    } catch (Throwable t) {
      // The Netty threads are not daemons: without the exit a failed set-up would hang the process.
      t.printStackTrace();
      System.out.println("LOAD FAILED " + t);
      code = 1;
    }
    System.out.flush();
    System.exit(code);
  }

  /** A scenario's body. */
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
