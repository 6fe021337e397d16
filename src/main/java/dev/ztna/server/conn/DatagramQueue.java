package dev.ztna.server.conn;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The DATAGRAM frames a connection has queued to send (RFC 9221 §5), oldest first, in a ring of
 * fixed-size slots. Storage is allocated on the first {@link #offer} and doubled on demand up to
 * the configured cap: a connection that bursts pays for the growth once, one that never sends keeps
 * no queue at all (a full-size queue is {@code maxSlots} x the slot size, 1.4 MB by default).
 *
 * <p>Single-threaded; offering, peeking and removing allocate nothing once the ring is grown.
 */
final class DatagramQueue {
  /** Slots allocated on first use. */
  static final int INITIAL_SLOTS = 4;

  private final int slotSize;
  private final int maxSlots;
  private byte[] ring;
  private int[] lengths;
  private int head;
  private int count;

  /**
   * @param slotSize the largest payload one slot holds (the largest UDP payload we send)
   * @param maxSlots the most datagrams queued at once
   */
  DatagramQueue(int slotSize, int maxSlots) {
    this.slotSize = slotSize;
    this.maxSlots = maxSlots;
  }

  /**
   * Copies {@code src[off, off+len)} to the tail of the queue ({@code len <= slotSize}).
   *
   * @return false when the queue holds {@code maxSlots} datagrams already (nothing is copied)
   */
  boolean offer(DirectBuffer src, int off, int len) {
    if (ring == null) {
      int slots = Math.min(INITIAL_SLOTS, maxSlots);
      ring = new byte[slots * slotSize];
      lengths = new int[slots];
    }
    if (count == lengths.length) {
      if (lengths.length >= maxSlots) {
        return false;
      }
      grow();
    }
    int slot = head + count;
    if (slot >= lengths.length) {
      slot -= lengths.length;
    }
    src.getBytes(off, ring, slot * slotSize, len);
    lengths[slot] = len;
    count++;
    return true;
  }

  /** Doubles the full ring (capped at {@code maxSlots}), oldest first at slot 0. */
  private void grow() {
    int slots = Math.min(lengths.length * 2, maxSlots);
    byte[] r = new byte[slots * slotSize];
    int[] lens = new int[slots];
    for (int n = 0; n < count; n++) {
      int from = head + n;
      if (from >= lengths.length) {
        from -= lengths.length;
      }
      System.arraycopy(ring, from * slotSize, r, n * slotSize, lengths[from]);
      lens[n] = lengths[from];
    }
    ring = r;
    lengths = lens;
    head = 0;
  }

  boolean isEmpty() {
    return count == 0;
  }

  int size() {
    return count;
  }

  /** Slots the ring holds now (0 before the first offer and after {@link #release}). */
  int capacity() {
    return lengths == null ? 0 : lengths.length;
  }

  /** Length of the oldest datagram; only when not empty. */
  int peekLength() {
    return lengths[head];
  }

  /** Copies the oldest datagram to {@code dst[pos..]}; only when not empty. */
  void copyHead(MutableDirectBuffer dst, int pos) {
    dst.putBytes(pos, ring, head * slotSize, lengths[head]);
  }

  /** Drops the oldest datagram; only when not empty. */
  void removeHead() {
    head = head + 1 == lengths.length ? 0 : head + 1;
    count--;
  }

  /** Drops every queued datagram (the connection is closing); keeps the storage. */
  void clear() {
    count = 0;
  }

  /** Drops every queued datagram and the storage (the connection ended). */
  void release() {
    ring = null;
    lengths = null;
    head = 0;
    count = 0;
  }
}
