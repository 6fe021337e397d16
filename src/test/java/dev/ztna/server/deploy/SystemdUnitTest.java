package dev.ztna.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code systemd-analyze verify} accepts {@code deploy/intermediate-server.service} without a
 * warning (Debian package {@code systemd}; skipped where it is not installed). verify checks that
 * ExecStart's binary exists, so it runs on a copy whose java and jar paths point at existing files.
 */
class SystemdUnitTest {
  private static final Path UNIT = Path.of("deploy", "intermediate-server.service");

  @TempDir Path tmp;

  private static Path onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  @Test
  void systemdAnalyzeVerifyAcceptsTheUnit() throws Exception {
    Path analyze = onPath("systemd-analyze");
    Assumptions.assumeTrue(
        analyze != null,
        "systemd-analyze is not installed (apt-get install systemd); unit not verified");
    String unit = Files.readString(UNIT);
    for (String key :
        List.of(
            "DynamicUser=yes",
            "AmbientCapabilities=CAP_NET_BIND_SERVICE",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "PrivateTmp=yes",
            "LimitNOFILE=",
            "-XX:+AlwaysPreTouch",
            "ExecReload=/bin/kill -HUP $MAINPID",
            "TimeoutStopSec=")) {
      assertTrue(unit.contains(key), key + " missing from " + UNIT);
    }
    Path jar = Files.createFile(tmp.resolve("intermediate-server.jar"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    String copy =
        unit.replace("/usr/bin/java", java.toString())
            .replace("/opt/intermediate-server/intermediate-server.jar", jar.toString());
    Path service = tmp.resolve("intermediate-server.service");
    Files.writeString(service, copy);
    List<String> cmd = new ArrayList<>(List.of(analyze.toString(), "verify", service.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "systemd-analyze finished");
    assertEquals(0, p.exitValue(), out);
    // Unknown keys are only warnings (exit 0): fail on any line about our unit.
    for (String line : out.split("\n")) {
      assertTrue(!line.contains("intermediate-server.service"), "systemd-analyze: " + out);
    }
  }
}
