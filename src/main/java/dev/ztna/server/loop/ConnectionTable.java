package dev.ztna.server.loop;

import org.agrona.collections.Long2ObjectHashMap;

/**
 * Routes packets to connections by destination connection ID. The key is the CID's first (up to) 8
 * bytes packed big-endian in a {@code long}: server CIDs are random, so this is unique in practice,
 * and {@link Entry#matches} confirms the full CID when CIDs are longer than 8 bytes. Agrona's
 * open-addressing primitive map: no boxing, no allocation on lookup.
 *
 * @param <T> the connection type
 */
public final class ConnectionTable<T extends ConnectionTable.Entry> {
  /** What the table stores: something that knows its own full CID(s). */
  public interface Entry {
    /** True when {@code cid[off..off+len)} is one of this connection's CIDs. */
    boolean matches(byte[] cid, int off, int len);
  }

  private final Long2ObjectHashMap<T> byCid = new Long2ObjectHashMap<>();

  /** Packs up to the first 8 bytes of a CID, big-endian. */
  public static long key(byte[] cid, int off, int len) {
    long k = 0;
    int n = Math.min(8, len);
    for (int i = 0; i < n; i++) {
      k = (k << 8) | (cid[off + i] & 0xffL);
    }
    return k;
  }

  /** The connection owning that CID, or null. */
  public T get(byte[] cid, int off, int len) {
    T t = byCid.get(key(cid, off, len));
    return t != null && t.matches(cid, off, len) ? t : null;
  }

  /** Adds a CID for {@code conn}; false if the key is taken (the caller mints another CID). */
  public boolean put(byte[] cid, int off, int len, T conn) {
    long k = key(cid, off, len);
    if (byCid.containsKey(k)) {
      return false;
    }
    byCid.put(k, conn);
    return true;
  }

  /** Removes a CID. */
  public void remove(byte[] cid, int off, int len) {
    byCid.remove(key(cid, off, len));
  }

  /** How many CIDs are routed. */
  public int size() {
    return byCid.size();
  }
}
