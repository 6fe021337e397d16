package dev.ztna.server.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Static encoders, one per frame type (RFC 9000 §19, RFC 9221 §4,
 * draft-ietf-quic-address-discovery). Each returns the number of bytes written. Values outside the
 * varint range or bad lengths are programming errors ({@link IllegalArgumentException}); the caller
 * sizes the output buffer (the {@code *Length} helpers give exact sizes).
 */
public final class FrameWriter {
  private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

  /** Size of a NEW_CONNECTION_ID Stateless Reset Token. */
  public static final int RESET_TOKEN_LENGTH = 16;

  private FrameWriter() {}

  /** {@code count} PADDING bytes (0x00). */
  public static int writePadding(MutableDirectBuffer out, int off, int count) {
    if (count > 0) {
      out.setMemory(off, count, (byte) 0);
    }
    return Math.max(count, 0);
  }

  public static int writePing(MutableDirectBuffer out, int off) {
    out.putByte(off, (byte) FrameType.PING);
    return 1;
  }

  public static int writeHandshakeDone(MutableDirectBuffer out, int off) {
    out.putByte(off, (byte) FrameType.HANDSHAKE_DONE);
    return 1;
  }

  /**
   * ACK frame (type 0x02).
   *
   * @param ackDelayEncoded the delay already divided by 2^ack_delay_exponent
   * @param gaps Gap of each additional range (RFC 9000 §19.3.1)
   * @param lengths ACK Range Length of each additional range
   */
  public static int writeAck(
      MutableDirectBuffer out,
      int off,
      long largest,
      long ackDelayEncoded,
      long firstRange,
      long[] gaps,
      long[] lengths,
      int rangeCount) {
    return writeAckBody(
            out,
            off,
            FrameType.ACK,
            largest,
            ackDelayEncoded,
            firstRange,
            gaps,
            lengths,
            rangeCount)
        - off;
  }

  /** ACK frame with ECN counts (type 0x03). */
  public static int writeAckEcn(
      MutableDirectBuffer out,
      int off,
      long largest,
      long ackDelayEncoded,
      long firstRange,
      long[] gaps,
      long[] lengths,
      int rangeCount,
      long ect0,
      long ect1,
      long ce) {
    int pos =
        writeAckBody(
            out,
            off,
            FrameType.ACK_ECN,
            largest,
            ackDelayEncoded,
            firstRange,
            gaps,
            lengths,
            rangeCount);
    pos += VarInt.put(out, pos, ect0);
    pos += VarInt.put(out, pos, ect1);
    pos += VarInt.put(out, pos, ce);
    return pos - off;
  }

  private static int writeAckBody(
      MutableDirectBuffer out,
      int off,
      long type,
      long largest,
      long ackDelayEncoded,
      long firstRange,
      long[] gaps,
      long[] lengths,
      int rangeCount) {
    int pos = off;
    pos += VarInt.put(out, pos, type);
    pos += VarInt.put(out, pos, largest);
    pos += VarInt.put(out, pos, ackDelayEncoded);
    pos += VarInt.put(out, pos, rangeCount);
    pos += VarInt.put(out, pos, firstRange);
    for (int i = 0; i < rangeCount; i++) {
      pos += VarInt.put(out, pos, gaps[i]);
      pos += VarInt.put(out, pos, lengths[i]);
    }
    return pos;
  }

  public static int writeResetStream(
      MutableDirectBuffer out, int off, long streamId, long errorCode, long finalSize) {
    int pos = off;
    pos += VarInt.put(out, pos, FrameType.RESET_STREAM);
    pos += VarInt.put(out, pos, streamId);
    pos += VarInt.put(out, pos, errorCode);
    pos += VarInt.put(out, pos, finalSize);
    return pos - off;
  }

  public static int writeStopSending(
      MutableDirectBuffer out, int off, long streamId, long errorCode) {
    int pos = off;
    pos += VarInt.put(out, pos, FrameType.STOP_SENDING);
    pos += VarInt.put(out, pos, streamId);
    pos += VarInt.put(out, pos, errorCode);
    return pos - off;
  }

