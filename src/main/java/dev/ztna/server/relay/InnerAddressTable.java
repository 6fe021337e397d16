package dev.ztna.server.relay;

import java.util.Arrays;

/**
 * An open-addressing map from a 128-bit inner address (two longs, most significant first; an IPv4
 * address is stored as {@code (0, address)} in its own table) to the Agent that owns it and when
 * that Agent last sent from it. Linear probing with backward-shift deletion, so lookups, updates
 * and removals allocate nothing (only growth does). Slot indices returned by {@link #find} are
 * valid until the next {@link #put} or removal. The slot hash is seeded (by the {@link Registry}'s
 * random seed), so an Agent cannot precompute inner addresses that pile up in one probe run.
 */
final class InnerAddressTable {
  private static final int INITIAL_CAPACITY = 8;

  private long[] his = new long[INITIAL_CAPACITY];
  private long[] los = new long[INITIAL_CAPACITY];
  private long[] lastUsed = new long[INITIAL_CAPACITY];
  private Registration[] values = new Registration[INITIAL_CAPACITY];
  private int mask = INITIAL_CAPACITY - 1;
  private int size;
  private final long seed;

  InnerAddressTable(long seed) {
    this.seed = seed;
  }

  InnerAddressTable() {
    this(0);
  }

  int size() {
    return size;
  }

  /** The slot holding the address, or -1. */
  int find(long hi, long lo) {
    int i = slot(hi, lo);
    while (values[i] != null) {
      if (his[i] == hi && los[i] == lo) {
        return i;
      }
      i = (i + 1) & mask;
    }
    return -1;
  }

  /** The owner in slot {@code i} (from {@link #find}). */
  Registration ownerAt(int i) {
    return values[i];
  }

  /** When the owner of slot {@code i} last sent from the address. */
  long lastUsedAt(int i) {
    return lastUsed[i];
  }

  /** Sets slot {@code i}'s owner and last use. */
  void use(int i, Registration owner, long now) {
    values[i] = owner;
    lastUsed[i] = now;
  }

  Registration get(long hi, long lo) {
    int i = find(hi, lo);
    return i < 0 ? null : values[i];
  }

  /** Maps the address to {@code value}, last used {@code now} (replacing any owner). */
  void put(long hi, long lo, Registration value, long now) {
    int i = slot(hi, lo);
    while (values[i] != null) {
      if (his[i] == hi && los[i] == lo) {
        values[i] = value;
        lastUsed[i] = now;
        return;
      }
      i = (i + 1) & mask;
    }
    his[i] = hi;
    los[i] = lo;
    values[i] = value;
    lastUsed[i] = now;
    if (++size * 2 > values.length) {
      grow();
    }
  }

  /** Removes the mapping if it maps to {@code owner}; returns whether it did. */
  boolean removeIfOwner(long hi, long lo, Registration owner) {
    int i = find(hi, lo);
    if (i < 0 || values[i] != owner) {
      return false;
    }
    deleteAt(i);
    return true;
  }

  private void deleteAt(int hole) {
    values[hole] = null;
    size--;
    int i = (hole + 1) & mask;
    while (values[i] != null) {
      int home = slot(his[i], los[i]);
      // Move entry i into the hole unless its home lies cyclically in (hole, i].
      boolean stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
      if (!stays) {
        his[hole] = his[i];
        los[hole] = los[i];
        lastUsed[hole] = lastUsed[i];
        values[hole] = values[i];
        values[i] = null;
        hole = i;
      }
      i = (i + 1) & mask;
    }
  }

  private void grow() {
    long[] oldHis = his;
    long[] oldLos = los;
    long[] oldLastUsed = lastUsed;
    Registration[] oldValues = values;
    int capacity = oldValues.length * 2;
    his = new long[capacity];
    los = new long[capacity];
    lastUsed = new long[capacity];
    values = new Registration[capacity];
    mask = capacity - 1;
    size = 0;
    for (int i = 0; i < oldValues.length; i++) {
      if (oldValues[i] != null) {
        put(oldHis[i], oldLos[i], oldValues[i], oldLastUsed[i]);
      }
    }
  }

  void clear() {
    Arrays.fill(values, null);
    size = 0;
  }

  private int slot(long hi, long lo) {
    long h = (hi ^ seed) * 0x9e3779b97f4a7c15L + lo;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) h & mask;
  }
}
