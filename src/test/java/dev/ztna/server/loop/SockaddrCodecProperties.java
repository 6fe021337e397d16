package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * {@code sockaddr_in}/{@code sockaddr_in6} decoding against layouts written byte by byte here (as
 * Linux writes them: family in host order, port and address in network order), encoding back, and
 * interning: the same sender decodes to the same object.
 */
class SockaddrCodecProperties {
  private static ByteBuffer nativeBuffer() {
    return ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder());
  }

  /** A sockaddr_in written field by field, independent of the codec. */
  private static ByteBuffer sockaddrIn(byte[] ip, int port) {
    ByteBuffer b = nativeBuffer();
    b.putShort(0, (short) 2); // AF_INET, host order
    b.put(2, (byte) (port >>> 8));
    b.put(3, (byte) port);
    for (int i = 0; i < 4; i++) {
      b.put(4 + i, ip[i]);
    }
    return b;
  }

  private static ByteBuffer sockaddrIn6(byte[] ip, int port, int flowinfo, int scope) {
    ByteBuffer b = nativeBuffer();
    b.putShort(0, (short) 10); // AF_INET6
    b.put(2, (byte) (port >>> 8));
    b.put(3, (byte) port);
    b.putInt(4, flowinfo);
    for (int i = 0; i < 16; i++) {
      b.put(8 + i, ip[i]);
    }
    b.putInt(24, scope);
    return b;
  }

  @Property
  void decodesIpv4(@ForAll @Size(4) byte[] ip, @ForAll @IntRange(min = 0, max = 65535) int port)
      throws UnknownHostException {
    SockaddrCodec codec = new SockaddrCodec(new AddressCache(16));
    InetSocketAddress a = codec.decode(sockaddrIn(ip, port), 0, 16);
    assertEquals(new InetSocketAddress(InetAddress.getByAddress(ip), port), a);
    assertTrue(a.getAddress() instanceof Inet4Address);
    assertSame(a, codec.decode(sockaddrIn(ip, port), 0, 16), "interned");
  }

  @Property
  void decodesIpv6AndMappedIpv4(
      @ForAll @Size(16) byte[] ip,
      @ForAll boolean mapped,
      @ForAll @IntRange(min = 0, max = 65535) int port,
      @ForAll int flowinfo)
      throws UnknownHostException {
    if (mapped) {
      java.util.Arrays.fill(ip, 0, 10, (byte) 0);
      ip[10] = (byte) 0xff;
      ip[11] = (byte) 0xff;
    }
    SockaddrCodec codec = new SockaddrCodec(new AddressCache(16));
    InetSocketAddress a = codec.decode(sockaddrIn6(ip, port, flowinfo, 0), 0, 28);
    // InetAddress.getByAddress also turns an IPv4-mapped address into an Inet4Address.
    InetSocketAddress expected = new InetSocketAddress(InetAddress.getByAddress(ip), port);
    assertEquals(expected, a);
    assertEquals(expected.getAddress().getClass(), a.getAddress().getClass());
    assertSame(a, codec.decode(sockaddrIn6(ip, port, flowinfo, 0), 0, 28), "interned");
    // Mapped and plain IPv4 are the same sender.
    if (mapped) {
      byte[] v4 = java.util.Arrays.copyOfRange(ip, 12, 16);
      assertSame(a, codec.decode(sockaddrIn(v4, port), 0, 16));
    }
  }

  @Property
  void encodeThenDecodeIsTheIdentity(
      @ForAll @Size(16) byte[] ip,
      @ForAll boolean ipv4,
      @ForAll boolean ipv6Socket,
      @ForAll @IntRange(min = 0, max = 65535) int port)
      throws UnknownHostException {
    InetAddress address =
        ipv4
            ? InetAddress.getByAddress(java.util.Arrays.copyOf(ip, 4))
            : Inet6Address.getByAddress(null, ip, -1);
    InetSocketAddress to = new InetSocketAddress(address, port);
    SockaddrCodec codec = new SockaddrCodec(new AddressCache(16));
    ByteBuffer b = nativeBuffer();
    int len = codec.encode(to, ipv6Socket, b, 0);
    if (!ipv4 && !ipv6Socket) {
      assertEquals(-1, len, "no IPv6 destination from an IPv4 socket");
      return;
    }
    assertEquals(ipv6Socket ? 28 : 16, len);
    assertEquals(ipv6Socket ? 10 : 2, b.getShort(0));
    assertEquals(port, ((b.get(2) & 0xff) << 8) | (b.get(3) & 0xff));
    InetSocketAddress back = codec.decode(b, 0, len);
    // An IPv4-mapped IPv6 destination comes back as IPv4, as the JDK reports it.
    assertEquals(new InetSocketAddress(InetAddress.getByAddress(address.getAddress()), port), back);
    byte[] raw = new byte[ipv6Socket ? 16 : 4];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = b.get((ipv6Socket ? 8 : 4) + i);
    }
    byte[] expected = address.getAddress();
    if (ipv4 && ipv6Socket) {
      expected = new byte[16];
      expected[10] = (byte) 0xff;
      expected[11] = (byte) 0xff;
      System.arraycopy(address.getAddress(), 0, expected, 12, 4);
    }
    assertArrayEquals(expected, raw);
  }

  @Test
  void unknownFamilyOrShortLengthIsNull() {
    SockaddrCodec codec = new SockaddrCodec(new AddressCache(16));
    ByteBuffer b = nativeBuffer();
    b.putShort(0, (short) 1); // AF_UNIX
    assertNull(codec.decode(b, 0, 16));
    assertNull(codec.decode(sockaddrIn(new byte[4], 1), 0, 8));
    assertNull(codec.decode(sockaddrIn6(new byte[16], 1, 0, 0), 0, 16));
  }
}
