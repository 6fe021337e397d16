package dev.ztna.server.wire;

/**
 * Raw IP address bytes as {@code InetAddress.getAddress()} returns them, normalised the way the
 * address codecs need them: an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}, RFC 4291 §2.5.5.2,
 * what a dual-stack socket reports for an IPv4 peer) is the IPv4 address (ZTNA-V1 §3).
 */
public final class InetBytes {
  private InetBytes() {}

  /** True for a 16-byte {@code ::ffff:a.b.c.d} (RFC 4291 §2.5.5.2). */
  public static boolean isIpv4Mapped(byte[] raw) {
    if (raw.length != 16) {
      return false;
    }
    for (int i = 0; i < 10; i++) {
      if (raw[i] != 0) {
        return false;
      }
    }
    return raw[10] == (byte) 0xff && raw[11] == (byte) 0xff;
  }

  /**
   * Copies {@code raw} (4 or 16 bytes) to the start of {@code out} (at least 16 bytes), an
   * IPv4-mapped address as its 4 IPv4 bytes.
   *
   * @return the number of bytes written: 4 for IPv4 (plain or mapped), 16 for IPv6
   */
  public static int copyUnmapped(byte[] raw, byte[] out) {
    if (isIpv4Mapped(raw)) {
      System.arraycopy(raw, 12, out, 0, 4);
      return 4;
    }
    System.arraycopy(raw, 0, out, 0, raw.length);
    return raw.length;
  }
}
