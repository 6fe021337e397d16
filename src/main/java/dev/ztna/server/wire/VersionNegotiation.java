package dev.ztna.server.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** Version Negotiation packets (RFC 9000 §17.2.1, RFC 8999 §6). */
public final class VersionNegotiation {
  private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

  private VersionNegotiation() {}

  /**
   * Writes a Version Negotiation packet. Per RFC 9000 §6.1 the server echoes the client's SCID as
   * DCID and the client's DCID as SCID; the caller passes them in that (swapped) order.
   *
   * @param unusedBits the 7 arbitrary bits of the first byte (should be random)
   * @return bytes written
   * @throws IllegalArgumentException if a CID is longer than 255 bytes or no version is given
   */
  public static int write(
      MutableDirectBuffer out,
      int off,
      int unusedBits,
      DirectBuffer dcidSrc,
      int dcidOff,
      int dcidLen,
      DirectBuffer scidSrc,
      int scidOff,
      int scidLen,
      int[] versions,
      int versionCount) {
    if (dcidLen < 0 || dcidLen > 255 || scidLen < 0 || scidLen > 255) {
      throw new IllegalArgumentException("connection ID length must be 0..255");
    }
    if (versionCount < 1 || versionCount > versions.length) {
      throw new IllegalArgumentException("bad version count");
    }
    int pos =
        PacketHeaderWriter.writeLongPrefix(
            out,
            off,
            0x80 | (unusedBits & 0x7f),
            0,
            dcidSrc,
            dcidOff,
            dcidLen,
            scidSrc,
            scidOff,
            scidLen);
    for (int i = 0; i < versionCount; i++) {
      out.putInt(pos, versions[i], BE);
      pos += 4;
    }
    return pos - off;
  }

  /** Offset of the Supported Version list of a parsed Version Negotiation header. */
  public static int versionsOffset(PacketHeaderFlyweight h) {
    return h.scidOffset() + h.scidLength();
  }

  /**
   * Number of versions in a parsed Version Negotiation packet, or -1 if the list is empty or not a
   * multiple of 4 bytes (malformed).
   */
  public static int versionCount(PacketHeaderFlyweight h) {
    final int bytes = h.packetEnd() - versionsOffset(h);
    if (bytes <= 0 || (bytes & 3) != 0) {
      return -1;
    }
    return bytes >>> 2;
  }

  /** The i-th supported version (0-based) of a parsed Version Negotiation packet. */
  public static int versionAt(PacketHeaderFlyweight h, int i) {
    return h.buffer().getInt(versionsOffset(h) + 4 * i, BE);
  }

  /** Whether {@code version} is a reserved greasing version 0x?a?a?a?a (RFC 9000 §15). */
  public static boolean isReservedVersion(int version) {
    return (version & 0x0f0f0f0f) == 0x0a0a0a0a;
  }
}
