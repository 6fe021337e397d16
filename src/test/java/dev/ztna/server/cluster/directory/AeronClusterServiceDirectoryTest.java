package dev.ztna.server.cluster.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.cluster.ServiceDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three cluster members and three nodes' {@link AeronClusterServiceDirectory} in one process, on
 * loopback: announcements reach every node, newest wins across nodes, a node that leaves or goes
 * silent has its entries removed, and a leader failover keeps the state.
 */
class AeronClusterServiceDirectoryTest {
  private static final int NONE = ServiceDirectory.NO_NODE;

  @TempDir Path dir;
  private DirectoryClusterFixture fx;
  private AeronClusterServiceDirectory n0;
  private AeronClusterServiceDirectory n1;
  private AeronClusterServiceDirectory n2;
  private final List<String> heardBy1 = new ArrayList<>();

  @BeforeEach
  void start() {
    long seed = System.nanoTime();
    fx = new DirectoryClusterFixture(dir, seed);
    n0 = fx.client(0);
    n1 = fx.client(1);
    n2 = fx.client(2);
    n1.listener(
        (id, offset, length, node) ->
            heardBy1.add(id.getStringWithoutLengthUtf8(offset, length) + "=" + node));
    fx.await("every node synced", () -> n0.isSynced() && n1.isSynced() && n2.isSynced());
  }

  @AfterEach
  void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  private static UnsafeBuffer id(String s) {
    return new UnsafeBuffer(s.getBytes(StandardCharsets.UTF_8));
  }

  private static int connector(AeronClusterServiceDirectory d, String s) {
    UnsafeBuffer b = id(s);
    return d.connectorNode(b, 0, b.capacity());
  }

  private static int soleAgent(AeronClusterServiceDirectory d, String s) {
    UnsafeBuffer b = id(s);
    return d.soleAgentNode(b, 0, b.capacity());
  }

  private boolean everyNodeSees(String service, int connectorNode) {
    return connector(n0, service) == connectorNode
        && connector(n1, service) == connectorNode
        && connector(n2, service) == connectorNode;
  }

  @Test
  void aConnectorAnnouncedOnOneNodeIsSeenByTheOthers() {
    UnsafeBuffer web = id("web");
    n0.announceConnector(web, 0, web.capacity());
    fx.await("web on node 0 everywhere", () -> everyNodeSees("web", 0));
    assertEquals(List.of("web=0"), heardBy1);

    UnsafeBuffer ssh = id("ssh");
    n2.announceAgent(ssh, 0, ssh.capacity());
    fx.await("ssh's sole Agent on node 2", () -> soleAgent(n0, "ssh") == 2);
    n1.announceAgent(ssh, 0, ssh.capacity());
    fx.await(
        "ssh has two Agents", () -> soleAgent(n0, "ssh") == NONE && soleAgent(n2, "ssh") == NONE);
    n2.withdrawAgent(ssh, 0, ssh.capacity());
    fx.await("ssh's sole Agent on node 1", () -> soleAgent(n0, "ssh") == 1);

    n0.withdrawConnector(web, 0, web.capacity());
    fx.await("web gone", () -> everyNodeSees("web", NONE));
    assertEquals(List.of("web=0", "web=-1"), heardBy1);
  }

  @Test
  void newestWinsAcrossNodesAndTheOldHolderHearsIt() {
    List<String> heardBy0 = new ArrayList<>();
    n0.listener(
        (id, offset, length, node) ->
            heardBy0.add(id.getStringWithoutLengthUtf8(offset, length) + "=" + node));
    UnsafeBuffer web = id("web");
    n0.announceConnector(web, 0, web.capacity());
    fx.await("web on node 0", () -> everyNodeSees("web", 0));
    n2.announceConnector(web, 0, web.capacity());
    fx.await("web on node 2", () -> everyNodeSees("web", 2));
    assertEquals(List.of("web=0", "web=2"), heardBy0, "node 0 hears the move (and closes 0x102)");
    n0.withdrawConnector(web, 0, web.capacity()); // node 0's Connector closed: not the holder
    n1.announceAgent(web, 0, web.capacity()); // a later change, to be sure the release was applied
    fx.await("the Agent is seen", () -> soleAgent(n2, "web") == 1);
    assertEquals(2, connector(n1, "web"));
  }

