package dev.ztna.server.wire;

/**
 * Frame type constants (RFC 9000 §19, §12.4 Table 3; RFC 9221 §4;
 * draft-ietf-quic-address-discovery) and per-type classification helpers.
 */
public final class FrameType {
  public static final long PADDING = 0x00;
  public static final long PING = 0x01;
  public static final long ACK = 0x02;
  public static final long ACK_ECN = 0x03;
  public static final long RESET_STREAM = 0x04;
  public static final long STOP_SENDING = 0x05;
  public static final long CRYPTO = 0x06;
  public static final long NEW_TOKEN = 0x07;

  /** STREAM frames occupy 0x08..0x0f; the low three bits are OFF (0x04), LEN (0x02), FIN (0x01). */
  public static final long STREAM = 0x08;

  public static final long STREAM_MAX = 0x0f;
  public static final int STREAM_BIT_OFF = 0x04;
  public static final int STREAM_BIT_LEN = 0x02;
  public static final int STREAM_BIT_FIN = 0x01;
  public static final long MAX_DATA = 0x10;
  public static final long MAX_STREAM_DATA = 0x11;
  public static final long MAX_STREAMS_BIDI = 0x12;
  public static final long MAX_STREAMS_UNI = 0x13;
  public static final long DATA_BLOCKED = 0x14;
  public static final long STREAM_DATA_BLOCKED = 0x15;
  public static final long STREAMS_BLOCKED_BIDI = 0x16;
  public static final long STREAMS_BLOCKED_UNI = 0x17;
  public static final long NEW_CONNECTION_ID = 0x18;
  public static final long RETIRE_CONNECTION_ID = 0x19;
  public static final long PATH_CHALLENGE = 0x1a;
  public static final long PATH_RESPONSE = 0x1b;

  /** CONNECTION_CLOSE signalling a QUIC (transport) error. */
  public static final long CONNECTION_CLOSE = 0x1c;

  /** CONNECTION_CLOSE signalling an application error. */
  public static final long CONNECTION_CLOSE_APP = 0x1d;

  public static final long HANDSHAKE_DONE = 0x1e;

  /** DATAGRAM without Length field (extends to the end of the packet), RFC 9221 §4. */
  public static final long DATAGRAM = 0x30;

  /** DATAGRAM with Length field, RFC 9221 §4. */
  public static final long DATAGRAM_WITH_LENGTH = 0x31;

  /** OBSERVED_ADDRESS carrying an IPv4 address (draft-ietf-quic-address-discovery). */
  public static final long OBSERVED_ADDRESS_V4 = 0x9f81a6;

  /** OBSERVED_ADDRESS carrying an IPv6 address (draft-ietf-quic-address-discovery). */
  public static final long OBSERVED_ADDRESS_V6 = 0x9f81a7;

  private FrameType() {}

  public static boolean isStream(long type) {
    return type >= STREAM && type <= STREAM_MAX;
  }

  public static boolean isAck(long type) {
    return type == ACK || type == ACK_ECN;
  }

  public static boolean isConnectionClose(long type) {
    return type == CONNECTION_CLOSE || type == CONNECTION_CLOSE_APP;
  }

  public static boolean isDatagram(long type) {
    return type == DATAGRAM || type == DATAGRAM_WITH_LENGTH;
  }

  public static boolean isObservedAddress(long type) {
    return type == OBSERVED_ADDRESS_V4 || type == OBSERVED_ADDRESS_V6;
  }

  /** Whether the type is one {@link FrameReader} understands. */
  public static boolean isKnown(long type) {
    return (type >= PADDING && type <= HANDSHAKE_DONE)
        || isDatagram(type)
        || isObservedAddress(type);
  }

  /** Ack-eliciting: every frame except ACK, PADDING and CONNECTION_CLOSE (RFC 9002 §2). */
  public static boolean isAckEliciting(long type) {
    return type != PADDING && !isAck(type) && !isConnectionClose(type);
  }

  /**
   * Whether a packet containing this frame counts as in flight: ack-eliciting or PADDING (RFC 9002
   * §2).
   */
  public static boolean countsInFlight(long type) {
    return type == PADDING || isAckEliciting(type);
  }

  /**
   * Whether the frame type may appear in a packet of the given type (RFC 9000 §12.4 Table 3; RFC
   * 9221 §4: DATAGRAM in 0-RTT and 1-RTT; OBSERVED_ADDRESS: 1-RTT only).
   *
   * @param packetType a {@code PacketHeaderFlyweight.TYPE_*} constant (Initial, 0-RTT, Handshake or
   *     short)
   */
  public static boolean isAllowedIn(long type, int packetType) {
    switch (packetType) {
      case PacketHeaderFlyweight.TYPE_INITIAL:
      case PacketHeaderFlyweight.TYPE_HANDSHAKE:
        return type == PADDING
            || type == PING
            || isAck(type)
            || type == CRYPTO
            || type == CONNECTION_CLOSE;
      case PacketHeaderFlyweight.TYPE_ZERO_RTT:
        return isKnown(type)
            && !isAck(type)
            && type != CRYPTO
            && type != NEW_TOKEN
            && type != RETIRE_CONNECTION_ID
            && type != PATH_RESPONSE
            && type != HANDSHAKE_DONE
            && !isObservedAddress(type);
      case PacketHeaderFlyweight.TYPE_SHORT:
        return isKnown(type);
      default:
        return false;
    }
  }
}
