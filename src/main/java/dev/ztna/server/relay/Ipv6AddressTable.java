package dev.ztna.server.relay;

import java.util.Arrays;

/**
 * An open-addressing map from a 128-bit IPv6 address (two longs, most significant first) to the
 * Agent that owns it; linear probing with backward-shift deletion, so lookups, updates and removals
 * allocate nothing (only growth does).
 */
final class Ipv6AddressTable {
  private static final int INITIAL_CAPACITY = 8;

  private long[] his = new long[INITIAL_CAPACITY];
  private long[] los = new long[INITIAL_CAPACITY];
  private Registration[] values = new Registration[INITIAL_CAPACITY];
  private int mask = INITIAL_CAPACITY - 1;
  private int size;

  int size() {
    return size;
  }

  Registration get(long hi, long lo) {
    int i = slot(hi, lo);
    Registration v;
    while ((v = values[i]) != null) {
      if (his[i] == hi && los[i] == lo) {
        return v;
      }
      i = (i + 1) & mask;
    }
    return null;
  }

  void put(long hi, long lo, Registration value) {
    int i = slot(hi, lo);
    while (values[i] != null) {
      if (his[i] == hi && los[i] == lo) {
        values[i] = value;
        return;
      }
      i = (i + 1) & mask;
    }
    his[i] = hi;
    los[i] = lo;
    values[i] = value;
    if (++size * 2 > values.length) {
      grow();
    }
  }

  /** Removes the mapping if it maps to {@code owner}; returns whether it did. */
  boolean removeIfOwner(long hi, long lo, Registration owner) {
    int i = slot(hi, lo);
    Registration v;
    while ((v = values[i]) != null) {
      if (his[i] == hi && los[i] == lo) {
        if (v != owner) {
          return false;
        }
        deleteAt(i);
        return true;
      }
      i = (i + 1) & mask;
    }
    return false;
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
    Registration[] oldValues = values;
    int capacity = oldValues.length * 2;
    his = new long[capacity];
    los = new long[capacity];
    values = new Registration[capacity];
    mask = capacity - 1;
    size = 0;
    for (int i = 0; i < oldValues.length; i++) {
      if (oldValues[i] != null) {
        put(oldHis[i], oldLos[i], oldValues[i]);
      }
    }
  }

  void clear() {
    Arrays.fill(values, null);
    size = 0;
  }

  private int slot(long hi, long lo) {
    long h = hi * 0x9e3779b97f4a7c15L + lo;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) h & mask;
  }
}
