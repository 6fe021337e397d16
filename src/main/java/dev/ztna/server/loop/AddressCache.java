package dev.ztna.server.loop;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Interns senders: raw (address, port) pairs decoded from native memory map to one {@link
 * InetSocketAddress} per sender, created the first time it is seen, so a loop that receives from
 * many interleaving peers hands its connections the same object every time and allocates nothing.
 *
 * <p>An open-addressing table of fixed size whose lookups probe at most {@link #WAYS} slots from
 * the key's hash (linear probing); when all are taken, the least recently used of them is replaced.
 * So memory is bounded, a sender evicted by others (e.g. a flood of spoofed sources) costs one new
 * address object when it comes back, and a table a few times larger than the number of live senders
 * keeps every one of them.
 *
 * <p>Keys are 16 address bytes (IPv4 as IPv4-mapped, {@code ::ffff:a.b.c.d}, the way a dual-stack
 * socket reports it; both give an {@link Inet4Address}, as {@code InetAddress.getByAddress} does)
 * and the port. Not thread-safe: the loop thread's.
 */
public final class AddressCache {
  /** Slots probed per lookup. */
  public static final int WAYS = 16;

  private static final long V4_MAPPED = 0xffffL << 32;

  private final long[] hi;
  private final long[] lo;
  private final int[] port;
  private final int[] used;
  private final InetSocketAddress[] value;
  private final int mask;
  private final byte[] v4 = new byte[4];
  private final byte[] v6 = new byte[16];
  private int clock;
  private long misses;

  /**
   * @param slots a power of two, at least {@link #WAYS}
   */
  public AddressCache(int slots) {
    if (slots < WAYS || Integer.bitCount(slots) != 1) {
      throw new IllegalArgumentException(
          "slots must be a power of two >= " + WAYS + ", got " + slots);
    }
    hi = new long[slots];
    lo = new long[slots];
    port = new int[slots];
    used = new int[slots];
    value = new InetSocketAddress[slots];
    mask = slots - 1;
  }

  /** The IPv4 sender {@code ip} (big-endian, as on the wire) : {@code port}. */
  public InetSocketAddress ipv4(int ip, int port) {
    return lookup(0, V4_MAPPED | (ip & 0xffffffffL), port);
  }

  /**
   * The IPv6 sender whose address is {@code high} (bytes 0..7, big-endian) and {@code low} (bytes
   * 8..15); an IPv4-mapped one is an IPv4 sender.
   */
  public InetSocketAddress ipv6(long high, long low, int port) {
    return lookup(high, low, port);
  }

  /** How many lookups created an address (first sight or after eviction). */
  public long misses() {
    return misses;
  }

  private InetSocketAddress lookup(long h, long l, int p) {
    int start = index(h, l, p);
    int now = ++clock;
    int victim = -1;
    boolean free = false;
    int victimAge = 0;
    for (int k = 0; k < WAYS; k++) {
      int i = (start + k) & mask;
      InetSocketAddress v = value[i];
      if (v == null) {
        if (!free) {
          victim = i; // the first free slot beats any eviction
          free = true;
        }
        continue;
      }
      if (lo[i] == l && hi[i] == h && port[i] == p) {
        used[i] = now;
        return v;
      }
      // Ages as unsigned differences, so the int clock may wrap.
      int age = now - used[i];
      if (!free && (victim < 0 || Integer.compareUnsigned(age, victimAge) > 0)) {
        victim = i;
        victimAge = age;
      }
    }
    misses++;
    InetSocketAddress created = create(h, l, p);
    hi[victim] = h;
    lo[victim] = l;
    port[victim] = p;
    used[victim] = now;
    value[victim] = created;
    return created;
  }

  private int index(long h, long l, int p) {
    long x = h * 0x9E3779B97F4A7C15L ^ l * 0xC2B2AE3D27D4EB4FL ^ p * 0x165667B19E3779F9L;
    x ^= x >>> 29;
    x *= 0xBF58476D1CE4E5B9L;
    x ^= x >>> 32;
    return (int) x & mask;
  }

  private InetSocketAddress create(long h, long l, int p) {
    try {
      InetAddress address;
      if (h == 0 && (l >>> 32) == 0xffffL) {
        putInt(v4, 0, (int) l);
        address = InetAddress.getByAddress(v4);
      } else {
        putInt(v6, 0, (int) (h >>> 32));
        putInt(v6, 4, (int) h);
        putInt(v6, 8, (int) (l >>> 32));
        putInt(v6, 12, (int) l);
        address = InetAddress.getByAddress(v6);
      }
      return new InetSocketAddress(address, p);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
    }
  }

  private static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
