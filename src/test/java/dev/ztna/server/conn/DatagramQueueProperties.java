package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** {@link DatagramQueue}: a bounded FIFO whose storage appears on first use and grows. */
class DatagramQueueProperties {
  private static final int SLOT = 64;

  /**
   * Positive events offer a datagram of that length, others take the oldest: the queue behaves as a
   * FIFO bounded at {@code max}, whatever the growth steps.
   */
  @Property(tries = 300)
  void behavesLikeABoundedFifo(
      @ForAll @IntRange(min = 1, max = 20) int max,
      @ForAll @Size(max = 200) List<@IntRange(min = -3, max = SLOT) Integer> events) {
    DatagramQueue q = new DatagramQueue(SLOT, max);
    ArrayDeque<byte[]> model = new ArrayDeque<>();
    UnsafeBuffer src = new UnsafeBuffer(new byte[SLOT]);
    UnsafeBuffer dst = new UnsafeBuffer(new byte[SLOT]);
    int serial = 0;
    for (int e : events) {
      if (e > 0) {
        byte[] d = new byte[e];
        for (int i = 0; i < e; i++) {
          d[i] = (byte) (serial + i);
        }
        serial++;
        src.putBytes(0, d);
        boolean ok = q.offer(src, 0, e);
        assertEquals(model.size() < max, ok);
        if (ok) {
          model.addLast(d);
        }
      } else if (!model.isEmpty()) {
        byte[] want = model.removeFirst();
        assertEquals(want.length, q.peekLength());
        q.copyHead(dst, 0);
        byte[] got = new byte[want.length];
        dst.getBytes(0, got);
        assertArrayEquals(want, got);
        q.removeHead();
      }
      assertEquals(model.size(), q.size());
      assertTrue(q.capacity() <= max);
    }
  }

  @Test
  void noStorageUntilFirstOfferAndNoneAfterRelease() {
    DatagramQueue q = new DatagramQueue(SLOT, 8);
    assertEquals(0, q.capacity());
    assertTrue(q.offer(new UnsafeBuffer(new byte[4]), 0, 4));
    assertEquals(DatagramQueue.INITIAL_SLOTS, q.capacity());
    q.clear();
    assertTrue(q.isEmpty());
    assertEquals(DatagramQueue.INITIAL_SLOTS, q.capacity());
    q.release();
    assertEquals(0, q.capacity());
    assertFalse(q.size() > 0);
  }

  @Test
  void zeroCapacityRefusesEverything() {
    DatagramQueue q = new DatagramQueue(SLOT, 0);
    assertFalse(q.offer(new UnsafeBuffer(new byte[4]), 0, 4));
  }
}
