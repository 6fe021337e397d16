package dev.ztna.server.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;

/**
 * Reusable, allocation-free decoder of one QUIC frame at a time (RFC 9000 §19, RFC 9221 §4,
 * draft-ietf-quic-address-discovery OBSERVED_ADDRESS).
 *
 * <p>{@link #read} decodes the frame at {@code off} and returns the offset just past it, or a
 * negative {@code ERR_*} code. Decoded fields are exposed as primitives and are only meaningful for
 * the frame type just read; variable-length payloads (stream/crypto/datagram data, tokens, reasons,
 * connection IDs, addresses) are exposed as absolute offsets and lengths into the buffer. A run of
 * consecutive PADDING bytes is decoded as a single frame ({@link #paddingLength()}). The reader
 * never reads at or past {@code limit}.
 */
public final class FrameReader {
  /** The frame (or its type) does not fit before the limit. */
  public static final int ERR_TRUNCATED = -1;

  /** A frame type this endpoint does not know (RFC 9000 §12.4: FRAME_ENCODING_ERROR). */
  public static final int ERR_UNKNOWN_TYPE = -2;

  /** A frame type not in its shortest encoding (RFC 9000 §12.4: PROTOCOL_VIOLATION). */
  public static final int ERR_TYPE_NOT_MINIMAL = -3;

  /** An ACK range that would go below packet number 0 (RFC 9000 §19.3.1). */
  public static final int ERR_ACK_RANGE = -4;

  /** More ACK ranges than {@link #MAX_ACK_RANGES}. */
  public static final int ERR_ACK_TOO_MANY_RANGES = -5;

  /** STREAM offset + length above 2^62-1 (RFC 9000 §19.8). */
  public static final int ERR_STREAM_OFFSET = -6;

  /** CRYPTO offset + length above 2^62-1 (RFC 9000 §19.6). */
  public static final int ERR_CRYPTO_OFFSET = -7;

  /** NEW_CONNECTION_ID with a connection ID length of 0 or above 20 (RFC 9000 §19.15). */
  public static final int ERR_CID_LENGTH = -8;

  /** NEW_CONNECTION_ID whose Retire Prior To exceeds its Sequence Number (RFC 9000 §19.15). */
  public static final int ERR_RETIRE_PRIOR_TO = -9;

  /** MAX_STREAMS / STREAMS_BLOCKED above 2^60 (RFC 9000 §19.11, §19.14). */
  public static final int ERR_MAX_STREAMS = -10;

  /** NEW_TOKEN with an empty token (RFC 9000 §19.7). */
  public static final int ERR_EMPTY_TOKEN = -11;

  /** Capacity of the preallocated ACK range arrays (ranges after the first). */
  public static final int MAX_ACK_RANGES = 256;

  /** 2^60: the limit of MAX_STREAMS and STREAMS_BLOCKED values. */
  public static final long MAX_STREAMS_LIMIT = 1L << 60;

  private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

  private final long[] ackGaps = new long[MAX_ACK_RANGES];
  private final long[] ackLengths = new long[MAX_ACK_RANGES];
  private final long[] ackRangeLargest = new long[MAX_ACK_RANGES];
  private final long[] ackRangeSmallest = new long[MAX_ACK_RANGES];

  private DirectBuffer buf;
  private int pos;
  private int limit;

  private long type = -1;
  private int frameOffset;
  private int paddingLength;
  private long ackLargest;
  private long ackDelay;
  private long ackFirstRange;
  private int ackRangeCount;
  private long ecnEct0;
  private long ecnEct1;
  private long ecnCe;
  private long streamId;
  private long offset;
  private int dataOffset;
  private int dataLength;
  private boolean fin;
  private long errorCode;
  private long finalSize;
  private long frameTypeField;
  private int reasonOffset;
  private int reasonLength;
  private long sequence;
  private long retirePriorTo;
  private int cidOffset;
  private int cidLength;
  private int resetTokenOffset;
  private long maximum;
  private long pathData;
  private int tokenOffset;
  private int tokenLength;
  private int addressOffset;
  private int addressLength;
  private int port;

  /** Maps a negative {@code ERR_*} code of {@link #read} to the transport error to close with. */
  public static long transportError(int err) {
    if (err == ERR_TYPE_NOT_MINIMAL) {
      return TransportError.PROTOCOL_VIOLATION;
    }
    return TransportError.FRAME_ENCODING_ERROR;
  }

