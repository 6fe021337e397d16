package dev.ztna.server.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;

/**
 * Reusable, allocation-free parser of the (still header-protected) header of one QUIC packet in a
 * datagram (RFC 8999 invariants, RFC 9000 §17).
 *
 * <p>All offsets returned by the accessors are absolute indices into the wrapped buffer. The packet
 * number length and the reserved/key-phase bits are protected, so they are not interpreted here;
 * the crypto layer removes header protection starting at {@link #pnOffset()}.
 */
public final class PacketHeaderFlyweight {
  /** Parsed successfully. */
  public static final int OK = 0;

  /** Fewer bytes than the header (or the Retry integrity tag) needs. */
  public static final int ERR_TRUNCATED = -1;

  /**
   * A version 1 connection ID longer than 20 bytes (RFC 9000 §17.2), or a bad short-header length.
   */
  public static final int ERR_CID_TOO_LONG = -2;

  /** A version 1 packet with the fixed bit (0x40) cleared (RFC 9000 §17.2, §17.3.1). */
  public static final int ERR_FIXED_BIT = -3;

  /** The Length field reaches past the end of the datagram (RFC 9000 §17.2). */
  public static final int ERR_LENGTH = -4;

  /** The token or Length varint is truncated. */
  public static final int ERR_VARINT = -5;

  public static final int TYPE_INITIAL = 0;
  public static final int TYPE_ZERO_RTT = 1;
  public static final int TYPE_HANDSHAKE = 2;
  public static final int TYPE_RETRY = 3;
  public static final int TYPE_SHORT = 4;
  public static final int TYPE_VERSION_NEGOTIATION = 5;
  public static final int TYPE_UNKNOWN_VERSION = 6;

  /** QUIC version 1 (RFC 9000). */
  public static final int VERSION_1 = 0x00000001;

  /** RFC 9000 §14.1: the smallest UDP payload that may carry a client's Initial. */
  public static final int MIN_INITIAL_DATAGRAM = 1200;

  /** Maximum connection ID length in QUIC version 1. */
  public static final int MAX_CID_LENGTH = 20;

  /** Length of the Retry Integrity Tag (RFC 9001 §5.8). */
  public static final int RETRY_INTEGRITY_TAG_LENGTH = 16;

  private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

  private DirectBuffer buffer;
  private int packetStart;
  private int firstByte;
  private boolean longHeader;
  private int version;
  private int packetType;
  private int dcidOffset;
  private int dcidLength;
  private int scidOffset;
  private int scidLength;
  private int tokenOffset;
  private int tokenLength;
  private long lengthField;
  private int pnOffset;
  private int packetEnd;

  /**
   * Parses the header of one packet starting at {@code offset}.
   *
   * @param buf the datagram
   * @param offset start of the packet
   * @param length bytes available from {@code offset} to the end of the datagram
   * @param shortHeaderDcidLength the length of this server's connection IDs (for short headers)
   * @return {@link #OK} or a negative {@code ERR_*} code
   */
  public int wrap(DirectBuffer buf, int offset, int length, int shortHeaderDcidLength) {
    clear();
    this.buffer = buf;
    this.packetStart = offset;
    if (length < 1) {
      return ERR_TRUNCATED;
    }
    final int end = offset + length;
    final int fb = buf.getByte(offset) & 0xff;
    firstByte = fb;
    if ((fb & 0x80) == 0) {
      return wrapShort(buf, offset, end, fb, shortHeaderDcidLength);
    }
    longHeader = true;
    // RFC 8999 §5.1: first byte, 32-bit version, DCID len + DCID, SCID len + SCID.
    if (length < 7) {
      return ERR_TRUNCATED;
    }
    version = buf.getInt(offset + 1, BE);
    int pos = offset + 5;
    final int dl = buf.getByte(pos) & 0xff;
    pos++;
    if (end - pos < dl + 1) {
      return ERR_TRUNCATED;
    }
    dcidOffset = pos;
    dcidLength = dl;
    pos += dl;
    final int sl = buf.getByte(pos) & 0xff;
    pos++;
    if (end - pos < sl) {
      return ERR_TRUNCATED;
    }
    scidOffset = pos;
    scidLength = sl;
    pos += sl;
    packetEnd = end;
    if (version == 0) {
      packetType = TYPE_VERSION_NEGOTIATION;
      return OK;
    }
    if (version != VERSION_1) {
      packetType = TYPE_UNKNOWN_VERSION;
      return OK;
    }
    if (dl > MAX_CID_LENGTH || sl > MAX_CID_LENGTH) {
      return ERR_CID_TOO_LONG;
    }
    if ((fb & 0x40) == 0) {
      return ERR_FIXED_BIT;
    }
    final int type = (fb >>> 4) & 0x3;
    packetType = type;
    if (type == TYPE_RETRY) {
      // RFC 9000 §17.2.5: the Retry Token runs up to the 16-byte Retry Integrity Tag.
      if (end - pos < RETRY_INTEGRITY_TAG_LENGTH) {
        return ERR_TRUNCATED;
      }
      tokenOffset = pos;
      tokenLength = end - pos - RETRY_INTEGRITY_TAG_LENGTH;
      return OK;
    }
    if (type == TYPE_INITIAL) {
      final long tl = VarInt.get(buf, pos, end);
      if (tl < 0) {
        return ERR_VARINT;
      }
      pos += VarInt.lengthFromFirstByte(buf.getByte(pos));
      if (tl > end - pos) {
        return ERR_TRUNCATED;
      }
      tokenOffset = pos;
      tokenLength = (int) tl;
      pos += (int) tl;
    }
    final long len = VarInt.get(buf, pos, end);
    if (len < 0) {
      return ERR_VARINT;
    }
    pos += VarInt.lengthFromFirstByte(buf.getByte(pos));
    lengthField = len;
    pnOffset = pos;
    if (len > end - pos) {
      return ERR_LENGTH;
    }
    packetEnd = pos + (int) len;
    return OK;
  }

