package dev.ztna.server.relay;

import java.nio.charset.StandardCharsets;
import org.agrona.concurrent.UnsafeBuffer;

/** Builds test datagrams: REGISTERs and minimal IPv4/IPv6 packets with chosen addresses. */
final class Packets {
  private Packets() {}

  static byte[] register(int type, String serviceId) {
    byte[] id = serviceId.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[2 + id.length];
    out[0] = (byte) type;
    out[1] = (byte) id.length;
    System.arraycopy(id, 0, out, 2, id.length);
    return out;
  }

  /** An IPv4 packet (20-byte header plus {@code payload} bytes) from {@code src} to {@code dst}. */
  static byte[] ipv4(int src, int dst, int payload) {
    byte[] p = new byte[20 + payload];
    p[0] = 0x45;
    p[2] = (byte) (p.length >>> 8);
    p[3] = (byte) p.length;
    p[8] = 64;
    p[9] = 17;
    putInt(p, 12, src);
    putInt(p, 16, dst);
    for (int i = 20; i < p.length; i++) {
      p[i] = (byte) (i * 31 + src);
    }
    return p;
  }

  /** An IPv6 packet (40-byte header plus payload); addresses as (hi, lo) longs. */
  static byte[] ipv6(long srcHi, long srcLo, long dstHi, long dstLo, int payload) {
    byte[] p = new byte[40 + payload];
    p[0] = 0x60;
    p[4] = (byte) (payload >>> 8);
    p[5] = (byte) payload;
    p[6] = 17;
    p[7] = 64;
    putLong(p, 8, srcHi);
    putLong(p, 16, srcLo);
    putLong(p, 24, dstHi);
    putLong(p, 32, dstLo);
    for (int i = 40; i < p.length; i++) {
      p[i] = (byte) (i * 17 + srcLo);
    }
    return p;
  }

  static int ip(int a, int b, int c, int d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
  }

  static UnsafeBuffer buffer(byte[] bytes) {
    return new UnsafeBuffer(bytes);
  }

  private static void putInt(byte[] p, int at, int v) {
    for (int i = 0; i < 4; i++) {
      p[at + i] = (byte) (v >>> (24 - 8 * i));
    }
  }

  private static void putLong(byte[] p, int at, long v) {
    for (int i = 0; i < 8; i++) {
      p[at + i] = (byte) (v >>> (56 - 8 * i));
    }
  }
}
