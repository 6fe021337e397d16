package dev.ztna.server.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** Packet number truncation and recovery (RFC 9000 §17.1, Appendix A.2 and A.3). */
public final class PacketNumber {
  /** Largest packet number, 2^62-1 (RFC 9000 §12.3). */
  public static final long MAX = VarInt.MAX;

  private PacketNumber() {}

  /**
   * Recovers a full packet number from its truncated form (RFC 9000 Appendix A.3).
   *
   * @param largestPn largest packet number successfully processed in this space, -1 if none
   * @param truncatedPn the truncated value read from the packet
   * @param pnNbits number of bits of the truncated value (8, 16, 24 or 32)
   */
  public static long decode(long largestPn, long truncatedPn, int pnNbits) {
    final long expected = largestPn + 1;
    final long win = 1L << pnNbits;
    final long hwin = win >>> 1;
    final long mask = win - 1;
    final long candidate = (expected & ~mask) | (truncatedPn & mask);
    if (candidate <= expected - hwin && candidate < (1L << 62) - win) {
      return candidate + win;
    }
    if (candidate > expected + hwin && candidate >= win) {
      return candidate - win;
    }
    return candidate;
  }

  /**
   * Number of bytes (1..4) needed to encode {@code fullPn} so that a peer that has seen {@code
   * largestAcked} can recover it (RFC 9000 Appendix A.2): the range of unacknowledged numbers times
   * two must fit. {@code largestAcked} is -1 when nothing was acknowledged in this space yet.
   */
  public static int encodedLength(long fullPn, long largestAcked) {
    final long numUnacked = largestAcked < 0 ? fullPn + 1 : fullPn - largestAcked;
    // min_bits = log2(numUnacked) + 1 and bytes = ceil(min_bits / 8)  <=>  numUnacked <=
    // 2^(8*bytes-1)
    for (int len = 1; len < 4; len++) {
      if (numUnacked <= (1L << (8 * len - 1))) {
        return len;
      }
    }
    return 4;
  }

  /** Writes the low {@code len} (1..4) bytes of {@code pn} big-endian; returns {@code len}. */
  public static int write(MutableDirectBuffer b, int off, long pn, int len) {
    if (len < 1 || len > 4) {
      throw new IllegalArgumentException("packet number length must be 1..4");
    }
    for (int i = 0; i < len; i++) {
      b.putByte(off + i, (byte) (pn >>> (8 * (len - 1 - i))));
    }
    return len;
  }

  /** Reads a {@code len}-byte (1..4) big-endian truncated packet number. */
  public static long read(DirectBuffer b, int off, int len) {
    long v = 0;
    for (int i = 0; i < len; i++) {
      v = (v << 8) | (b.getByte(off + i) & 0xffL);
    }
    return v;
  }
}
