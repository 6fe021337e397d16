package dev.ztna.server.loop;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Linux {@code struct sockaddr_in} / {@code sockaddr_in6} in native memory (a {@link ByteBuffer}
 * view in native byte order) to and from {@link InetSocketAddress}, without allocation in steady
 * state: received senders are interned in an {@link AddressCache}, and the address bytes of an IPv6
 * destination (which {@code Inet6Address.getAddress()} would copy into a new array) are remembered
 * per destination object in a small identity-keyed table.
 *
 * <p>Layouts (glibc, every Linux architecture): {@code sockaddr_in} is {@code sa_family_t family}
 * (host order), {@code in_port_t port} and {@code in_addr addr} (network order), 8 bytes of zero;
 * 16 bytes. {@code sockaddr_in6} is family, port, {@code uint32 flowinfo}, 16 address bytes, {@code
 * uint32 scope_id}; 28 bytes. An IPv4 destination on an IPv6 (dual-stack) socket is written
 * IPv4-mapped.
 */
public final class SockaddrCodec {
  /** Linux {@code AF_INET}. */
  public static final int AF_INET = 2;

  /** Linux {@code AF_INET6}. */
  public static final int AF_INET6 = 10;

  /** {@code sizeof(struct sockaddr_in)}. */
  public static final int SOCKADDR_IN_BYTES = 16;

  /** {@code sizeof(struct sockaddr_in6)}; also the room each address slot needs. */
  public static final int SOCKADDR_IN6_BYTES = 28;

  private static final int IDENTITY_SLOTS = 1024;

  private final AddressCache senders;
  private final InetSocketAddress[] identityKey = new InetSocketAddress[IDENTITY_SLOTS];
  private final long[] identityHi = new long[IDENTITY_SLOTS];
  private final long[] identityLo = new long[IDENTITY_SLOTS];

  public SockaddrCodec(AddressCache senders) {
    this.senders = senders;
  }

  /**
   * The sender in the {@code sockaddr} at {@code buf[off]}, or null for a family other than IPv4 or
   * IPv6 (or a length too short for it).
   */
  public InetSocketAddress decode(ByteBuffer buf, int off, int length) {
    int family = buf.getShort(off) & 0xffff;
    int port = ((buf.get(off + 2) & 0xff) << 8) | (buf.get(off + 3) & 0xff);
    if (family == AF_INET && length >= SOCKADDR_IN_BYTES) {
      return senders.ipv4(bigEndianInt(buf, off + 4), port);
    }
    if (family == AF_INET6 && length >= SOCKADDR_IN6_BYTES) {
      return senders.ipv6(bigEndianLong(buf, off + 8), bigEndianLong(buf, off + 16), port);
    }
    return null;
  }

  /**
   * Writes {@code to} at {@code buf[off]} for a socket of the given family.
   *
   * @return the sockaddr length, or -1 when {@code to} cannot be reached from that socket (an IPv6
   *     destination on an IPv4 socket)
   */
  public int encode(InetSocketAddress to, boolean ipv6Socket, ByteBuffer buf, int off) {
    InetAddress address = to.getAddress();
    int port = to.getPort();
    if (address instanceof Inet4Address) {
      // Inet4Address.hashCode() is its address as an int (no copy, unlike getAddress()).
      int ip = address.hashCode();
      if (!ipv6Socket) {
        buf.putShort(off, (short) AF_INET);
        putPort(buf, off, port);
        putBigEndianInt(buf, off + 4, ip);
        buf.putLong(off + 8, 0);
        return SOCKADDR_IN_BYTES;
      }
      return encode6(buf, off, port, 0, 0xffffL << 32 | (ip & 0xffffffffL));
    }
    if (!ipv6Socket || !(address instanceof Inet6Address)) {
      return -1;
    }
    int slot = System.identityHashCode(to) & (IDENTITY_SLOTS - 1);
    if (identityKey[slot] != to) {
      byte[] raw = address.getAddress(); // once per destination object (and after eviction)
      identityHi[slot] = ByteBuffer.wrap(raw).getLong(0);
      identityLo[slot] = ByteBuffer.wrap(raw).getLong(8);
      identityKey[slot] = to;
    }
    return encode6(buf, off, port, identityHi[slot], identityLo[slot]);
  }

  private static int encode6(ByteBuffer buf, int off, int port, long hi, long lo) {
    buf.putShort(off, (short) AF_INET6);
    putPort(buf, off, port);
    buf.putInt(off + 4, 0); // flowinfo
    putBigEndianLong(buf, off + 8, hi);
    putBigEndianLong(buf, off + 16, lo);
    buf.putInt(off + 24, 0); // scope_id
    return SOCKADDR_IN6_BYTES;
  }

  private static void putPort(ByteBuffer buf, int off, int port) {
    buf.put(off + 2, (byte) (port >>> 8));
    buf.put(off + 3, (byte) port);
  }

  private static int bigEndianInt(ByteBuffer buf, int off) {
    int v = buf.getInt(off);
    return buf.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
  }

  private static long bigEndianLong(ByteBuffer buf, int off) {
    long v = buf.getLong(off);
    return buf.order() == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v);
  }

  private static void putBigEndianInt(ByteBuffer buf, int off, int v) {
    buf.putInt(off, buf.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v));
  }

  private static void putBigEndianLong(ByteBuffer buf, int off, long v) {
    buf.putLong(off, buf.order() == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v));
  }
}
