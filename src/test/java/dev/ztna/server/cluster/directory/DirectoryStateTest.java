package dev.ztna.server.cluster.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.cluster.ServiceDirectory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The directory's state machine on its own ({@link DirectoryState}). */
class DirectoryStateTest {
  private static final int NONE = ServiceDirectory.NO_NODE;
  private static final byte[] WEB = id("web");
  private static final byte[] SSH = id("ssh");

  private final DirectoryState state = new DirectoryState();
  private final List<String> changes = new ArrayList<>();
  private final DirectoryState.Changes record =
      (id, connector, sole, version) ->
          changes.add(
              new String(id, StandardCharsets.UTF_8)
                  + ":"
                  + connector
                  + "/"
                  + sole
                  + "@"
                  + version);

  private static byte[] id(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private void bind(int node, long session) {
    state.hello(node, session, record);
  }

  @Test
  void newestClaimWinsAndAnOlderOneIsIgnored() {
    bind(0, 100);
    bind(1, 101);
    bind(2, 102);
    state.claim(0, 1_000, WEB, record);
    assertEquals(0, state.connectorNode(WEB));
    state.claim(1, 2_000, WEB, record);
    assertEquals(1, state.connectorNode(WEB));
    state.claim(2, 1_500, WEB, record); // older than node 1's: a stale re-announcement
    assertEquals(1, state.connectorNode(WEB));
    state.claim(2, 2_000, WEB, record); // as new: the later arrival wins
    assertEquals(2, state.connectorNode(WEB));
    assertEquals(List.of("web:0/-1@1", "web:1/-1@2", "web:2/-1@3"), changes);
    assertEquals(3, state.version());
  }

  @Test
  void aReleaseByANodeThatNoLongerHoldsTheServiceChangesNothing() {
    bind(0, 100);
    bind(1, 101);
    state.claim(0, 1, WEB, record);
    state.claim(1, 2, WEB, record);
    state.release(0, WEB, record);
    assertEquals(1, state.connectorNode(WEB));
    state.release(1, WEB, record);
    assertEquals(NONE, state.connectorNode(WEB));
    assertEquals(0, state.serviceCount());
    assertEquals(List.of("web:0/-1@1", "web:1/-1@2", "web:-1/-1@3"), changes);
  }

  @Test
  void agentCountsPerNodeGiveTheSoleAgentNode() {
    bind(0, 100);
    bind(1, 101);
    state.agents(0, 1, SSH, record);
    assertEquals(0, state.soleAgentNode(SSH));
    state.agents(1, 1, SSH, record);
    assertEquals(NONE, state.soleAgentNode(SSH));
    state.agents(0, 0, SSH, record);
    assertEquals(1, state.soleAgentNode(SSH));
    state.agents(1, 3, SSH, record);
    assertEquals(NONE, state.soleAgentNode(SSH));
    assertEquals(3, state.agentCount(SSH, 1));
    state.agents(1, 0, SSH, record);
    assertEquals(0, state.serviceCount());
    assertEquals(List.of("ssh:-1/0@1", "ssh:-1/-1@2", "ssh:-1/1@3", "ssh:-1/-1@4"), changes);
  }

  @Test
  void sessionCloseRemovesEveryEntryOfItsNodeOnly() {
    bind(0, 100);
    bind(1, 101);
    state.claim(0, 1, WEB, record);
    state.agents(0, 2, SSH, record);
    state.agents(1, 1, SSH, record);
    state.claim(1, 1, SSH, record);
    state.sessionClosed(100, record);
    assertEquals(NONE, state.connectorNode(WEB));
    assertEquals(1, state.connectorNode(SSH));
    assertEquals(1, state.soleAgentNode(SSH));
    assertEquals(0, state.agentCount(SSH, 0));
    assertEquals(NONE, state.nodeOf(100));
    state.sessionClosed(100, record); // again: nothing
    state.sessionClosed(999, record); // unknown: nothing
    assertEquals(1, state.serviceCount());
  }

  @Test
  void aNewSessionForANodeReplacesTheOldAndItsCloseIsThenIgnored() {
    bind(0, 100);
    state.claim(0, 1, WEB, record);
    assertTrue(state.accept(0, 100, 1));
    assertTrue(state.hello(0, 200, record));
    assertEquals(NONE, state.connectorNode(WEB), "the new session re-announces");
    assertEquals(0, state.lastApplied(0));
    state.claim(0, 1, WEB, record);
    state.sessionClosed(100, record); // the old session's timeout comes late
    assertEquals(0, state.connectorNode(WEB));
    assertFalse(state.hello(0, 200, record), "HELLO again on the same session changes nothing");
    assertEquals(0, state.connectorNode(WEB));
  }

  @Test
  void sequencedMessagesAreAppliedOnceAndOnlyFromTheNodesSession() {
    bind(0, 100);
    assertTrue(state.accept(0, 100, 1));
    assertTrue(state.accept(0, 100, 2));
    assertFalse(state.accept(0, 100, 2), "a duplicate sent again to a new leader");
    assertFalse(state.accept(0, 100, 1));
    assertFalse(state.accept(0, 555, 3), "another session cannot speak for node 0");
    assertFalse(state.accept(1, 100, 3), "an unbound node");
    assertEquals(2, state.lastApplied(0));
  }

  @Test
  void snapshotAndLoadGiveTheSameState() {
    long seed = new Random().nextLong();
    System.out.println("DirectoryStateTest seed " + seed);
    Random random = new Random(seed);
    for (int node = 0; node < 4; node++) {
      bind(node, 1000 + node);
    }
    for (int i = 0; i < 500; i++) {
      int node = random.nextInt(4);
      byte[] id = id("svc-" + random.nextInt(40));
      state.accept(node, 1000 + node, i + 1);
      switch (random.nextInt(4)) {
        case 0 -> state.claim(node, random.nextInt(1000), id, record);
        case 1 -> state.release(node, id, record);
        default -> state.agents(node, random.nextInt(3), id, record);
      }
    }
    state.sessionClosed(1002, record);

    ExpandableArrayBuffer image = new ExpandableArrayBuffer();
    int[] length = {0};
    List<int[]> records = new ArrayList<>();
    state.snapshot(
        new UnsafeBuffer(new byte[DirectoryMessage.MAX_LENGTH]),
        (buffer, offset, len) -> {
          image.putBytes(length[0], buffer, offset, len);
          records.add(new int[] {length[0], len});
          length[0] += len;
        });
    DirectoryState loaded = new DirectoryState();
    boolean ended = false;
    for (int[] r : records) {
      assertFalse(ended, "nothing after the end record");
      ended = loaded.load(image, r[0], r[1]);
    }
    assertTrue(ended);
    assertEquals(state.describe(), loaded.describe());

    // And both go on the same way.
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    state.hello(
        0, 5000, (id, c, s, v) -> a.add(new String(id, StandardCharsets.UTF_8) + c + s + v));
    loaded.hello(
        0, 5000, (id, c, s, v) -> b.add(new String(id, StandardCharsets.UTF_8) + c + s + v));
    assertEquals(a, b);
    assertEquals(state.describe(), loaded.describe());
  }
}