  @Test
  void aNodeThatClosesItsSessionHasItsEntriesRemoved() {
    UnsafeBuffer web = id("web");
    UnsafeBuffer ssh = id("ssh");
    n2.announceConnector(web, 0, web.capacity());
    n2.announceAgent(ssh, 0, ssh.capacity());
    n0.announceConnector(ssh, 0, ssh.capacity());
    fx.await(
        "announced",
        () -> everyNodeSees("web", 2) && everyNodeSees("ssh", 0) && soleAgent(n1, "ssh") == 2);
    n2.close();
    List<AeronClusterServiceDirectory> rest = List.of(n0, n1);
    DirectoryClusterFixture.await(
        "node 2's entries removed",
        () ->
            connector(n0, "web") == NONE
                && connector(n1, "web") == NONE
                && soleAgent(n0, "ssh") == NONE,
        rest);
    assertEquals(0, connector(n1, "ssh"), "node 0's entry stays");
  }

  @Test
  void aSilentNodeHasItsEntriesRemovedWhenItsSessionTimesOut() {
    UnsafeBuffer web = id("web");
    n2.announceConnector(web, 0, web.capacity());
    fx.await("announced", () -> everyNodeSees("web", 2));
    // Node 2 stops polling (as if its process hung or died): no more heartbeats.
    DirectoryClusterFixture.await(
        "node 2's session timed out", () -> connector(n0, "web") == NONE, List.of(n0, n1));
    assertEquals(NONE, connector(n1, "web"));
    // When node 2 polls again it finds its session gone, opens a new one and re-announces.
    fx.await("node 2 is back", () -> everyNodeSees("web", 2));
  }

  @Test
  void aLeaderFailoverKeepsTheState() {
    UnsafeBuffer web = id("web");
    UnsafeBuffer ssh = id("ssh");
    n0.announceConnector(web, 0, web.capacity());
    n1.announceAgent(web, 0, web.capacity());
    fx.await("announced", () -> everyNodeSees("web", 0) && soleAgent(n2, "web") == 1);
    int leader = fx.leader();
    System.out.println("closing the leader, member " + leader);
    fx.cluster[leader].close();
    fx.cluster[leader] = null;
    int newLeader = fx.leader();
    System.out.println("new leader: member " + newLeader);
    n2.announceConnector(ssh, 0, ssh.capacity());
    fx.await("a change after the failover reaches every node", () -> everyNodeSees("ssh", 2));
    assertEquals(0, connector(n1, "web"));
    assertEquals(1, soleAgent(n0, "web"));
  }

  @Test
  void aRestartedClusterLoadsItsSnapshotAndReplaysTheLogAfterIt() throws Exception {
    UnsafeBuffer web = id("web");
    UnsafeBuffer ssh = id("ssh");
    n0.announceConnector(web, 0, web.capacity());
    n1.announceAgent(web, 0, web.capacity());
    fx.await("announced", () -> everyNodeSees("web", 0) && soleAgent(n2, "web") == 1);
    int leader = fx.leader();
    long snapshotVersion = fx.cluster[leader].service().appliedVersion();
    CompletableFuture<Boolean> snapshot =
        CompletableFuture.supplyAsync(() -> fx.cluster[leader].takeSnapshot());
    fx.await("the snapshot", snapshot::isDone); // the nodes keep polling meanwhile
    assertTrue(snapshot.get(), "snapshot taken");
    n2.announceConnector(ssh, 0, ssh.capacity()); // in the log after the snapshot
    fx.await("ssh on node 2", () -> everyNodeSees("ssh", 2));
    long lastVersion = fx.cluster[leader].service().appliedVersion();

    for (int i = 0; i < 3; i++) {
      fx.cluster[i].close();
      fx.cluster[i] = null;
    }
    for (int i = 0; i < 3; i++) {
      fx.cluster[i] = ClusterMember.launch(fx.memberConfig(i));
    }
    fx.await(
        "every member loaded the snapshot and replayed the log after it",
        () -> {
          for (ClusterMember m : fx.cluster) {
            if (m.service().loadedVersion() != snapshotVersion
                || m.service().appliedVersion() < lastVersion) {
              return false;
            }
          }
          return true;
        });
    // The nodes notice the restart, bind again, and the directory is whole again.
    fx.await(
        "every node sees the state again",
        () -> everyNodeSees("web", 0) && everyNodeSees("ssh", 2) && soleAgent(n0, "web") == 1);
  }