  private int wrapShort(DirectBuffer buf, int offset, int end, int fb, int dcidLen) {
    packetType = TYPE_SHORT;
    if (dcidLen < 0 || dcidLen > MAX_CID_LENGTH) {
      return ERR_CID_TOO_LONG;
    }
    if ((fb & 0x40) == 0) {
      return ERR_FIXED_BIT;
    }
    if (end - offset < 1 + dcidLen) {
      return ERR_TRUNCATED;
    }
    dcidOffset = offset + 1;
    dcidLength = dcidLen;
    pnOffset = offset + 1 + dcidLen;
    packetEnd = end;
    return OK;
  }

  private void clear() {
    firstByte = 0;
    longHeader = false;
    version = 0;
    packetType = -1;
    dcidOffset = -1;
    dcidLength = 0;
    scidOffset = -1;
    scidLength = 0;
    tokenOffset = -1;
    tokenLength = 0;
    lengthField = -1;
    pnOffset = -1;
    packetEnd = -1;
  }

  /** The buffer passed to the last {@link #wrap}. */
  public DirectBuffer buffer() {
    return buffer;
  }

  /** Offset of the first byte of the packet. */
  public int packetStart() {
    return packetStart;
  }

  public boolean isLongHeader() {
    return longHeader;
  }

  /** The first byte as received (still header-protected for Initial/0-RTT/Handshake/short). */
  public int firstByte() {
    return firstByte;
  }

  /** The version field (long headers only); 0 for Version Negotiation. */
  public int version() {
    return version;
  }

  /** One of the {@code TYPE_*} constants, or -1 if the first byte could not be read. */
  public int packetType() {
    return packetType;
  }

  public int dcidOffset() {
    return dcidOffset;
  }

  public int dcidLength() {
    return dcidLength;
  }

  /** Offset of the source connection ID (long headers), -1 for short headers. */
  public int scidOffset() {
    return scidOffset;
  }

  public int scidLength() {
    return scidLength;
  }

  /** Offset of the token (Initial: Token field; Retry: Retry Token), -1 otherwise. */
  public int tokenOffset() {
    return tokenOffset;
  }

  public int tokenLength() {
    return tokenLength;
  }

  /**
   * The Length field of Initial/0-RTT/Handshake packets (packet number + payload), -1 otherwise.
   */
  public long lengthField() {
    return lengthField;
  }

  /**
   * Offset of the (protected) packet number; -1 for Retry, Version Negotiation, unknown versions.
   */
  public int pnOffset() {
    return pnOffset;
  }

  /** Offset just past this packet: the next coalesced packet, or the end of the datagram. */
  public int packetEnd() {
    return packetEnd;
  }

  /** Packet number length (1..4) from a first byte whose header protection has been removed. */
  public static int pnLengthFromFirstByte(int unprotectedFirstByte) {
    return (unprotectedFirstByte & 0x03) + 1;
  }

  /** Key phase bit (RFC 9000 §17.3.1) of an unprotected short-header first byte. */
  public static boolean keyPhase(int unprotectedFirstByte) {
    return (unprotectedFirstByte & 0x04) != 0;
  }

  /**
   * Reserved bits of an unprotected first byte: 0x0c for long headers, 0x18 for short headers; they
   * must be zero after header protection removal (RFC 9000 §17.2, §17.3.1), else
   * PROTOCOL_VIOLATION.
   */
  public static int reservedBits(int unprotectedFirstByte) {
    return (unprotectedFirstByte & 0x80) != 0
        ? unprotectedFirstByte & 0x0c
        : unprotectedFirstByte & 0x18;
  }

  /** Packs up to the first 8 bytes of a connection ID big-endian into a long (a routing key). */
  public static long packCid(DirectBuffer b, int off, int len) {
    final int n = Math.min(len, 8);
    if (n == 8) {
      return b.getLong(off, BE);
    }
    long v = 0;
    for (int i = 0; i < n; i++) {
      v = (v << 8) | (b.getByte(off + i) & 0xffL);
    }
    return v;
  }

  /** Byte-wise equality of two connection IDs (lengths included). */
  public static boolean cidEquals(
      DirectBuffer a, int aOff, int aLen, DirectBuffer b, int bOff, int bLen) {
    if (aLen != bLen) {
      return false;
    }
    for (int i = 0; i < aLen; i++) {
      if (a.getByte(aOff + i) != b.getByte(bOff + i)) {
        return false;
      }
    }
    return true;
  }
}
