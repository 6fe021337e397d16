package dev.ztna.server.cluster.directory;

import java.util.Arrays;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * Entries keyed by a service id's bytes, as in {@code relay/Registry}: a primitive {@link
 * Long2ObjectHashMap} keyed by a seeded 64-bit hash of the id bytes, collisions chained and
 * resolved by comparing bytes, so a lookup straight from a buffer allocates nothing. The entries
 * are also kept in a dense array for iteration. Adding an entry allocates (once per id); lookups
 * and removals do not. One thread only.
 *
 * @param <E> the entry type
 */
final class IdTable<E extends IdTable.Entry> {
  /** An entry: its id, hash, collision chain and slot in the dense array. */
  abstract static class Entry {
    final byte[] id;
    final long hash;
    Entry next;
    int index = -1;

    Entry(byte[] id, long hash) {
      this.id = id;
      this.hash = hash;
    }

    final boolean idEquals(DirectBuffer buffer, int offset, int length) {
      if (length != id.length) {
        return false;
      }
      for (int i = 0; i < length; i++) {
        if (id[i] != buffer.getByte(offset + i)) {
          return false;
        }
      }
      return true;
    }
  }

  private final long seed;
  private final long hashMask;
  private final Long2ObjectHashMap<Entry> byHash = new Long2ObjectHashMap<>();
  private Entry[] all = new Entry[16];
  private int size;

  /** {@code hashMask} masks the hash (tests: 0 makes every id collide). */
  IdTable(long seed, long hashMask) {
    this.seed = seed;
    this.hashMask = hashMask;
  }

  int size() {
    return size;
  }

  /** The entry at dense index {@code i} (0..size-1). */
  @SuppressWarnings("unchecked")
  E at(int i) {
    return (E) all[i];
  }

  /** A seeded 64-bit hash of the id bytes (FNV-1a steps, then a murmur3 finalizer). */
  long hash(DirectBuffer buffer, int offset, int length) {
    long h = seed ^ length;
    for (int i = 0; i < length; i++) {
      h = (h ^ (buffer.getByte(offset + i) & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h & hashMask;
  }

  /** The entry for the id, or null. */
  E find(DirectBuffer buffer, int offset, int length) {
    return find(hash(buffer, offset, length), buffer, offset, length);
  }

  @SuppressWarnings("unchecked")
  E find(long hash, DirectBuffer buffer, int offset, int length) {
    for (Entry e = byHash.get(hash); e != null; e = e.next) {
      if (e.idEquals(buffer, offset, length)) {
        return (E) e;
      }
    }
    return null;
  }

  /** Adds an entry whose id is not in the table yet (its hash from {@link #hash}). */
  void add(E entry) {
    entry.next = byHash.get(entry.hash);
    byHash.put(entry.hash, entry);
    if (size == all.length) {
      all = Arrays.copyOf(all, size * 2);
    }
    entry.index = size;
    all[size++] = entry;
  }

  /** Removes an entry of this table. */
  void remove(E entry) {
    Entry head = byHash.get(entry.hash);
    if (head == entry) {
      if (entry.next == null) {
        byHash.remove(entry.hash);
      } else {
        byHash.put(entry.hash, entry.next);
      }
    } else {
      for (Entry e = head; e != null; e = e.next) {
        if (e.next == entry) {
          e.next = entry.next;
          break;
        }
      }
    }
    entry.next = null;
    int i = entry.index;
    Entry last = all[--size];
    all[i] = last;
    last.index = i;
    all[size] = null;
    entry.index = -1;
  }
}