  @Test
  void aFullQueueRefusesAndCountsAndTheNodeStillConverges() {
    AeronClusterServiceDirectory small = fx.client(3, 2); // a fourth node
    fx.await("synced", small::isSynced);
    UnsafeBuffer a = id("a");
    UnsafeBuffer b = id("b");
    UnsafeBuffer c = id("c");
    assertTrue(small.announceConnector(a, 0, a.capacity()));
    assertTrue(small.announceConnector(b, 0, b.capacity()));
    assertEquals(false, small.announceConnector(c, 0, c.capacity()), "two unacknowledged: full");
    assertEquals(1, small.counters().get(DirectoryCounters.Counter.DROP_DIRECTORY_BACK_PRESSURE));
    fx.await("a and b announced", () -> everyNodeSees("a", 3) && everyNodeSees("b", 3));
    assertTrue(small.announceConnector(c, 0, c.capacity()), "room again once acknowledged");
    fx.await("c announced", () -> everyNodeSees("c", 3));
  }

  @Test
  void aNodeBackFromALostSessionDoesNotTakeBackANewerConnector() {
    List<String> heardBy2 = new ArrayList<>();
    n2.listener(
        (id, offset, length, node) ->
            heardBy2.add(id.getStringWithoutLengthUtf8(offset, length) + "=" + node));
    UnsafeBuffer web = id("web");
    n2.announceConnector(web, 0, web.capacity());
    fx.await("web on node 2", () -> everyNodeSees("web", 2));
    long sessionBefore = n2.sessionId();
    DirectoryClusterFixture.await(
        "node 2's session timed out", () -> connector(n0, "web") == NONE, List.of(n0, n1));
    n0.announceConnector(web, 0, web.capacity()); // the Connector reconnected to node 0
    DirectoryClusterFixture.await(
        "web on node 0", () -> connector(n1, "web") == 0, List.of(n0, n1));
    fx.await(
        "node 2 back on a new session, hearing web on node 0",
        () -> n2.isSynced() && n2.sessionId() != sessionBefore && connector(n2, "web") == 0);
    fx.await("node 2's re-announcement applied", () -> n2.pendingAnnouncements() == 0);
    UnsafeBuffer later = id("later");
    n2.announceAgent(later, 0, later.capacity()); // ordered after the re-announcement
    fx.await("a later change seen", () -> soleAgent(n0, "later") == 2);
    assertEquals(0, connector(n0, "web"), "node 2's older claim did not win");
    assertEquals(0, connector(n1, "web"));
    assertEquals("web=0", heardBy2.get(heardBy2.size() - 1));
  }

  @Test
  void twoProcessesWithTheSameNodeIdAreCounted() {
    AeronClusterServiceDirectory clash = fx.client(1); // misconfigured: node 1 again
    fx.await(
        "the clash is counted",
        () ->
            n1.counters().get(DirectoryCounters.Counter.DIRECTORY_REBINDS)
                    + clash.counters().get(DirectoryCounters.Counter.DIRECTORY_REBINDS)
                > 0);
  }
}
