package dev.ztna.server.loop;

import org.agrona.collections.Long2ObjectHashMap;

/**
 * Routes packets to connections by destination connection ID. The key is the CID's first (up to) 8
 * bytes packed big-endian in a {@code long}. Server CIDs are minted 8 bytes long by default and
 * random, so the key is the whole CID; for longer CIDs (and the client-chosen Initial DCIDs routed
 * until the handshake moves to ours) the first 64 random bits decide, and a packet that merely
 * shares them fails authentication in the connection and is dropped there. Agrona's open-addressing
 * primitive map: no boxing, no allocation on lookup.
 *
 * @param <T> the connection type
 */
public final class ConnectionTable<T> {
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
    return byCid.get(key(cid, off, len));
  }

  /** Adds a key for {@code conn}; false if it is taken by another connection. */
  public boolean put(long key, T conn) {
    T existing = byCid.get(key);
    if (existing != null) {
      return existing == conn;
    }
    byCid.put(key, conn);
    return true;
  }

  /** Removes a key if it routes to {@code conn}. */
  public void remove(long key, T conn) {
    if (byCid.get(key) == conn) {
      byCid.remove(key);
    }
  }

  /** How many CIDs are routed. */
  public int size() {
    return byCid.size();
  }
}