  /**
   * Decodes one frame.
   *
   * @return the offset just past the frame, or a negative {@code ERR_*} code
   */
  public int read(DirectBuffer buffer, int off, int limit) {
    this.buf = buffer;
    this.limit = limit;
    this.pos = off;
    this.frameOffset = off;
    this.type = -1;
    final long t = varint();
    if (t < 0) {
      return ERR_TRUNCATED;
    }
    // RFC 9000 §12.4: frame types use the shortest encoding.
    if (VarInt.lengthFromFirstByte(buffer.getByte(off)) != VarInt.sizeOf(t)) {
      return ERR_TYPE_NOT_MINIMAL;
    }
    type = t;
    if (t <= FrameType.HANDSHAKE_DONE) {
      switch ((int) t) {
        case 0x00:
          return readPadding();
        case 0x01:
        case 0x1e:
          return pos;
        case 0x02:
        case 0x03:
          return readAck(t == FrameType.ACK_ECN);
        case 0x04:
          return readResetStream();
        case 0x05:
          return readStopSending();
        case 0x06:
          return readCrypto();
        case 0x07:
          return readNewToken();
        case 0x10:
        case 0x14:
          return readMaximum(false);
        case 0x11:
        case 0x15:
          return readStreamMaximum();
        case 0x12:
        case 0x13:
        case 0x16:
        case 0x17:
          return readMaximum(true);
        case 0x18:
          return readNewConnectionId();
        case 0x19:
          return readRetireConnectionId();
        case 0x1a:
        case 0x1b:
          return readPathData();
        case 0x1c:
        case 0x1d:
          return readConnectionClose(t == FrameType.CONNECTION_CLOSE_APP);
        default:
          return readStream((int) t);
      }
    }
    if (FrameType.isDatagram(t)) {
      return readDatagram(t == FrameType.DATAGRAM_WITH_LENGTH);
    }
    if (FrameType.isObservedAddress(t)) {
      return readObservedAddress(t == FrameType.OBSERVED_ADDRESS_V6 ? 16 : 4);
    }
    return ERR_UNKNOWN_TYPE;
  }

  private long varint() {
    final long v = VarInt.get(buf, pos, limit);
    if (v >= 0) {
      pos += VarInt.lengthFromFirstByte(buf.getByte(pos));
    }
    return v;
  }

  private int readPadding() {
    int p = pos;
    while (p < limit && buf.getByte(p) == 0) {
      p++;
    }
    paddingLength = p - frameOffset;
    pos = p;
    return p;
  }

  private int readAck(boolean ecn) {
    final long largest = varint();
    if (largest < 0) {
      return ERR_TRUNCATED;
    }
    final long delay = varint();
    if (delay < 0) {
      return ERR_TRUNCATED;
    }
    final long count = varint();
    if (count < 0) {
      return ERR_TRUNCATED;
    }
    final long first = varint();
    if (first < 0) {
      return ERR_TRUNCATED;
    }
    if (first > largest) {
      return ERR_ACK_RANGE;
    }
    if (count > MAX_ACK_RANGES) {
      return ERR_ACK_TOO_MANY_RANGES;
    }
    ackLargest = largest;
    ackDelay = delay;
    ackFirstRange = first;
    ackRangeCount = 0;
    long smallest = largest - first;
    final int n = (int) count;
    for (int i = 0; i < n; i++) {
      final long gap = varint();
      if (gap < 0) {
        return ERR_TRUNCATED;
      }
      final long len = varint();
      if (len < 0) {
        return ERR_TRUNCATED;
      }
      // RFC 9000 §19.3.1: largest = previous smallest - gap - 2; smallest = largest - length.
      if (gap + 2 > smallest) {
        return ERR_ACK_RANGE;
      }
      final long rangeLargest = smallest - gap - 2;
      if (len > rangeLargest) {
        return ERR_ACK_RANGE;
      }
      smallest = rangeLargest - len;
      ackGaps[i] = gap;
      ackLengths[i] = len;
      ackRangeLargest[i] = rangeLargest;
      ackRangeSmallest[i] = smallest;
    }
    ackRangeCount = n;
    if (ecn) {
      final long e0 = varint();
      if (e0 < 0) {
        return ERR_TRUNCATED;
      }
      final long e1 = varint();
      if (e1 < 0) {
        return ERR_TRUNCATED;
      }
      final long ce = varint();
      if (ce < 0) {
        return ERR_TRUNCATED;
      }
      ecnEct0 = e0;
      ecnEct1 = e1;
      ecnCe = ce;
    } else {
      ecnEct0 = 0;
      ecnEct1 = 0;
      ecnCe = 0;
    }
    return pos;
  }

  private int readResetStream() {
    final long id = varint();
    if (id < 0) {
      return ERR_TRUNCATED;
    }
    final long code = varint();
    if (code < 0) {
      return ERR_TRUNCATED;
    }
    final long size = varint();
    if (size < 0) {
      return ERR_TRUNCATED;
    }
    streamId = id;
    errorCode = code;
    finalSize = size;
    return pos;
  }

