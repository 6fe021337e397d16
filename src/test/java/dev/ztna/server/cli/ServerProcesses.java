package dev.ztna.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starting the server as its own JVM in tests, with the production logback configuration. */
public final class ServerProcesses {
  private ServerProcesses() {}

  /** The command line that runs the server's main class with {@code --config config}. */
  public static List<String> command(Path config) throws URISyntaxException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("--add-opens=java.base/com.sun.crypto.provider=ALL-UNNAMED");
    int feature = Runtime.version().feature();
    if (feature >= 22) {
      // The batched I/O's downcalls (and OpenHFT affinity's JNA) without the JDK's warning.
      cmd.add("--enable-native-access=ALL-UNNAMED");
    }
    if (feature >= 23) {
      // Agrona uses sun.misc.Unsafe; JDK 24+ prints a deprecation WARNING line otherwise, which
      // is not a JSON log line.
      cmd.add("--sun-misc-unsafe-memory-access=allow");
    }
    cmd.add(
        "-Dlogback.configurationFile=" + Path.of(Main.class.getResource("/logback.xml").toURI()));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.add("--config");
    cmd.add(config.toString());
    cmd.add("--io");
    cmd.add(
        dev.ztna.server.loop.TestIo.mode()
            .name()
            .toLowerCase(java.util.Locale.ROOT)
            .replace('_', '-'));
    return cmd;
  }

  /**
   * Sends {@code signal} (e.g. {@code -TERM}) with kill(1); not Process.destroy(), which also
   * closes the parent's end of the child's output pipe.
   */
  public static void signal(Process p, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", signal, Long.toString(p.pid())).inheritIO().start();
    assertTrue(kill.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, kill.exitValue());
  }
}
