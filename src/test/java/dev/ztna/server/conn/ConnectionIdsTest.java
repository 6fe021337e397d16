package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** {@link ConnectionIds}: issuing and retiring local CIDs, tracking the peer's (RFC 9000 §5.1). */
class ConnectionIdsTest {
  private static final byte[] CLIENT_SCID = {1, 2, 3, 4, 5, 6, 7, 8};

  private static ConnectionIds ids(int limit, long seed) {
    SecureRandom r = new SecureRandom();
    r.setSeed(seed);
    return new ConnectionIds(
        new RandomConnectionIdGenerator(8, r),
        new StatelessResetTokens(new byte[32]),
        limit,
        CLIENT_SCID);
  }

  private static UnsafeBuffer ncid(int seq) {
    // 8-byte CID then a 16-byte reset token, both derived from seq
    byte[] b = new byte[24];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (seq * 31 + i);
    }
    return new UnsafeBuffer(b);
  }

  @Test
  void issuesUpToTheLimitAndAnnouncesAllButTheFirst() {
    ConnectionIds c = ids(3, 1);
    assertEquals(0, c.issue(false));
    assertEquals(1, c.issue(true));
    assertEquals(2, c.issue(true));
    assertEquals(-1, c.issue(true));
    assertEquals(3, c.activeLocal());
    assertTrue(c.hasAnnouncements());
    UnsafeBuffer out = new UnsafeBuffer(new byte[200]);
    int n = c.writeNewConnectionIds(out, 0, 200);
    assertTrue(n > 0);
    assertEquals(0b110, c.lastAnnounced());
    assertFalse(c.hasAnnouncements());
    c.onAnnouncementLost(0b010);
    assertTrue(c.hasAnnouncements());
  }

  @Test
  void retireRules() {
    ConnectionIds c = ids(2, 2);
    c.issue(false);
    c.issue(true);
    UnsafeBuffer none = new UnsafeBuffer(new byte[8]);
    assertEquals(ConnectionIds.RETIRE_UNISSUED, c.onRetire(5, none, 0, -1));
    assertEquals(ConnectionIds.RETIRE_NOT_SENT, c.onRetire(1, none, 0, -1));
    UnsafeBuffer seq0 = new UnsafeBuffer(c.localCids(), c.localOffset(0), 8);
    assertEquals(ConnectionIds.RETIRE_IN_USE, c.onRetire(0, seq0, 0, 8));
    assertEquals(0, c.onRetire(0, seq0, 0, -1)); // carried by a long header: allowed
    assertEquals(ConnectionIds.RETIRE_ALREADY, c.onRetire(0, none, 0, -1));
    assertEquals(1, c.activeLocal());
  }

  @Test
  void newConnectionIdLimitsAndRetirePriorTo() {
    ConnectionIds c = ids(2, 3);
    UnsafeBuffer b1 = ncid(1);
    assertEquals(ConnectionIds.NEW_OK, c.onNewConnectionId(1, 0, b1, 0, 8, 8));
    assertEquals(ConnectionIds.NEW_OK, c.onNewConnectionId(1, 0, b1, 0, 8, 8)); // retransmission
    assertEquals(ConnectionIds.NEW_SEQUENCE_REUSED, c.onNewConnectionId(1, 0, ncid(9), 0, 8, 8));
    assertEquals(ConnectionIds.NEW_TOO_MANY, c.onNewConnectionId(2, 0, ncid(2), 0, 8, 8));
    // retire_prior_to 2 retires seq 0 (in use: switches to another) and 1
    assertEquals(ConnectionIds.NEW_OK, c.onNewConnectionId(2, 2, ncid(2), 0, 8, 8));
    assertTrue(c.hasPendingRetires());
    Set<Long> retired = new HashSet<>();
    while (c.hasPendingRetires()) {
      retired.add(c.takeRetire());
    }
    assertEquals(Set.of(0L, 1L), retired);
    byte[] dcid = new byte[8];
    c.dcid().getBytes(0, dcid);
    byte[] want = new byte[8];
    ncid(2).getBytes(0, want);
    assertEquals(new UnsafeBuffer(want), new UnsafeBuffer(dcid));
    // a stateless reset ends with the token of seq 2
    byte[] packet = new byte[40];
    ncid(2).getBytes(8, packet, 24, 16);
    assertTrue(c.isStatelessReset(packet, 0, 40));
    assertFalse(c.isStatelessReset(new byte[40], 0, 40));
  }

  @Test
  void zeroLengthPeerMayNotIssue() {
    ConnectionIds c =
        new ConnectionIds(
            new RandomConnectionIdGenerator(8, new SecureRandom()),
            new StatelessResetTokens(new byte[32]),
            2,
            new byte[0]);
    assertEquals(ConnectionIds.NEW_ZERO_LENGTH_PEER, c.onNewConnectionId(1, 0, ncid(1), 0, 8, 8));
  }

  /**
   * Whatever the peer sends (sequence numbers and retire_prior_to at random), the CID in use is
   * never one queued for retirement, and the retire queue never silently drops one (§5.1.2).
   */
  @Property(tries = 300)
  void inUseCidIsNeverRetired(@ForAll @IntRange(min = 2, max = 8) int limit, @ForAll long seed) {
    java.util.Random r = new java.util.Random(seed);
    ConnectionIds c = ids(limit, seed);
    long inUseSeq = 0;
    java.util.Map<Long, Long> seqOfFirstByte = new java.util.HashMap<>();
    seqOfFirstByte.put((long) CLIENT_SCID[0], 0L);
    int nextSeq = 1;
    int rpt = 0;
    for (int i = 0; i < 100; i++) {
      int seq = r.nextInt(4) == 0 ? r.nextInt(nextSeq) : nextSeq++;
      if (r.nextInt(3) == 0) {
        rpt = Math.min(seq, rpt + r.nextInt(3));
      }
      UnsafeBuffer b = ncid(seq);
      seqOfFirstByte.put((long) b.getByte(0), (long) seq);
      int res = c.onNewConnectionId(seq, rpt, b, 0, 8, 8);
      if (res == ConnectionIds.NEW_TOO_MANY || res == ConnectionIds.NEW_TOO_MANY_RETIRES) {
        return; // the connection closes here
      }
      Long cur = seqOfFirstByte.get((long) c.dcid().getByte(0));
      if (cur != null) {
        inUseSeq = cur;
      }
      if (c.hasPendingRetires() && r.nextBoolean()) {
        long retired = c.takeRetire();
        assertTrue(retired != inUseSeq || c.dcidLength() == 0, "retired the CID in use");
      }
    }
  }
}
