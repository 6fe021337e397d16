package dev.ztna.server.cluster.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ztna.server.cluster.ServiceDirectory;
import dev.ztna.server.config.ConfigLoader;
import dev.ztna.server.config.ServerSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The co-located layout from configuration: three nodes' {@code [cluster]} tables, each naming its
 * member; {@link DirectoryHosting} starts the member and opens the node's directory on the member's
 * media driver; an announcement on one node reaches the others. And a single node's settings start
 * nothing.
 */
class DirectoryHostingTest {
  @Test
  void threeCoLocatedNodesFromTheirSettings(@TempDir Path tmp) throws Exception {
    List<String> members = DirectoryClusterFixture.freeMembers(new java.util.Random(), 3);
    List<DirectoryHosting> hostings = new ArrayList<>();
    List<AeronClusterServiceDirectory> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Path config = tmp.resolve("node" + i + ".toml");
        Files.writeString(
            config,
            String.join(
                "\n",
                "[cluster]",
                "node_id = " + i,
                "member_id = " + i,
                "members = [\"" + String.join("\", \"", members) + "\"]",
                "dir = \"" + tmp.resolve("cluster-" + i) + "\"",
                "session_timeout_ms = 2000",
                ""));
        ServerSettings settings =
            new ConfigLoader(config, null, Map.of(), tmp.resolve("certs")).load();
        DirectoryHosting h = DirectoryHosting.start(settings.cluster);
        hostings.add(h);
        assertNotNull(h.member());
        nodes.add(h.openDirectory(new DirectoryCounters()));
      }
      DirectoryClusterFixture.await(
          "synced", () -> nodes.stream().allMatch(AeronClusterServiceDirectory::isSynced), nodes);
      UnsafeBuffer web = new UnsafeBuffer("web".getBytes(StandardCharsets.UTF_8));
      nodes.get(1).announceConnector(web, 0, web.capacity());
      DirectoryClusterFixture.await(
          "web on node 1 everywhere",
          () -> nodes.stream().allMatch(n -> n.connectorNode(web, 0, web.capacity()) == 1),
          nodes);
    } finally {
      CloseHelper.quietCloseAll(hostings);
    }
  }

  @Test
  void aSingleNodeStartsNothing(@TempDir Path tmp) {
    ServerSettings settings = new ConfigLoader(null, null, Map.of(), tmp.resolve("certs")).load();
    try (DirectoryHosting h = DirectoryHosting.start(settings.cluster)) {
      assertNull(h.member());
      assertNull(h.openDirectory(new DirectoryCounters()));
      assertEquals(ServiceDirectory.NO_NODE, -1);
    }
  }
}