  /** CRYPTO frame header and data. */
  public static int writeCrypto(
      MutableDirectBuffer out, int off, long offset, DirectBuffer data, int dOff, int len) {
    final int h = writeCryptoHeader(out, off, offset, len);
    if (len > 0) {
      out.putBytes(off + h, data, dOff, len);
    }
    return h + len;
  }

  /** CRYPTO frame header only (type, offset, length); the caller writes {@code len} data bytes. */
  public static int writeCryptoHeader(MutableDirectBuffer out, int off, long offset, int len) {
    int pos = off;
    pos += VarInt.put(out, pos, FrameType.CRYPTO);
    pos += VarInt.put(out, pos, offset);
    pos += VarInt.put(out, pos, len);
    return pos - off;
  }

  /** Size of a CRYPTO frame header. */
  public static int cryptoHeaderLength(long offset, int len) {
    return 1 + VarInt.sizeOf(offset) + VarInt.sizeOf(len);
  }

  public static int writeNewToken(
      MutableDirectBuffer out, int off, DirectBuffer token, int tOff, int tLen) {
    if (tLen < 1) {
      throw new IllegalArgumentException("NEW_TOKEN token must not be empty");
    }
    int pos = off;
    pos += VarInt.put(out, pos, FrameType.NEW_TOKEN);
    pos += VarInt.put(out, pos, tLen);
    out.putBytes(pos, token, tOff, tLen);
    pos += tLen;
    return pos - off;
  }

  /**
   * STREAM frame (type 0x08..0x0f): the OFF bit is set when {@code offset != 0}, LEN when {@code
   * withLength}; without LEN the data runs to the end of the packet.
   */
  public static int writeStream(
      MutableDirectBuffer out,
      int off,
      long streamId,
      long offset,
      DirectBuffer data,
      int dOff,
      int len,
      boolean fin,
      boolean withLength) {
    final int h = writeStreamHeader(out, off, streamId, offset, len, fin, withLength);
    if (len > 0) {
      out.putBytes(off + h, data, dOff, len);
    }
    return h + len;
  }

  /** STREAM frame header only; the caller writes {@code len} data bytes after it. */
  public static int writeStreamHeader(
      MutableDirectBuffer out,
      int off,
      long streamId,
      long offset,
      int len,
      boolean fin,
      boolean withLength) {
    int type = (int) FrameType.STREAM;
    if (offset != 0) {
      type |= FrameType.STREAM_BIT_OFF;
    }
    if (withLength) {
      type |= FrameType.STREAM_BIT_LEN;
    }
    if (fin) {
      type |= FrameType.STREAM_BIT_FIN;
    }
    int pos = off;
    out.putByte(pos++, (byte) type);
    pos += VarInt.put(out, pos, streamId);
    if (offset != 0) {
      pos += VarInt.put(out, pos, offset);
    }
    if (withLength) {
      pos += VarInt.put(out, pos, len);
    }
    return pos - off;
  }

  /** Size of a STREAM frame header as written by {@link #writeStreamHeader}. */
  public static int streamHeaderLength(long streamId, long offset, int len, boolean withLength) {
    return 1
        + VarInt.sizeOf(streamId)
        + (offset != 0 ? VarInt.sizeOf(offset) : 0)
        + (withLength ? VarInt.sizeOf(len) : 0);
  }

  public static int writeMaxData(MutableDirectBuffer out, int off, long maximum) {
    return writeTypeAndValue(out, off, FrameType.MAX_DATA, maximum);
  }

  public static int writeMaxStreamData(
      MutableDirectBuffer out, int off, long streamId, long maximum) {
    int pos = off;
    pos += VarInt.put(out, pos, FrameType.MAX_STREAM_DATA);
    pos += VarInt.put(out, pos, streamId);
    pos += VarInt.put(out, pos, maximum);
    return pos - off;
  }

  public static int writeMaxStreams(
      MutableDirectBuffer out, int off, boolean bidirectional, long maximum) {
    checkStreamCount(maximum);
    return writeTypeAndValue(
        out, off, bidirectional ? FrameType.MAX_STREAMS_BIDI : FrameType.MAX_STREAMS_UNI, maximum);
  }

