package dev.ztna.server.relay;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * REGISTER (ZTNA-V1 §2): type byte {@code 0x10} (Agent) or {@code 0x11} (Connector), one length
 * byte L (1..255), then exactly L bytes of UTF-8 service id, and nothing after. A flyweight-style
 * codec: {@link #parse} returns the id length or a negative error code and never throws on network
 * input.
 */
public final class RegisterMessage {
  /** REGISTER as Agent. */
  public static final int TYPE_AGENT = 0x10;

  /** REGISTER as Connector. */
  public static final int TYPE_CONNECTOR = 0x11;

  /** Offset of the service id within the message. */
  public static final int ID_OFFSET = 2;

  /** The longest service id (the length is one byte). */
  public static final int MAX_ID_LENGTH = 255;

  /** Not a REGISTER type byte (or an empty datagram). */
  public static final int ERR_NOT_REGISTER = -1;

  /** Shorter than the type and length bytes. */
  public static final int ERR_TRUNCATED = -2;

  /** L = 0. */
  public static final int ERR_EMPTY_ID = -3;

  /** The datagram holds fewer than L id bytes. */
  public static final int ERR_ID_TRUNCATED = -4;

  /** The datagram holds more than L id bytes. */
  public static final int ERR_TRAILING_BYTES = -5;

  /** The id is not well-formed UTF-8. */
  public static final int ERR_BAD_UTF8 = -6;

  private RegisterMessage() {}

  /**
   * Parses the REGISTER in {@code buffer[offset, offset + length)}.
   *
   * @return the service id length L (1..255; the id starts at {@code offset + ID_OFFSET}), or one
   *     of the negative {@code ERR_*} codes
   */
  public static int parse(DirectBuffer buffer, int offset, int length) {
    if (length < 1) {
      return ERR_NOT_REGISTER;
    }
    int type = buffer.getByte(offset) & 0xff;
    if (type != TYPE_AGENT && type != TYPE_CONNECTOR) {
      return ERR_NOT_REGISTER;
    }
    if (length < ID_OFFSET) {
      return ERR_TRUNCATED;
    }
    int idLength = buffer.getByte(offset + 1) & 0xff;
    if (idLength == 0) {
      return ERR_EMPTY_ID;
    }
    int available = length - ID_OFFSET;
    if (available < idLength) {
      return ERR_ID_TRUNCATED;
    }
    if (available > idLength) {
      return ERR_TRAILING_BYTES;
    }
    if (!Utf8.isValid(buffer, offset + ID_OFFSET, idLength)) {
      return ERR_BAD_UTF8;
    }
    return idLength;
  }

  /** The close reason phrase for a negative {@link #parse} result (a constant; no allocation). */
  public static String reason(int error) {
    switch (error) {
      case ERR_NOT_REGISTER:
        return "not a REGISTER";
      case ERR_TRUNCATED:
        return "REGISTER truncated: no length byte";
      case ERR_EMPTY_ID:
        return "REGISTER with an empty service id";
      case ERR_ID_TRUNCATED:
        return "REGISTER length byte exceeds the datagram";
      case ERR_TRAILING_BYTES:
        return "REGISTER datagram longer than its length byte";
      case ERR_BAD_UTF8:
        return "REGISTER service id is not valid UTF-8";
      default:
        return "malformed REGISTER";
    }
  }

  /**
   * Writes a REGISTER (for tests and clients): {@code type}, L, then the id bytes.
   *
   * @return the message length, or {@link #ERR_EMPTY_ID} if the id is empty or longer than 255
   */
  public static int encode(
      MutableDirectBuffer out, int offset, int type, byte[] id, int idOffset, int idLength) {
    if (idLength < 1 || idLength > MAX_ID_LENGTH) {
      return ERR_EMPTY_ID;
    }
    out.putByte(offset, (byte) type);
    out.putByte(offset + 1, (byte) idLength);
    out.putBytes(offset + ID_OFFSET, id, idOffset, idLength);
    return ID_OFFSET + idLength;
  }
}
