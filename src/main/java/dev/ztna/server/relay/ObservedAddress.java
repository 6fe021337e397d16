package dev.ztna.server.relay;

import dev.ztna.server.wire.InetBytes;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import org.agrona.MutableDirectBuffer;

/**
 * OBSERVED_ADDRESS (ZTNA-V1 §2, §3): {@code 0x01}, 4 address octets, port big-endian (7 bytes) for
 * IPv4 and IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) sources; {@code 0x02}, 16 address octets, port
 * big-endian (19 bytes) for IPv6. It runs once per handshake and once per address change, never per
 * packet. An IPv4 address is read without allocating (see {@link #IPV4_HASH_IS_ADDRESS}); IPv6
 * addresses go through {@link InetAddress#getAddress()}, which copies the 16 bytes into a new
 * array.
 */
public final class ObservedAddress {
  /** OBSERVED_ADDRESS, IPv4. */
  public static final int TYPE_IPV4 = 0x01;

  /** OBSERVED_ADDRESS, IPv6. */
  public static final int TYPE_IPV6 = 0x02;

  /** Length of the IPv4 form. */
  public static final int IPV4_LENGTH = 7;

  /** Length of the IPv6 form. */
  public static final int IPV6_LENGTH = 19;

  /** The longest form. */
  public static final int MAX_LENGTH = IPV6_LENGTH;

  /** The address is unresolved (no IP to report). */
  public static final int ERR_UNRESOLVED = -1;

  /**
   * Whether {@link Inet4Address#hashCode()} is the address as a big-endian int, as it has been in
   * every OpenJDK: then IPv4 needs no {@link InetAddress#getAddress()} copy. Checked once at class
   * load with two addresses (one with the top bit set), so a JDK that hashes differently falls back
   * to the copy.
   */
  static final boolean IPV4_HASH_IS_ADDRESS = ipv4HashIsAddress();

  private ObservedAddress() {}

  private static boolean ipv4HashIsAddress() {
    try {
      InetAddress a = InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, (byte) 130});
      InetAddress b = InetAddress.getByAddress(new byte[] {10, 1, 2, 3});
      return a.hashCode() == 0xC0000282 && b.hashCode() == 0x0A010203;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /**
   * Writes the OBSERVED_ADDRESS for {@code observed} at {@code out[offset]} (needs {@link
   * #MAX_LENGTH} bytes).
   *
   * @return the message length (7 or 19), or {@link #ERR_UNRESOLVED}
   */
  public static int encode(InetSocketAddress observed, MutableDirectBuffer out, int offset) {
    InetAddress address = observed.getAddress();
    if (address == null) {
      return ERR_UNRESOLVED;
    }
    int port = observed.getPort();
    if (address instanceof Inet4Address && IPV4_HASH_IS_ADDRESS) {
      out.putByte(offset, (byte) TYPE_IPV4);
      out.putInt(offset + 1, address.hashCode(), ByteOrder.BIG_ENDIAN);
      putPort(out, offset + 5, port);
      return IPV4_LENGTH;
    }
    byte[] raw = address.getAddress();
    if (raw.length == 4) {
      return putIpv4(out, offset, raw, 0, port);
    }
    if (InetBytes.isIpv4Mapped(raw)) {
      return putIpv4(out, offset, raw, 12, port);
    }
    out.putByte(offset, (byte) TYPE_IPV6);
    out.putBytes(offset + 1, raw, 0, 16);
    putPort(out, offset + 17, port);
    return IPV6_LENGTH;
  }

  private static int putIpv4(MutableDirectBuffer out, int offset, byte[] raw, int from, int port) {
    out.putByte(offset, (byte) TYPE_IPV4);
    out.putBytes(offset + 1, raw, from, 4);
    putPort(out, offset + 5, port);
    return IPV4_LENGTH;
  }

  private static void putPort(MutableDirectBuffer out, int offset, int port) {
    out.putByte(offset, (byte) (port >>> 8));
    out.putByte(offset + 1, (byte) port);
  }
}
