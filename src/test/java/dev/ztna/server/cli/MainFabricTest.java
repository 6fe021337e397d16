package dev.ztna.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.cluster.fabric.FabricConfig;
import dev.ztna.server.config.ServerSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code [fabric]} table and its flags: parsed, checked together, errors name the key. */
class MainFabricTest {
  @TempDir Path tmp;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private ServerSettings settings;

  private int run(String... args) throws Exception {
    ServerCredentials.generateSelfSigned("localhost", ServerCredentials.KeyType.EC_P256)
        .writePem(tmp.resolve("certs/cert.pem"), tmp.resolve("certs/key.pem"));
    return Main.execute(
        args,
        (s, c) -> {
          settings = s;
          return 0;
        },
        tmp.resolve("certs"),
        new PrintWriter(out),
        new PrintWriter(err));
  }

  private Path configFile(String toml) throws Exception {
    Path f = tmp.resolve("server.toml");
    Files.writeString(f, toml);
    return f;
  }

  @Test
  void withoutFabricThereIsNone() throws Exception {
    assertEquals(0, run("--check-config"), err.toString());
    assertTrue(out.toString().contains("[fabric]"), out.toString());
    assertTrue(out.toString().contains("# node_id is unset"), out.toString());
  }

  @Test
  void theTableIsParsedAndCheckedTogether() throws Exception {
    Path f =
        configFile(
            "[fabric]\nnode_id = 1\nnodes = [\"127.0.0.1:20100\", \"127.0.0.1:20101\"]\n"
                + "threading = \"dedicated\"\nidle_strategy = \"busy-spin\"\n"
                + "term_length = 65536\naeron_dir = \""
                + tmp.resolve("aeron")
                + "\"\n");
    assertEquals(0, run("--config", f.toString(), "--check-config"), err.toString());
    assertNull(settings, "--check-config does not launch");
    assertTrue(out.toString().contains("node_id = 1"), out.toString());
  }

  @Test
  void flagsBuildTheFabricConfiguration() throws Exception {
    // A valid [fabric] reaches the launcher only with a directory to run it: this build has none.
    int code =
        run(
            "--fabric-node-id",
            "0",
            "--fabric-node",
            "127.0.0.1:20100",
            "--fabric-node",
            "127.0.0.1:20101",
            "--fabric-term-length",
            "131072",
            "--check-config");
    assertEquals(0, code, err.toString());
    assertTrue(out.toString().contains("term_length = 131072  # flag"), out.toString());
  }

  @Test
  void theConfigurationObjectHoldsTheValues() throws Exception {
    FabricConfig c =
        FabricConfig.builder(
                1,
                List.of(
                    new InetSocketAddress("127.0.0.1", 20100),
                    new InetSocketAddress("127.0.0.1", 20101)))
            .termLength(65536)
            .threading(FabricConfig.Threading.DEDICATED)
            .aeronDir(tmp)
            .build();
    assertEquals(new InetSocketAddress("127.0.0.1", 20101), c.listen);
    assertEquals(FabricConfig.Threading.DEDICATED, c.threading);
    assertEquals(1408, c.mtu);
    assertEquals(9024, FabricConfig.mtuFor(8950));
    assertNotNull(c.toString());
  }

  @Test
  void runningAFabricWithoutADirectoryIsExitTwo() throws Exception {
    Path f =
        configFile("[fabric]\nnode_id = 0\nnodes = [\"127.0.0.1:20100\", \"127.0.0.1:20101\"]\n");
    assertEquals(2, run("--config", f.toString()));
    assertTrue(err.toString().contains("fabric.node_id"), err.toString());
    assertNull(settings);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "[fabric]\nnode_id = 0|'fabric.node_id' needs fabric.nodes",
        "[fabric]\nnodes = [\"127.0.0.1:1\"]|'fabric.nodes' needs fabric.node_id",
        "[fabric]\nnode_id = 2\nnodes = [\"127.0.0.1:1\", \"127.0.0.1:2\"]|'fabric.node_id': 2 is"
            + " not an index into the 2 fabric.nodes",
        "[fabric]\nnode_id = -1|'fabric.node_id' must be 0..65535, got -1",
        "[fabric]\nterm_length = 1000|'fabric.term_length' must be 65536..1073741824, got 1000",
        "[fabric]\nnode_id = 0\nnodes = [\"127.0.0.1:1\"]\nterm_length = 100000|"
            + "'fabric.term_length': 100000 is not a power of two",
        "[fabric]\nthreading = \"many\"|'fabric.threading' must be one of shared, dedicated",
        "[fabric]\nidle_strategy = 1|'fabric.idle_strategy' must be one of backoff, busy-spin",
        "[fabric]\nnodes = [\"127.0.0.1:1\", \"127.0.0.1:1\"]|'fabric.nodes' 127.0.0.1:1 is given"
            + " more than once",
        "[fabric]\nlisten = \"nohost:\"|'fabric.listen'"
      })
  void invalidValuesAreExitTwoNamingTheKey(String testCase) throws Exception {
    String[] parts = testCase.split("\\|");
    assertEquals(2, run("--config", configFile(parts[0]).toString()), parts[0]);
    assertTrue(err.toString().contains(parts[1]), err.toString());
    assertNull(settings);
  }
}
