package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** {@link SentFrames}: every live record reads back what its packet carried, across growth. */
class SentFramesProperties {

  /**
   * Packets are recorded and retired oldest-first at random (at most {@code max} live, like the
   * ledger): the live records' tokens always give back their frames.
   */
  @Property(tries = 200)
  void liveRecordsSurviveGrowth(
      @ForAll @IntRange(min = 0, max = 6) int maxShift, @ForAll long seed) {
    int initial = 2;
    int max = initial << maxShift;
    Random r = new Random(seed);
    SentFrames s = new SentFrames(initial, max);
    int space = PacketNumberSpace.APPLICATION;
    ArrayDeque<long[]> live = new ArrayDeque<>(); // token, cryptoOffset, flags, streamId, retire
    for (int i = 0; i < 2000; i++) {
      if (live.size() < max && r.nextInt(3) != 0) {
        s.beginPacket(space, live.size());
        long cOff = r.nextInt(10_000);
        s.carriedCrypto(cOff, 1 + r.nextInt(100));
        s.carriedAck(i);
        long sid = r.nextInt(50) * 4L;
        s.carriedMaxStreamData(sid);
        long seq = r.nextInt(100);
        s.carriedRetire(seq);
        s.carriedNewConnectionIds(1 << r.nextInt(4));
        long token = s.commit(true);
        live.addLast(new long[] {token, cOff, i, sid, seq});
      } else if (!live.isEmpty()) {
        live.removeFirst();
      }
      for (long[] rec : live) {
        assertEquals(rec[1], s.cryptoOffset(space, rec[0]));
        assertEquals(rec[2], s.ackLargest(space, rec[0]));
        assertEquals(rec[3], s.streamId(rec[0]));
        assertEquals(rec[4], s.retiredSequence(rec[0]));
        int f = s.flags(space, rec[0]);
        assertTrue((f & SentFrames.ACK) != 0 && (f & SentFrames.MAX_STREAM_DATA) != 0);
        assertTrue((f & SentFrames.RETIRE_CID) != 0);
      }
      assertTrue(s.capacity(space) <= max);
    }
  }

  @Test
  void unstoredPacketKeepsTheNewestToken() {
    SentFrames s = new SentFrames(4, 4);
    s.beginPacket(PacketNumberSpace.INITIAL, 0);
    s.carried(SentFrames.HANDSHAKE_DONE);
    assertEquals(0, s.commit(true));
    s.beginPacket(PacketNumberSpace.INITIAL, 1);
    s.carriedAck(7);
    assertEquals(7, s.currentAckLargest());
    assertEquals(0, s.commit(false));
    assertEquals(SentFrames.HANDSHAKE_DONE, s.flags(PacketNumberSpace.INITIAL, 0));
    s.discard(PacketNumberSpace.INITIAL);
    assertFalse(s.has(PacketNumberSpace.INITIAL));
    assertTrue(s.has(PacketNumberSpace.APPLICATION));
  }
}