  private int readStopSending() {
    final long id = varint();
    if (id < 0) {
      return ERR_TRUNCATED;
    }
    final long code = varint();
    if (code < 0) {
      return ERR_TRUNCATED;
    }
    streamId = id;
    errorCode = code;
    return pos;
  }

  private int readCrypto() {
    final long off = varint();
    if (off < 0) {
      return ERR_TRUNCATED;
    }
    final long len = varint();
    if (len < 0 || len > limit - pos) {
      return ERR_TRUNCATED;
    }
    if (off + len > VarInt.MAX) {
      return ERR_CRYPTO_OFFSET;
    }
    offset = off;
    dataOffset = pos;
    dataLength = (int) len;
    fin = false;
    pos += (int) len;
    return pos;
  }

  private int readNewToken() {
    final long len = varint();
    if (len < 0 || len > limit - pos) {
      return ERR_TRUNCATED;
    }
    if (len == 0) {
      return ERR_EMPTY_TOKEN;
    }
    tokenOffset = pos;
    tokenLength = (int) len;
    pos += (int) len;
    return pos;
  }

  private int readStream(int t) {
    final long id = varint();
    if (id < 0) {
      return ERR_TRUNCATED;
    }
    long off = 0;
    if ((t & FrameType.STREAM_BIT_OFF) != 0) {
      off = varint();
      if (off < 0) {
        return ERR_TRUNCATED;
      }
    }
    final long len;
    if ((t & FrameType.STREAM_BIT_LEN) != 0) {
      len = varint();
      if (len < 0 || len > limit - pos) {
        return ERR_TRUNCATED;
      }
    } else {
      len = (long) limit - pos;
    }
    if (off + len > VarInt.MAX) {
      return ERR_STREAM_OFFSET;
    }
    streamId = id;
    offset = off;
    dataOffset = pos;
    dataLength = (int) len;
    fin = (t & FrameType.STREAM_BIT_FIN) != 0;
    pos += (int) len;
    return pos;
  }

  private int readMaximum(boolean streamCount) {
    final long max = varint();
    if (max < 0) {
      return ERR_TRUNCATED;
    }
    if (streamCount && max > MAX_STREAMS_LIMIT) {
      return ERR_MAX_STREAMS;
    }
    maximum = max;
    return pos;
  }

  private int readStreamMaximum() {
    final long id = varint();
    if (id < 0) {
      return ERR_TRUNCATED;
    }
    final long max = varint();
    if (max < 0) {
      return ERR_TRUNCATED;
    }
    streamId = id;
    maximum = max;
    return pos;
  }

  private int readNewConnectionId() {
    final long seq = varint();
    if (seq < 0) {
      return ERR_TRUNCATED;
    }
    final long rpt = varint();
    if (rpt < 0) {
      return ERR_TRUNCATED;
    }
    if (pos >= limit) {
      return ERR_TRUNCATED;
    }
    final int len = buf.getByte(pos) & 0xff;
    pos++;
    if (len < 1 || len > PacketHeaderFlyweight.MAX_CID_LENGTH) {
      return ERR_CID_LENGTH;
    }
    if (limit - pos < len + 16) {
      return ERR_TRUNCATED;
    }
    if (rpt > seq) {
      return ERR_RETIRE_PRIOR_TO;
    }
    sequence = seq;
    retirePriorTo = rpt;
    cidOffset = pos;
    cidLength = len;
    resetTokenOffset = pos + len;
    pos += len + 16;
    return pos;
  }

  private int readRetireConnectionId() {
    final long seq = varint();
    if (seq < 0) {
      return ERR_TRUNCATED;
    }
    sequence = seq;
    return pos;
  }

  private int readPathData() {
    if (limit - pos < 8) {
      return ERR_TRUNCATED;
    }
    pathData = buf.getLong(pos, BE);
    pos += 8;
    return pos;
  }

  private int readConnectionClose(boolean application) {
    final long code = varint();
    if (code < 0) {
      return ERR_TRUNCATED;
    }
    long ft = 0;
    if (!application) {
      ft = varint();
      if (ft < 0) {
        return ERR_TRUNCATED;
      }
    }
    final long len = varint();
    if (len < 0 || len > limit - pos) {
      return ERR_TRUNCATED;
    }
    errorCode = code;
    frameTypeField = ft;
    reasonOffset = pos;
    reasonLength = (int) len;
    pos += (int) len;
    return pos;
  }

  private int readDatagram(boolean withLength) {
    final long len;
    if (withLength) {
      len = varint();
      if (len < 0 || len > limit - pos) {
        return ERR_TRUNCATED;
      }
    } else {
      len = (long) limit - pos;
    }
    dataOffset = pos;
    dataLength = (int) len;
    pos += (int) len;
    return pos;
  }

