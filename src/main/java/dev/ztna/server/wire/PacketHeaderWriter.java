package dev.ztna.server.wire;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Writes unprotected QUIC v1 packet headers (RFC 9000 §17.2, §17.3.1).
 *
 * <p>Long headers carry the Length field as a fixed 2-byte varint placeholder directly before the
 * packet number, so {@code lengthFieldOffset == pnOffset - 2}; once the payload is known the caller
 * patches it with {@link #patchLength} (value = packet number length + payload + AEAD tag).
 */
public final class PacketHeaderWriter {
  /** Size of the Length placeholder written by {@link #writeLongHeader}. */
  public static final int LENGTH_FIELD_SIZE = 2;

  /** Largest value {@link #patchLength} accepts (2-byte varint). */
  public static final int MAX_PATCHED_LENGTH = 16383;

  private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

  private PacketHeaderWriter() {}

  /**
   * Writes an Initial, 0-RTT or Handshake long header with a zero Length placeholder and the
   * truncated packet number.
   *
   * @param packetType {@link PacketHeaderFlyweight#TYPE_INITIAL}, {@code TYPE_ZERO_RTT} or {@code
   *     TYPE_HANDSHAKE}
   * @param token only written for Initial packets (may be null when {@code tokenLen == 0})
   * @param pnLen 1..4
   * @return the offset of the packet number; the payload starts at {@code pnOffset + pnLen} and the
   *     Length field is at {@code pnOffset - LENGTH_FIELD_SIZE}
   */
  public static int writeLongHeader(
      MutableDirectBuffer out,
      int off,
      int packetType,
      int version,
      DirectBuffer dcid,
      int dcidOff,
      int dcidLen,
      DirectBuffer scid,
      int scidOff,
      int scidLen,
      DirectBuffer token,
      int tokenOff,
      int tokenLen,
      long pn,
      int pnLen) {
    if (packetType != PacketHeaderFlyweight.TYPE_INITIAL
        && packetType != PacketHeaderFlyweight.TYPE_ZERO_RTT
        && packetType != PacketHeaderFlyweight.TYPE_HANDSHAKE) {
      throw new IllegalArgumentException("not a long header type with a Length field");
    }
    checkCid(dcidLen);
    checkCid(scidLen);
    if (pnLen < 1 || pnLen > 4) {
      throw new IllegalArgumentException("packet number length must be 1..4");
    }
    int pos =
        writeLongPrefix(
            out,
            off,
            0xC0 | (packetType << 4) | (pnLen - 1),
            version,
            dcid,
            dcidOff,
            dcidLen,
            scid,
            scidOff,
            scidLen);
    if (packetType == PacketHeaderFlyweight.TYPE_INITIAL) {
      pos += VarInt.put(out, pos, tokenLen);
      if (tokenLen > 0) {
        out.putBytes(pos, token, tokenOff, tokenLen);
        pos += tokenLen;
      }
    } else if (tokenLen != 0) {
      throw new IllegalArgumentException("only Initial packets carry a token");
    }
    pos += VarInt.putFixed(out, pos, 0, LENGTH_FIELD_SIZE);
    PacketNumber.write(out, pos, pn, pnLen);
    return pos;
  }

  /** Convenience: an Initial header (see {@link #writeLongHeader}); returns the pn offset. */
  public static int writeInitial(
      MutableDirectBuffer out,
      int off,
      int version,
      DirectBuffer dcid,
      int dcidOff,
      int dcidLen,
      DirectBuffer scid,
      int scidOff,
      int scidLen,
      DirectBuffer token,
      int tokenOff,
      int tokenLen,
      long pn,
      int pnLen) {
    return writeLongHeader(
        out,
        off,
        PacketHeaderFlyweight.TYPE_INITIAL,
        version,
        dcid,
        dcidOff,
        dcidLen,
        scid,
        scidOff,
        scidLen,
        token,
        tokenOff,
        tokenLen,
        pn,
        pnLen);
  }

  /** Convenience: a Handshake header (see {@link #writeLongHeader}); returns the pn offset. */
  public static int writeHandshake(
      MutableDirectBuffer out,
      int off,
      int version,
      DirectBuffer dcid,
      int dcidOff,
      int dcidLen,
      DirectBuffer scid,
      int scidOff,
      int scidLen,
      long pn,
      int pnLen) {
    return writeLongHeader(
        out,
        off,
        PacketHeaderFlyweight.TYPE_HANDSHAKE,
        version,
        dcid,
        dcidOff,
        dcidLen,
        scid,
        scidOff,
        scidLen,
        null,
        0,
        0,
        pn,
        pnLen);
  }

  /** Offset of the Length placeholder given the packet number offset returned by the writer. */
  public static int lengthFieldOffset(int pnOffset) {
    return pnOffset - LENGTH_FIELD_SIZE;
  }

  /**
   * Overwrites the 2-byte Length placeholder with {@code value} (packet number length + payload +
   * AEAD tag).
   *
   * @throws IllegalArgumentException if {@code value} is negative or above {@link
   *     #MAX_PATCHED_LENGTH}
   */
  public static void patchLength(MutableDirectBuffer b, int lengthFieldOffset, int value) {
    if (value < 0 || value > MAX_PATCHED_LENGTH) {
      throw new IllegalArgumentException("Length does not fit the 2-byte placeholder");
    }
    VarInt.putFixed(b, lengthFieldOffset, value, LENGTH_FIELD_SIZE);
  }

  /**
   * Writes a 1-RTT short header (spin bit 0, reserved bits 0).
   *
   * @return the offset of the packet number; the payload starts at {@code pnOffset + pnLen}
   */
  public static int writeShortHeader(
      MutableDirectBuffer out,
      int off,
      boolean keyPhase,
      DirectBuffer dcid,
      int dcidOff,
      int dcidLen,
      long pn,
      int pnLen) {
    checkCid(dcidLen);
    if (pnLen < 1 || pnLen > 4) {
      throw new IllegalArgumentException("packet number length must be 1..4");
    }
    int pos = off;
    out.putByte(pos++, (byte) (0x40 | (keyPhase ? 0x04 : 0) | (pnLen - 1)));
    if (dcidLen > 0) {
      out.putBytes(pos, dcid, dcidOff, dcidLen);
      pos += dcidLen;
    }
    PacketNumber.write(out, pos, pn, pnLen);
    return pos;
  }

  /**
   * The start every long header shares (RFC 9000 §17.2): the first byte, the version, DCID length
   * and DCID, SCID length and SCID. The caller checks the lengths (Version Negotiation allows 255).
   *
   * @return the offset after the SCID
   */
  static int writeLongPrefix(
      MutableDirectBuffer out,
      int off,
      int firstByte,
      int version,
      DirectBuffer dcid,
      int dcidOff,
      int dcidLen,
      DirectBuffer scid,
      int scidOff,
      int scidLen) {
    int pos = off;
    out.putByte(pos++, (byte) firstByte);
    out.putInt(pos, version, BE);
    pos += 4;
    out.putByte(pos++, (byte) dcidLen);
    if (dcidLen > 0) {
      out.putBytes(pos, dcid, dcidOff, dcidLen);
      pos += dcidLen;
    }
    out.putByte(pos++, (byte) scidLen);
    if (scidLen > 0) {
      out.putBytes(pos, scid, scidOff, scidLen);
      pos += scidLen;
    }
    return pos;
  }

  private static void checkCid(int len) {
    if (len < 0 || len > PacketHeaderFlyweight.MAX_CID_LENGTH) {
      throw new IllegalArgumentException("connection ID length must be 0..20");
    }
  }
}