  public static int writeDataBlocked(MutableDirectBuffer out, int off, long limit) {
    return writeTypeAndValue(out, off, FrameType.DATA_BLOCKED, limit);
  }

  public static int writeStreamDataBlocked(
      MutableDirectBuffer out, int off, long streamId, long limit) {
    int pos = off;
    pos += VarInt.put(out, pos, FrameType.STREAM_DATA_BLOCKED);
    pos += VarInt.put(out, pos, streamId);
    pos += VarInt.put(out, pos, limit);
    return pos - off;
  }

  public static int writeStreamsBlocked(
      MutableDirectBuffer out, int off, boolean bidirectional, long limit) {
    checkStreamCount(limit);
    return writeTypeAndValue(
        out,
        off,
        bidirectional ? FrameType.STREAMS_BLOCKED_BIDI : FrameType.STREAMS_BLOCKED_UNI,
        limit);
  }

  /**
   * NEW_CONNECTION_ID frame.
   *
   * @param cidLen 1..20
   * @param resetToken 16 bytes at {@code tokenOff}
   */
  public static int writeNewConnectionId(
      MutableDirectBuffer out,
      int off,
      long sequence,
      long retirePriorTo,
      DirectBuffer cid,
      int cidOff,
      int cidLen,
      DirectBuffer resetToken,
      int tokenOff) {
    if (cidLen < 1 || cidLen > PacketHeaderFlyweight.MAX_CID_LENGTH) {
      throw new IllegalArgumentException("connection ID length must be 1..20");
    }
    if (retirePriorTo > sequence) {
      throw new IllegalArgumentException("retire_prior_to greater than sequence");
    }
    int pos = off;
    pos += VarInt.put(out, pos, FrameType.NEW_CONNECTION_ID);
    pos += VarInt.put(out, pos, sequence);
    pos += VarInt.put(out, pos, retirePriorTo);
    out.putByte(pos++, (byte) cidLen);
    out.putBytes(pos, cid, cidOff, cidLen);
    pos += cidLen;
    out.putBytes(pos, resetToken, tokenOff, RESET_TOKEN_LENGTH);
    pos += RESET_TOKEN_LENGTH;
    return pos - off;
  }

  public static int writeRetireConnectionId(MutableDirectBuffer out, int off, long sequence) {
    return writeTypeAndValue(out, off, FrameType.RETIRE_CONNECTION_ID, sequence);
  }

  /** PATH_CHALLENGE with 8 data bytes given as a big-endian long. */
  public static int writePathChallenge(MutableDirectBuffer out, int off, long data) {
    out.putByte(off, (byte) FrameType.PATH_CHALLENGE);
    out.putLong(off + 1, data, BE);
    return 9;
  }

  /** PATH_RESPONSE echoing 8 data bytes given as a big-endian long. */
  public static int writePathResponse(MutableDirectBuffer out, int off, long data) {
    out.putByte(off, (byte) FrameType.PATH_RESPONSE);
    out.putLong(off + 1, data, BE);
    return 9;
  }

  /**
   * CONNECTION_CLOSE: type 0x1d when {@code application} (no Frame Type field), else 0x1c with
   * {@code frameType}. {@code reason} may be null when {@code rLen == 0}.
   */
  public static int writeConnectionClose(
      MutableDirectBuffer out,
      int off,
      boolean application,
      long errorCode,
      long frameType,
      DirectBuffer reason,
      int rOff,
      int rLen) {
    int pos = off;
    pos +=
        VarInt.put(
            out, pos, application ? FrameType.CONNECTION_CLOSE_APP : FrameType.CONNECTION_CLOSE);
    pos += VarInt.put(out, pos, errorCode);
    if (!application) {
      pos += VarInt.put(out, pos, frameType);
    }
    pos += VarInt.put(out, pos, rLen);
    if (rLen > 0) {
      out.putBytes(pos, reason, rOff, rLen);
      pos += rLen;
    }
    return pos - off;
  }