  private int readObservedAddress(int addrLen) {
    final long seq = varint();
    if (seq < 0) {
      return ERR_TRUNCATED;
    }
    if (limit - pos < addrLen + 2) {
      return ERR_TRUNCATED;
    }
    sequence = seq;
    addressOffset = pos;
    addressLength = addrLen;
    port = buf.getShort(pos + addrLen, BE) & 0xffff;
    pos += addrLen + 2;
    return pos;
  }

  /** Type of the last frame read (the full type, e.g. 0x0e for a STREAM frame with OFF and LEN). */
  public long type() {
    return type;
  }

  /** Offset of the first byte (the type) of the last frame read. */
  public int frameOffset() {
    return frameOffset;
  }

  /** PADDING: number of consecutive padding bytes consumed (including the first). */
  public int paddingLength() {
    return paddingLength;
  }

  public long ackLargest() {
    return ackLargest;
  }

  /** ACK: the encoded ACK Delay (multiply by 2^ack_delay_exponent microseconds). */
  public long ackDelay() {
    return ackDelay;
  }

  public long ackFirstRange() {
    return ackFirstRange;
  }

  /** Number of ACK ranges after the first one. */
  public int ackRangeCount() {
    return ackRangeCount;
  }

  public long ackGap(int i) {
    return ackGaps[i];
  }

  public long ackRangeLength(int i) {
    return ackLengths[i];
  }

  /** Largest packet number acknowledged by additional range {@code i}. */
  public long ackRangeLargest(int i) {
    return ackRangeLargest[i];
  }

  /** Smallest packet number acknowledged by additional range {@code i}. */
  public long ackRangeSmallest(int i) {
    return ackRangeSmallest[i];
  }

  /** Whether the last ACK carried ECN counts (type 0x03). */
  public boolean hasEcn() {
    return type == FrameType.ACK_ECN;
  }

  public long ecnEct0() {
    return ecnEct0;
  }

  public long ecnEct1() {
    return ecnEct1;
  }

  public long ecnCe() {
    return ecnCe;
  }

  /** RESET_STREAM, STOP_SENDING, STREAM, MAX_STREAM_DATA, STREAM_DATA_BLOCKED. */
  public long streamId() {
    return streamId;
  }

  /** STREAM/CRYPTO: offset of the data in the stream. */
  public long offset() {
    return offset;
  }

  /** STREAM/CRYPTO/DATAGRAM: absolute buffer offset of the data. */
  public int dataOffset() {
    return dataOffset;
  }

  public int dataLength() {
    return dataLength;
  }

  public boolean fin() {
    return fin;
  }

  /** RESET_STREAM/STOP_SENDING application error code; CONNECTION_CLOSE error code. */
  public long errorCode() {
    return errorCode;
  }

  /** RESET_STREAM final size. */
  public long finalSize() {
    return finalSize;
  }

  /** CONNECTION_CLOSE (0x1c) Frame Type field; 0 for the application variant. */
  public long frameTypeField() {
    return frameTypeField;
  }

  public int reasonOffset() {
    return reasonOffset;
  }

  public int reasonLength() {
    return reasonLength;
  }

  public boolean isApplicationClose() {
    return type == FrameType.CONNECTION_CLOSE_APP;
  }

  /** NEW_CONNECTION_ID / RETIRE_CONNECTION_ID / OBSERVED_ADDRESS sequence number. */
  public long sequence() {
    return sequence;
  }

  public long retirePriorTo() {
    return retirePriorTo;
  }

  public int cidOffset() {
    return cidOffset;
  }

  public int cidLength() {
    return cidLength;
  }

  /** NEW_CONNECTION_ID: offset of the 16-byte Stateless Reset Token. */
  public int resetTokenOffset() {
    return resetTokenOffset;
  }

  /**
   * MAX_DATA, MAX_STREAM_DATA, MAX_STREAMS (maximum streams), DATA_BLOCKED, STREAM_DATA_BLOCKED,
   * STREAMS_BLOCKED (the limit).
   */
  public long maximum() {
    return maximum;
  }

  /** MAX_STREAMS / STREAMS_BLOCKED: whether the frame concerns bidirectional streams. */
  public boolean isBidirectional() {
    return type == FrameType.MAX_STREAMS_BIDI || type == FrameType.STREAMS_BLOCKED_BIDI;
  }

  /** PATH_CHALLENGE / PATH_RESPONSE: the 8 data bytes as a big-endian long. */
  public long pathData() {
    return pathData;
  }

  /** NEW_TOKEN token. */
  public int tokenOffset() {
    return tokenOffset;
  }

  public int tokenLength() {
    return tokenLength;
  }

  /** OBSERVED_ADDRESS: offset of the 4- or 16-byte address. */
  public int addressOffset() {
    return addressOffset;
  }

  public int addressLength() {
    return addressLength;
  }

  public int port() {
    return port;
  }
}
