package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** {@link CryptoStreams}: reassembly in any order, and send-side pending/acked bookkeeping. */
class CryptoStreamsProperties {

  /** A stream cut into random, overlapping, reordered and duplicated chunks arrives intact. */
  @Property(tries = 300)
  void reassemblesReorderedOverlappingChunks(
      @ForAll @IntRange(min = 1, max = 6000) int length, @ForAll long seed) {
    Random r = new Random(seed);
    byte[] stream = new byte[length];
    r.nextBytes(stream);
    List<int[]> chunks = new ArrayList<>();
    for (int off = 0; off < length; ) {
      int n = Math.min(length - off, 1 + r.nextInt(700));
      int back = off > 0 && r.nextBoolean() ? r.nextInt(Math.min(off, 50) + 1) : 0;
      chunks.add(new int[] {off - back, n + back});
      if (r.nextInt(4) == 0) {
        chunks.add(new int[] {off - back, n + back}); // duplicate
      }
      off += n;
    }
    Collections.shuffle(chunks, r);
    CryptoStreams c = new CryptoStreams();
    UnsafeBuffer src = new UnsafeBuffer(stream);
    ByteArrayOutputStream delivered = new ByteArrayOutputStream();
    for (int[] ch : chunks) {
      int ready = c.receive(PacketNumberSpace.HANDSHAKE, src, ch[0], ch[0], ch[1]);
      assertTrue(ready >= 0, "within the buffer: " + ready);
      if (ready > 0) {
        delivered.write(c.inBuffer(PacketNumberSpace.HANDSHAKE), 0, ready);
        c.consume(PacketNumberSpace.HANDSHAKE, ready);
      }
    }
    assertArrayEquals(stream, delivered.toByteArray());
  }

  @Test
  void refusesDataBeyondTheBuffer() {
    CryptoStreams c = new CryptoStreams();
    UnsafeBuffer src = new UnsafeBuffer(new byte[10]);
    assertEquals(
        CryptoStreams.RX_BUFFER_EXCEEDED,
        c.receive(PacketNumberSpace.INITIAL, src, 0, CryptoStreams.BUFFER - 5, 10));
    assertEquals(0, c.receive(PacketNumberSpace.INITIAL, src, 0, 5, 5)); // a gap before it
    assertEquals(10, c.receive(PacketNumberSpace.INITIAL, src, 0, 0, 5));
  }

  /**
   * Frames written, acknowledged or lost at random: every byte is eventually acknowledged exactly
   * when resending everything pending, and nothing acknowledged is ever pending again.
   */
  @Property(tries = 300)
  void lostBytesComeBackAckedOnesNever(
      @ForAll @IntRange(min = 1, max = 5000) int length, @ForAll long seed) {
    Random r = new Random(seed);
    CryptoStreams c = new CryptoStreams();
    byte[] data = new byte[length];
    r.nextBytes(data);
    c.append(PacketNumberSpace.INITIAL, data, 0, length);
    UnsafeBuffer out = new UnsafeBuffer(new byte[1500]);
    boolean[] acked = new boolean[length];
    List<long[]> inFlight = new ArrayList<>();
    for (int step = 0; step < 10_000 && !allTrue(acked); step++) {
      if (c.hasPending(PacketNumberSpace.INITIAL) && r.nextBoolean()) {
        int n = c.writeFrame(PacketNumberSpace.INITIAL, out, 0, 100 + r.nextInt(1300));
        if (n > 0) {
          long off = c.lastFrameOffset();
          int len = c.lastFrameLength();
          byte[] got = new byte[len];
          out.getBytes(n - len, got);
          for (int i = 0; i < len; i++) {
            assertEquals(data[(int) off + i], got[i]);
            assertFalse(acked[(int) off + i], "acknowledged byte resent");
          }
          inFlight.add(new long[] {off, len});
        }
      } else if (!inFlight.isEmpty()) {
        long[] p = inFlight.remove(r.nextInt(inFlight.size()));
        if (r.nextInt(3) == 0) {
          c.onLost(PacketNumberSpace.INITIAL, p[0], (int) p[1]);
        } else {
          c.onAcked(PacketNumberSpace.INITIAL, p[0], (int) p[1]);
          for (int i = 0; i < p[1]; i++) {
            acked[(int) p[0] + i] = true;
          }
        }
      } else {
        c.requeueUnacked(PacketNumberSpace.INITIAL); // a PTO
      }
    }
    assertTrue(allTrue(acked));
    c.requeueUnacked(PacketNumberSpace.INITIAL);
    assertFalse(c.hasPending(PacketNumberSpace.INITIAL));
  }

  private static boolean allTrue(boolean[] b) {
    for (boolean x : b) {
      if (!x) {
        return false;
      }
    }
    return true;
  }

  @Test
  void buffersAppearOnUseAndGoOnDiscard() {
    CryptoStreams c = new CryptoStreams();
    assertFalse(c.holdsBuffers(PacketNumberSpace.INITIAL));
    c.append(PacketNumberSpace.INITIAL, new byte[3], 0, 3);
    c.receive(PacketNumberSpace.INITIAL, new UnsafeBuffer(new byte[3]), 0, 0, 3);
    assertTrue(c.holdsBuffers(PacketNumberSpace.INITIAL));
    c.discard(PacketNumberSpace.INITIAL);
    assertFalse(c.holdsBuffers(PacketNumberSpace.INITIAL));
    assertFalse(c.hasPending(PacketNumberSpace.INITIAL));
    c.onAcked(PacketNumberSpace.INITIAL, 0, 3); // late callbacks are harmless
    c.onLost(PacketNumberSpace.INITIAL, 0, 3);
    c.consume(PacketNumberSpace.INITIAL, 3);
  }
}
