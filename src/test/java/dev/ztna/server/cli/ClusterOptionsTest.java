package dev.ztna.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.config.ClusterSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code [cluster]} table and its flags (issue 11 §2): help lists them, valid values reach
 * {@link ClusterSettings}, invalid ones exit 2 naming the key or flag, and the default is a single
 * node.
 */
class ClusterOptionsTest {
  @TempDir Path tmp;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private ClusterSettings cluster;

  private int run(String... args) {
    return Main.execute(
        args,
        (settings, credentials) -> {
          cluster = settings.cluster;
          return 0;
        },
        tmp.resolve("certs"),
        new PrintWriter(out),
        new PrintWriter(err));
  }

  @Test
  void helpListsTheClusterOptionsAndTheMemberCommand() {
    assertEquals(0, run("--help"));
    String help = out.toString();
    for (String option :
        List.of(
            "--cluster-node-id",
            "--cluster-member",
            "--cluster-member-id",
            "--cluster-dir",
            "--cluster-session-timeout-ms",
            "--cluster-egress-channel",
            "cluster-member ")) {
      assertTrue(help.contains(option), option + " missing from help:\n" + help);
    }
    out.getBuffer().setLength(0);
    assertEquals(0, run("cluster-member", "--help"));
    assertTrue(out.toString().contains("--cluster-member-id"), out.toString());
  }

  @Test
  void theDefaultIsASingleNode() {
    assertEquals(0, run());
    assertFalse(cluster.isClustered());
    assertFalse(cluster.hostsMember());
    assertEquals("cluster: none (single node)", cluster.toString());
  }

  @Test
  void aTomlClusterTableReachesTheSettings() throws Exception {
    Path config = tmp.resolve("node.toml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "[cluster]",
            "node_id = 1",
            "members = [\"127.0.0.1:9000\", \"127.0.0.1:9010\", \"127.0.0.1:9020\"]",
            "member_id = 1",
            "dir = \"" + tmp.resolve("cl").toString().replace("\\", "\\\\") + "\"",
            "session_timeout_ms = 3000",
            "egress_channel = \"aeron:udp?endpoint=127.0.0.1:0\"",
            // A directory node relays to the other nodes over the fabric, under the same id.
            "[fabric]",
            "node_id = 1",
            "nodes = [\"127.0.0.1:9100\", \"127.0.0.1:9101\"]",
            ""));
    assertEquals(0, run("--config", config.toString()), err.toString());
    assertTrue(cluster.isClustered());
    assertEquals(1, cluster.nodeId);
    assertEquals(1, cluster.memberId);
    assertEquals(List.of("127.0.0.1:9000", "127.0.0.1:9010", "127.0.0.1:9020"), cluster.members);
    assertEquals(3000, cluster.sessionTimeoutMs);
    assertEquals("aeron:udp?endpoint=127.0.0.1:0", cluster.egressChannel);
    assertEquals(tmp.resolve("cl"), cluster.dir);
  }

  @Test
  void invalidValuesExit2NamingTheKey() throws Exception {
    assertInvalid("--cluster-node-id needs cluster.members", "--cluster-node-id", "0");
    assertInvalid(
        "--cluster-member-id 3 is not a member",
        "--cluster-member",
        "127.0.0.1:9000",
        "--cluster-member-id",
        "3");
    assertInvalid("--cluster-node-id", "--cluster-node-id", "1024");
    assertInvalid("--cluster-session-timeout-ms", "--cluster-session-timeout-ms", "10");
    assertInvalid(
        "--cluster-egress-channel 'udp://x' is not an Aeron channel",
        "--cluster-egress-channel",
        "udp://x");
    assertInvalid("--cluster-member", "--cluster-member", "nohost");
    assertInvalid(
        "--cluster-member port 65533 leaves no room", "--cluster-member", "127.0.0.1:65533");
    Path config = tmp.resolve("bad.toml");
    Files.writeString(config, "[cluster]\nnode_id = 0\nmember_id = 0\n");
    assertInvalid("'cluster.node_id' needs cluster.members", "--config", config.toString());
    Files.writeString(
        config, "[cluster]\nmembers = [\"127.0.0.1:9000\"]\nsession_timeout_ms = 0\n");
    assertInvalid("cluster.session_timeout_ms", "--config", config.toString());
    Files.writeString(config, "[cluster]\nnodes = 3\n");
    assertInvalid("cluster.nodes", "--config", config.toString());
  }

  @Test
  void theDirectoryAndTheFabricComeTogetherUnderOneNodeId() {
    String[] members = {"--cluster-member", "127.0.0.1:9000"};
    assertInvalid(
        "cluster.node_id: several nodes need the relay fabric too",
        "--cluster-node-id",
        "0",
        members[0],
        members[1]);
    assertInvalid(
        "fabric.node_id: several nodes need the replicated service directory",
        "--fabric-node-id",
        "0",
        "--fabric-node",
        "127.0.0.1:9100");
    assertInvalid(
        "fabric.node_id 1 differs from cluster.node_id 0",
        "--cluster-node-id",
        "0",
        members[0],
        members[1],
        "--fabric-node-id",
        "1",
        "--fabric-node",
        "127.0.0.1:9100",
        "--fabric-node",
        "127.0.0.1:9101");
  }

  private void assertInvalid(String expected, String... args) {
    err.getBuffer().setLength(0);
    cluster = null;
    assertEquals(2, run(args), String.join(" ", args) + ": " + err);
    assertTrue(err.toString().contains(expected), "expected '" + expected + "' in: " + err);
    assertEquals(null, cluster, "not launched");
  }
}
