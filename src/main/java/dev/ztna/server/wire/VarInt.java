package dev.ztna.server.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** QUIC variable-length integers (RFC 9000 §16, Appendix A.1). */
public final class VarInt {
  /** Largest encodable value, 2^62-1. */
  public static final long MAX = (1L << 62) - 1;

  private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

  private VarInt() {}

  /**
   * Minimal encoded size of {@code v}: 1, 2, 4 or 8.
   *
   * @throws IllegalArgumentException if {@code v < 0 || v > MAX} (a programming error)
   */
  public static int sizeOf(long v) {
    if (v < 0 || v > MAX) {
      throw new IllegalArgumentException("varint out of range");
    }
    if (v <= 63) {
      return 1;
    }
    if (v <= 16383) {
      return 2;
    }
    if (v <= 1073741823) {
      return 4;
    }
    return 8;
  }

  /** Encoded length (1, 2, 4 or 8) announced by the two most significant bits of a first byte. */
  public static int lengthFromFirstByte(int firstByte) {
    return 1 << ((firstByte & 0xff) >>> 6);
  }

  /** Writes {@code v} with its minimal encoding; returns the number of bytes written. */
  public static int put(MutableDirectBuffer b, int off, long v) {
    return putFixed(b, off, v, sizeOf(v));
  }

  /**
   * Writes {@code v} using exactly {@code len} bytes (1, 2, 4 or 8), e.g. for a length placeholder
   * to be patched later. Returns {@code len}.
   *
   * @throws IllegalArgumentException if {@code v} does not fit in {@code len} bytes or {@code len}
   *     is not 1/2/4/8
   */
  public static int putFixed(MutableDirectBuffer b, int off, long v, int len) {
    if (v < 0 || v > MAX) {
      throw new IllegalArgumentException("varint out of range");
    }
    switch (len) {
      case 1:
        if (v > 63) {
          throw new IllegalArgumentException("value does not fit in 1 byte");
        }
        b.putByte(off, (byte) v);
        return 1;
      case 2:
        if (v > 16383) {
          throw new IllegalArgumentException("value does not fit in 2 bytes");
        }
        b.putShort(off, (short) (v | 0x4000), BE);
        return 2;
      case 4:
        if (v > 1073741823) {
          throw new IllegalArgumentException("value does not fit in 4 bytes");
        }
        b.putInt(off, (int) (v | 0x8000_0000L), BE);
        return 4;
      case 8:
        b.putLong(off, v | 0xC000_0000_0000_0000L, BE);
        return 8;
      default:
        throw new IllegalArgumentException("varint length must be 1, 2, 4 or 8");
    }
  }

  /**
   * Reads the varint at {@code off}; returns its value (0..MAX) or -1 if the encoding does not end
   * at or before {@code limit} (truncated). Advance with {@link #lengthFromFirstByte(int)} of the
   * byte at {@code off}. Never reads at or beyond {@code limit}.
   */
  public static long get(DirectBuffer b, int off, int limit) {
    if (off < 0 || off >= limit) {
      return -1;
    }
    final int first = b.getByte(off) & 0xff;
    switch (first >>> 6) {
      case 0:
        return first;
      case 1:
        if (limit - off < 2) {
          return -1;
        }
        return b.getShort(off, BE) & 0x3fff;
      case 2:
        if (limit - off < 4) {
          return -1;
        }
        return b.getInt(off, BE) & 0x3fff_ffffL;
      default:
        if (limit - off < 8) {
          return -1;
        }
        return b.getLong(off, BE) & MAX;
    }
  }
}
