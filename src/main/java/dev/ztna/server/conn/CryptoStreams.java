package dev.ztna.server.conn;

import dev.ztna.server.wire.FrameWriter;
import java.util.BitSet;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The CRYPTO streams of a connection, one per encryption level (Initial, Handshake, 1-RTT; RFC 9000
 * §19.6, RFC 9001 §4): what TLS wrote and which of its bytes are pending, in flight or acknowledged
 * on the send side; the reassembly buffer of out-of-order CRYPTO data on the receive side (at most
 * {@link #BUFFER} bytes ahead of the delivered offset, RFC 9000 §7.5).
 *
 * <p>Each level's buffers are allocated when the level first carries data and dropped by {@link
 * #discard} when its keys are discarded (RFC 9001 §4.9), so an established connection holds none of
 * the handshake's buffers. Levels are numbered like {@link PacketNumberSpace}.
 */
final class CryptoStreams {
  /** Bytes of out-of-order CRYPTO data buffered per encryption level (RFC 9000 §7.5). */
  static final int BUFFER = 16384;

  /** {@link #receive}: the data lies entirely below the delivered offset. */
  static final int RX_DUPLICATE = 0;

  /** {@link #receive}: the data ends more than {@link #BUFFER} bytes past the delivered offset. */
  static final int RX_BUFFER_EXCEEDED = -1;

  private static final int LEVELS = PacketNumberSpace.COUNT;

  private final byte[][] out = new byte[LEVELS][];
  private final int[] outLength = new int[LEVELS];
  private final BitSet[] pending = new BitSet[LEVELS];
  private final BitSet[] acked = new BitSet[LEVELS];
  private final long[] inOffset = new long[LEVELS];
  private final byte[][] in = new byte[LEVELS][];
  private final BitSet[] inHave = new BitSet[LEVELS];
  private long lastFrameOffset;
  private int lastFrameLength;

  // ------------------------------------------------------------------------------------------
  // Receiving

  /**
   * Buffers the CRYPTO frame data {@code src[dataOff, dataOff+len)} at stream offset {@code off}.
   *
   * @return how many contiguous bytes from the delivered offset are now ready at {@code
   *     inBuffer(level)[0..]}, or {@link #RX_DUPLICATE}, or {@link #RX_BUFFER_EXCEEDED}
   */
  int receive(int level, DirectBuffer src, int dataOff, long off, int len) {
    if (in[level] == null) {
      in[level] = new byte[BUFFER];
      inHave[level] = new BitSet();
    }
    long end = off + len;
    long base = inOffset[level];
    if (end <= base) {
      return RX_DUPLICATE;
    }
    if (end - base > BUFFER) {
      return RX_BUFFER_EXCEEDED;
    }
    int skip = off < base ? (int) (base - off) : 0;
    int dst = (int) (off + skip - base);
    int n = len - skip;
    src.getBytes(dataOff + skip, in[level], dst, n);
    inHave[level].set(dst, dst + n);
    return inHave[level].nextClearBit(0);
  }

  /** The reassembly buffer of {@code level} (null once discarded). */
  byte[] inBuffer(int level) {
    return in[level];
  }

  /**
   * The first {@code n} ready bytes of {@code level} were delivered: the buffer moves on. Nothing
   * happens when the level was discarded meanwhile (TLS can discard a level while it consumes).
   */
  void consume(int level, int n) {
    byte[] b = in[level];
    if (b == null) {
      return;
    }
    System.arraycopy(b, n, b, 0, BUFFER - n);
    BitSet have = inHave[level];
    inHave[level] = have.get(n, Math.max(n, have.length()));
    inOffset[level] += n;
  }

  // ------------------------------------------------------------------------------------------
  // Sending

  /** Appends what TLS wrote at {@code level}; all of it becomes pending. */
  void append(int level, byte[] data, int off, int len) {
    byte[] b = out[level];
    if (b == null) {
      b = new byte[Math.max(256, len)];
      pending[level] = new BitSet();
      acked[level] = new BitSet();
    }
    int have = outLength[level];
    if (have + len > b.length) {
      byte[] nb = new byte[Math.max(b.length * 2, have + len)];
      System.arraycopy(b, 0, nb, 0, have);
      b = nb;
    }
    out[level] = b;
    System.arraycopy(data, off, b, have, len);
    pending[level].set(have, have + len);
    outLength[level] = have + len;
  }

  /** Whether {@code level} has bytes to (re)send. */
  boolean hasPending(int level) {
    BitSet p = pending[level];
    return p != null && !p.isEmpty();
  }

  /**
   * Writes one CRYPTO frame with the first run of pending bytes of {@code level} that fits in
   * {@code dst[pos, limit)}; {@link #lastFrameOffset()} and {@link #lastFrameLength()} tell what it
   * carried (for the sent-packet record).
   *
   * @return bytes written (0 if nothing was pending or nothing fits)
   */
  int writeFrame(int level, MutableDirectBuffer dst, int pos, int limit) {
    BitSet p = pending[level];
    if (p == null || limit - pos <= 16) {
      return 0;
    }
    int from = p.nextSetBit(0);
    if (from < 0) {
      return 0;
    }
    int to = p.nextClearBit(from);
    int room = limit - pos - FrameWriter.cryptoHeaderLength(from, to - from);
    int n = Math.min(to - from, room);
    if (n <= 0) {
      return 0;
    }
    int h = FrameWriter.writeCryptoHeader(dst, pos, from, n);
    dst.putBytes(pos + h, out[level], from, n);
    p.clear(from, from + n);
    lastFrameOffset = from;
    lastFrameLength = n;
    return h + n;
  }

  /** Stream offset of the data in the last frame {@link #writeFrame} wrote. */
  long lastFrameOffset() {
    return lastFrameOffset;
  }

  /** Length of the data in the last frame {@link #writeFrame} wrote. */
  int lastFrameLength() {
    return lastFrameLength;
  }

  /** A packet carrying {@code [off, off+len)} of {@code level} was acknowledged. */
  void onAcked(int level, long off, int len) {
    if (acked[level] == null) {
      return;
    }
    int from = (int) off;
    acked[level].set(from, from + len);
    pending[level].andNot(acked[level]);
  }

  /** A packet carrying {@code [off, off+len)} was lost: its unacknowledged bytes are pending. */
  void onLost(int level, long off, int len) {
    if (pending[level] == null) {
      return;
    }
    int from = (int) off;
    for (int i = from; i < from + len; i++) {
      if (!acked[level].get(i)) {
        pending[level].set(i);
      }
    }
  }

  /** A PTO probe of {@code level} resends everything not acknowledged (RFC 9002 §6.2.4). */
  void requeueUnacked(int level) {
    BitSet p = pending[level];
    if (p == null) {
      return;
    }
    p.set(0, outLength[level]);
    p.andNot(acked[level]);
  }

  /** Drops the buffers of {@code level} (its keys were discarded, RFC 9001 §4.9). */
  void discard(int level) {
    out[level] = null;
    pending[level] = null;
    acked[level] = null;
    in[level] = null;
    inHave[level] = null;
  }

  /** Whether {@code level} holds any buffer (tests). */
  boolean holdsBuffers(int level) {
    return out[level] != null || in[level] != null;
  }
}
