package dev.ztna.server.loop;

import org.agrona.collections.Long2LongHashMap;

/**
 * Counts per source address (IPv4 address, or IPv6 /64 prefix) in an Agrona primitive map keyed by
 * the address packed into a {@code long}: no allocation per lookup or update (the map only grows,
 * at most to the number of distinct sources that are counted at once, which the connection limit
 * bounds). A key whose count drops to zero is removed.
 */
final class SourceAddressCounts {
  /**
   * IPv4 keys carry this prefix, which no unicast IPv6 /64 has (ff00::/8 is multicast), so the two
   * families never share a key.
   */
  private static final long IPV4_TAG = 0xffff_ffff_0000_0000L;

  private final Long2LongHashMap counts = new Long2LongHashMap(1024, 0.65f, 0L);

  /**
   * The key of {@code peer}'s source: the IPv4 address, or the first 64 bits of an IPv6 address
   * (RFC 4291: a /64 is what one subscriber usually gets, so counting /128s would not bound a
   * host).
   */
  static long key(PeerAddress peer) {
    byte[] ip = peer.ip();
    if (peer.ipLength() == 4) {
      return IPV4_TAG
          | ((ip[0] & 0xffL) << 24)
          | ((ip[1] & 0xffL) << 16)
          | ((ip[2] & 0xffL) << 8)
          | (ip[3] & 0xffL);
    }
    long k = 0;
    for (int i = 0; i < 8; i++) {
      k = (k << 8) | (ip[i] & 0xffL);
    }
    return k;
  }

  long get(long key) {
    return counts.get(key);
  }

  void increment(long key) {
    counts.put(key, counts.get(key) + 1);
  }

  void decrement(long key) {
    long v = counts.get(key) - 1;
    if (v <= 0) {
      counts.remove(key);
    } else {
      counts.put(key, v);
    }
  }

  /** Distinct sources counted. */
  int size() {
    return counts.size();
  }
}