  /**
   * The longest reason phrase {@link #writeConnectionClose(MutableDirectBuffer, int, boolean, long,
   * long, CharSequence, int)} writes (bytes).
   */
  public static final int MAX_REASON_LENGTH = 64;

  /**
   * CONNECTION_CLOSE with a reason phrase taken from {@code reason} (RFC 9000 §19.19), written
   * without allocating: each char becomes one byte, anything outside printable ASCII becomes {@code
   * '?'}, and the phrase is cut at {@code min(maxReason, MAX_REASON_LENGTH)} bytes. A null reason
   * or {@code maxReason <= 0} gives an empty phrase.
   */
  public static int writeConnectionClose(
      MutableDirectBuffer out,
      int off,
      boolean application,
      long errorCode,
      long frameType,
      CharSequence reason,
      int maxReason) {
    int rLen =
        reason == null || maxReason <= 0
            ? 0
            : Math.min(reason.length(), Math.min(maxReason, MAX_REASON_LENGTH));
    int pos = off;
    pos +=
        VarInt.put(
            out, pos, application ? FrameType.CONNECTION_CLOSE_APP : FrameType.CONNECTION_CLOSE);
    pos += VarInt.put(out, pos, errorCode);
    if (!application) {
      pos += VarInt.put(out, pos, frameType);
    }
    pos += VarInt.put(out, pos, rLen);
    for (int i = 0; i < rLen; i++) {
      char c = reason.charAt(i);
      out.putByte(pos++, (byte) (c >= 0x20 && c < 0x7f ? c : '?'));
    }
    return pos - off;
  }

  /**
   * DATAGRAM frame (RFC 9221 §4): type 0x31 with a Length field when {@code withLength}, else 0x30
   * (the data then runs to the end of the packet).
   */
  public static int writeDatagram(
      MutableDirectBuffer out, int off, DirectBuffer data, int dOff, int len, boolean withLength) {
    final int h = writeDatagramHeader(out, off, len, withLength);
    if (len > 0) {
      out.putBytes(off + h, data, dOff, len);
    }
    return h + len;
  }

  /** DATAGRAM frame header only; the caller writes {@code len} data bytes after it. */
  public static int writeDatagramHeader(
      MutableDirectBuffer out, int off, int len, boolean withLength) {
    if (!withLength) {
      out.putByte(off, (byte) FrameType.DATAGRAM);
      return 1;
    }
    out.putByte(off, (byte) FrameType.DATAGRAM_WITH_LENGTH);
    return 1 + VarInt.put(out, off + 1, len);
  }

  /** Size of a DATAGRAM frame header. */
  public static int datagramHeaderLength(int len, boolean withLength) {
    return withLength ? 1 + VarInt.sizeOf(len) : 1;
  }

  /**
   * OBSERVED_ADDRESS frame (draft-ietf-quic-address-discovery): type 0x9f81a6 for a 4-byte IPv4
   * address, 0x9f81a7 for a 16-byte IPv6 address, then the port (16 bits).
   */
  public static int writeObservedAddress(
      MutableDirectBuffer out,
      int off,
      long sequence,
      DirectBuffer addr,
      int aOff,
      int aLen,
      int port) {
    final long type;
    if (aLen == 4) {
      type = FrameType.OBSERVED_ADDRESS_V4;
    } else if (aLen == 16) {
      type = FrameType.OBSERVED_ADDRESS_V6;
    } else {
      throw new IllegalArgumentException("address length must be 4 or 16");
    }
    int pos = off;
    pos += VarInt.put(out, pos, type);
    pos += VarInt.put(out, pos, sequence);
    out.putBytes(pos, addr, aOff, aLen);
    pos += aLen;
    out.putShort(pos, (short) port, BE);
    pos += 2;
    return pos - off;
  }

  private static int writeTypeAndValue(MutableDirectBuffer out, int off, long type, long value) {
    int pos = off;
    pos += VarInt.put(out, pos, type);
    pos += VarInt.put(out, pos, value);
    return pos - off;
  }

  private static void checkStreamCount(long v) {
    if (v < 0 || v > FrameReader.MAX_STREAMS_LIMIT) {
      throw new IllegalArgumentException("stream count above 2^60");
    }
  }
}
