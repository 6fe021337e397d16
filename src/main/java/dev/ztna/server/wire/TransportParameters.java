package dev.ztna.server.wire;

import java.nio.ByteOrder;
import java.util.Arrays;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Mutable, reusable holder and codec of QUIC transport parameters (RFC 9000 §18, RFC 9221 §3,
 * draft-ietf-quic-address-discovery). Absent parameters hold their RFC defaults after {@link
 * #reset()}. {@link #decode} allocates nothing; failures are negative codes with a constant {@link
 * #errorReason()}, all of which map to TRANSPORT_PARAMETER_ERROR (RFC 9000 §7.4).
 *
 * <p>{@link #decode} validates the encoding and each value; it does not check cross-parameter rules
 * that depend on the handshake (e.g. that a client sent initial_source_connection_id and that it
 * matches the packet's SCID, RFC 9000 §7.3) — the connection layer does.
 */
public final class TransportParameters {
  public static final long ID_ORIGINAL_DESTINATION_CONNECTION_ID = 0x00;
  public static final long ID_MAX_IDLE_TIMEOUT = 0x01;
  public static final long ID_STATELESS_RESET_TOKEN = 0x02;
  public static final long ID_MAX_UDP_PAYLOAD_SIZE = 0x03;
  public static final long ID_INITIAL_MAX_DATA = 0x04;
  public static final long ID_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL = 0x05;
  public static final long ID_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE = 0x06;
  public static final long ID_INITIAL_MAX_STREAM_DATA_UNI = 0x07;
  public static final long ID_INITIAL_MAX_STREAMS_BIDI = 0x08;
  public static final long ID_INITIAL_MAX_STREAMS_UNI = 0x09;
  public static final long ID_ACK_DELAY_EXPONENT = 0x0a;
  public static final long ID_MAX_ACK_DELAY = 0x0b;
  public static final long ID_DISABLE_ACTIVE_MIGRATION = 0x0c;
  public static final long ID_PREFERRED_ADDRESS = 0x0d;
  public static final long ID_ACTIVE_CONNECTION_ID_LIMIT = 0x0e;
  public static final long ID_INITIAL_SOURCE_CONNECTION_ID = 0x0f;
  public static final long ID_RETRY_SOURCE_CONNECTION_ID = 0x10;

  /** RFC 9221 §3. */
  public static final long ID_MAX_DATAGRAM_FRAME_SIZE = 0x20;

  /** draft-ietf-quic-address-discovery. */
  public static final long ID_ADDRESS_DISCOVERY = 0x9f81a176L;

  public static final long DEFAULT_MAX_UDP_PAYLOAD_SIZE = 65527;
  public static final long DEFAULT_ACK_DELAY_EXPONENT = 3;
  public static final long DEFAULT_MAX_ACK_DELAY = 25;
  public static final long DEFAULT_ACTIVE_CONNECTION_ID_LIMIT = 2;

  /** address_discovery values (draft-ietf-quic-address-discovery). */
  public static final long ADDRESS_DISCOVERY_ABSENT = -1;

  public static final long ADDRESS_DISCOVERY_PROVIDE_ONLY = 0;
  public static final long ADDRESS_DISCOVERY_RECEIVE_ONLY = 1;
  public static final long ADDRESS_DISCOVERY_BOTH = 2;

  public static final int OK = 0;
  public static final int ERR_TRUNCATED = -1;
  public static final int ERR_LENGTH_MISMATCH = -2;
  public static final int ERR_DUPLICATE = -3;
  public static final int ERR_INVALID_VALUE = -4;
  public static final int ERR_SERVER_ONLY = -5;

  public static final int MAX_CID_LENGTH = PacketHeaderFlyweight.MAX_CID_LENGTH;
  public static final int RESET_TOKEN_LENGTH = 16;

  private static final int PREFERRED_ADDRESS_FIXED_LENGTH = 4 + 2 + 16 + 2 + 1 + 16;
  private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

  public final byte[] originalDestinationConnectionId = new byte[MAX_CID_LENGTH];

  /** -1 when absent. */
  public int originalDestinationConnectionIdLength;

  /** Milliseconds; 0 = no idle timeout (default). */
  public long maxIdleTimeout;

  public final byte[] statelessResetToken = new byte[RESET_TOKEN_LENGTH];
  public boolean hasStatelessResetToken;
  public long maxUdpPayloadSize;
  public long initialMaxData;
  public long initialMaxStreamDataBidiLocal;
  public long initialMaxStreamDataBidiRemote;
  public long initialMaxStreamDataUni;
  public long initialMaxStreamsBidi;
  public long initialMaxStreamsUni;
  public long ackDelayExponent;

  /** Milliseconds. */
  public long maxAckDelay;

  public boolean disableActiveMigration;

  public boolean hasPreferredAddress;
  public final byte[] preferredAddressIpv4 = new byte[4];
  public int preferredAddressIpv4Port;
  public final byte[] preferredAddressIpv6 = new byte[16];
  public int preferredAddressIpv6Port;
  public final byte[] preferredAddressConnectionId = new byte[MAX_CID_LENGTH];
  public int preferredAddressConnectionIdLength;
  public final byte[] preferredAddressResetToken = new byte[RESET_TOKEN_LENGTH];

  public long activeConnectionIdLimit;

  public final byte[] initialSourceConnectionId = new byte[MAX_CID_LENGTH];

  /** -1 when absent. */
  public int initialSourceConnectionIdLength;

  public final byte[] retrySourceConnectionId = new byte[MAX_CID_LENGTH];

  /** -1 when absent. */
  public int retrySourceConnectionIdLength;

  /** RFC 9221: 0 (the default, also when absent) means DATAGRAM frames are not supported. */
  public long maxDatagramFrameSize;

  /** {@link #ADDRESS_DISCOVERY_ABSENT} (-1) or 0/1/2. */
  public long addressDiscovery;

  private String errorReason;

  public TransportParameters() {
    reset();
  }

  /** Restores every parameter to "absent" (its RFC default). */
  public void reset() {
    originalDestinationConnectionIdLength = -1;
    maxIdleTimeout = 0;
    hasStatelessResetToken = false;
    maxUdpPayloadSize = DEFAULT_MAX_UDP_PAYLOAD_SIZE;
    initialMaxData = 0;
    initialMaxStreamDataBidiLocal = 0;
    initialMaxStreamDataBidiRemote = 0;
    initialMaxStreamDataUni = 0;
    initialMaxStreamsBidi = 0;
    initialMaxStreamsUni = 0;
    ackDelayExponent = DEFAULT_ACK_DELAY_EXPONENT;
    maxAckDelay = DEFAULT_MAX_ACK_DELAY;
    disableActiveMigration = false;
    hasPreferredAddress = false;
    preferredAddressIpv4Port = 0;
    preferredAddressIpv6Port = 0;
    preferredAddressConnectionIdLength = 0;
    activeConnectionIdLimit = DEFAULT_ACTIVE_CONNECTION_ID_LIMIT;
    initialSourceConnectionIdLength = -1;
    retrySourceConnectionIdLength = -1;
    maxDatagramFrameSize = 0;
    addressDiscovery = ADDRESS_DISCOVERY_ABSENT;
    errorReason = null;
  }

  /** Sets original_destination_connection_id (0..20 bytes). */
  public void setOriginalDestinationConnectionId(DirectBuffer src, int off, int len) {
    checkCid(len);
    src.getBytes(off, originalDestinationConnectionId, 0, len);
    originalDestinationConnectionIdLength = len;
  }

  /** Sets initial_source_connection_id (0..20 bytes). */
  public void setInitialSourceConnectionId(DirectBuffer src, int off, int len) {
    checkCid(len);
    src.getBytes(off, initialSourceConnectionId, 0, len);
    initialSourceConnectionIdLength = len;
  }

  /** Sets retry_source_connection_id (0..20 bytes). */
  public void setRetrySourceConnectionId(DirectBuffer src, int off, int len) {
    checkCid(len);
    src.getBytes(off, retrySourceConnectionId, 0, len);
    retrySourceConnectionIdLength = len;
  }

  /** Sets stateless_reset_token (16 bytes at {@code off}). */
  public void setStatelessResetToken(DirectBuffer src, int off) {
    src.getBytes(off, statelessResetToken, 0, RESET_TOKEN_LENGTH);
    hasStatelessResetToken = true;
  }

  /** Whether the peer supports DATAGRAM frames (RFC 9221 §3). */
  public boolean supportsDatagrams() {
    return maxDatagramFrameSize > 0;
  }

  /** The constant reason of the last failed {@link #decode}, null after success. */
  public String errorReason() {
    return errorReason;
  }

  /** Every decode error maps to TRANSPORT_PARAMETER_ERROR (RFC 9000 §7.4, §18.2). */
  public static long transportError(int err) {
    return TransportError.TRANSPORT_PARAMETER_ERROR;
  }

  /** Exact number of bytes {@link #encode} writes. */
  public int encodedLength() {
    int n = 0;
    if (originalDestinationConnectionIdLength >= 0) {
      n +=
          bytesParamLength(
              ID_ORIGINAL_DESTINATION_CONNECTION_ID, originalDestinationConnectionIdLength);
    }
    n += varParamLength(ID_MAX_IDLE_TIMEOUT, maxIdleTimeout, 0);
    if (hasStatelessResetToken) {
      n += bytesParamLength(ID_STATELESS_RESET_TOKEN, RESET_TOKEN_LENGTH);
    }
    n += varParamLength(ID_MAX_UDP_PAYLOAD_SIZE, maxUdpPayloadSize, DEFAULT_MAX_UDP_PAYLOAD_SIZE);
    n += varParamLength(ID_INITIAL_MAX_DATA, initialMaxData, 0);
    n += varParamLength(ID_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL, initialMaxStreamDataBidiLocal, 0);
    n += varParamLength(ID_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE, initialMaxStreamDataBidiRemote, 0);
    n += varParamLength(ID_INITIAL_MAX_STREAM_DATA_UNI, initialMaxStreamDataUni, 0);
    n += varParamLength(ID_INITIAL_MAX_STREAMS_BIDI, initialMaxStreamsBidi, 0);
    n += varParamLength(ID_INITIAL_MAX_STREAMS_UNI, initialMaxStreamsUni, 0);
    n += varParamLength(ID_ACK_DELAY_EXPONENT, ackDelayExponent, DEFAULT_ACK_DELAY_EXPONENT);
    n += varParamLength(ID_MAX_ACK_DELAY, maxAckDelay, DEFAULT_MAX_ACK_DELAY);
    if (disableActiveMigration) {
      n += bytesParamLength(ID_DISABLE_ACTIVE_MIGRATION, 0);
    }
    if (hasPreferredAddress) {
      n +=
          bytesParamLength(
              ID_PREFERRED_ADDRESS,
              PREFERRED_ADDRESS_FIXED_LENGTH + preferredAddressConnectionIdLength);
    }
    n +=
        varParamLength(
            ID_ACTIVE_CONNECTION_ID_LIMIT,
            activeConnectionIdLimit,
            DEFAULT_ACTIVE_CONNECTION_ID_LIMIT);
    if (initialSourceConnectionIdLength >= 0) {
      n += bytesParamLength(ID_INITIAL_SOURCE_CONNECTION_ID, initialSourceConnectionIdLength);
    }
    if (retrySourceConnectionIdLength >= 0) {
      n += bytesParamLength(ID_RETRY_SOURCE_CONNECTION_ID, retrySourceConnectionIdLength);
    }
    n += varParamLength(ID_MAX_DATAGRAM_FRAME_SIZE, maxDatagramFrameSize, 0);
    if (addressDiscovery >= 0) {
      n += varParamLength(ID_ADDRESS_DISCOVERY, addressDiscovery, -1);
    }
    return n;
  }

  /**
   * Writes every present, non-default parameter (the extension_data of the TLS
   * quic_transport_parameters extension). Returns bytes written.
   */
  public int encode(MutableDirectBuffer out, int off) {
    int pos = off;
    if (originalDestinationConnectionIdLength >= 0) {
      pos +=
          putBytesParam(
              out,
              pos,
              ID_ORIGINAL_DESTINATION_CONNECTION_ID,
              originalDestinationConnectionId,
              originalDestinationConnectionIdLength);
    }
    pos += putVarParam(out, pos, ID_MAX_IDLE_TIMEOUT, maxIdleTimeout, 0);
    if (hasStatelessResetToken) {
      pos +=
          putBytesParam(
              out, pos, ID_STATELESS_RESET_TOKEN, statelessResetToken, RESET_TOKEN_LENGTH);
    }
    pos +=
        putVarParam(
            out, pos, ID_MAX_UDP_PAYLOAD_SIZE, maxUdpPayloadSize, DEFAULT_MAX_UDP_PAYLOAD_SIZE);
    pos += putVarParam(out, pos, ID_INITIAL_MAX_DATA, initialMaxData, 0);
    pos +=
        putVarParam(
            out, pos, ID_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL, initialMaxStreamDataBidiLocal, 0);
    pos +=
        putVarParam(
            out, pos, ID_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE, initialMaxStreamDataBidiRemote, 0);
    pos += putVarParam(out, pos, ID_INITIAL_MAX_STREAM_DATA_UNI, initialMaxStreamDataUni, 0);
    pos += putVarParam(out, pos, ID_INITIAL_MAX_STREAMS_BIDI, initialMaxStreamsBidi, 0);
    pos += putVarParam(out, pos, ID_INITIAL_MAX_STREAMS_UNI, initialMaxStreamsUni, 0);
    pos +=
        putVarParam(out, pos, ID_ACK_DELAY_EXPONENT, ackDelayExponent, DEFAULT_ACK_DELAY_EXPONENT);
    pos += putVarParam(out, pos, ID_MAX_ACK_DELAY, maxAckDelay, DEFAULT_MAX_ACK_DELAY);
    if (disableActiveMigration) {
      pos += VarInt.put(out, pos, ID_DISABLE_ACTIVE_MIGRATION);
      pos += VarInt.put(out, pos, 0);
    }
    if (hasPreferredAddress) {
      pos += putPreferredAddress(out, pos);
    }
    pos +=
        putVarParam(
            out,
            pos,
            ID_ACTIVE_CONNECTION_ID_LIMIT,
            activeConnectionIdLimit,
            DEFAULT_ACTIVE_CONNECTION_ID_LIMIT);
    if (initialSourceConnectionIdLength >= 0) {
      pos +=
          putBytesParam(
              out,
              pos,
              ID_INITIAL_SOURCE_CONNECTION_ID,
              initialSourceConnectionId,
              initialSourceConnectionIdLength);
    }
    if (retrySourceConnectionIdLength >= 0) {
      pos +=
          putBytesParam(
              out,
              pos,
              ID_RETRY_SOURCE_CONNECTION_ID,
              retrySourceConnectionId,
              retrySourceConnectionIdLength);
    }
    pos += putVarParam(out, pos, ID_MAX_DATAGRAM_FRAME_SIZE, maxDatagramFrameSize, 0);
    if (addressDiscovery >= 0) {
      pos += putVarParam(out, pos, ID_ADDRESS_DISCOVERY, addressDiscovery, -1);
    }
    return pos - off;
  }

  private int putPreferredAddress(MutableDirectBuffer out, int off) {
    checkCid(preferredAddressConnectionIdLength);
    int pos = off;
    pos += VarInt.put(out, pos, ID_PREFERRED_ADDRESS);
    pos +=
        VarInt.put(out, pos, PREFERRED_ADDRESS_FIXED_LENGTH + preferredAddressConnectionIdLength);
    out.putBytes(pos, preferredAddressIpv4);
    pos += 4;
    out.putShort(pos, (short) preferredAddressIpv4Port, BE);
    pos += 2;
    out.putBytes(pos, preferredAddressIpv6);
    pos += 16;
    out.putShort(pos, (short) preferredAddressIpv6Port, BE);
    pos += 2;
    out.putByte(pos++, (byte) preferredAddressConnectionIdLength);
    out.putBytes(pos, preferredAddressConnectionId, 0, preferredAddressConnectionIdLength);
    pos += preferredAddressConnectionIdLength;
    out.putBytes(pos, preferredAddressResetToken);
    pos += RESET_TOKEN_LENGTH;
    return pos - off;
  }

  private static int varParamLength(long id, long value, long dflt) {
    if (value == dflt) {
      return 0;
    }
    final int vl = VarInt.sizeOf(value);
    return VarInt.sizeOf(id) + VarInt.sizeOf(vl) + vl;
  }

  private static int bytesParamLength(long id, int len) {
    return VarInt.sizeOf(id) + VarInt.sizeOf(len) + len;
  }

  private static int putVarParam(MutableDirectBuffer out, int off, long id, long value, long dflt) {
    if (value == dflt) {
      return 0;
    }
    int pos = off;
    pos += VarInt.put(out, pos, id);
    pos += VarInt.put(out, pos, VarInt.sizeOf(value));
    pos += VarInt.put(out, pos, value);
    return pos - off;
  }

  private static int putBytesParam(
      MutableDirectBuffer out, int off, long id, byte[] value, int len) {
    int pos = off;
    pos += VarInt.put(out, pos, id);
    pos += VarInt.put(out, pos, len);
    if (len > 0) {
      out.putBytes(pos, value, 0, len);
      pos += len;
    }
    return pos - off;
  }

  private static int bitOf(long id) {
    if (id >= 0 && id <= ID_RETRY_SOURCE_CONNECTION_ID) {
      return (int) id;
    }
    if (id == ID_MAX_DATAGRAM_FRAME_SIZE) {
      return 17;
    }
    if (id == ID_ADDRESS_DISCOVERY) {
      return 18;
    }
    return -1;
  }

  private int fail(int code, String reason) {
    errorReason = reason;
    return code;
  }

  /**
   * Decodes a transport parameter list, replacing this holder's content (absent parameters get
   * their defaults). Unknown and reserved (31*N+27) parameters are skipped.
   *
   * @param fromClient true when the peer is a client: server-only parameters are then rejected
   * @return {@link #OK} or a negative {@code ERR_*} code (see {@link #errorReason()})
   */
  public int decode(DirectBuffer in, int off, int len, boolean fromClient) {
    reset();
    final int end = off + len;
    long seen = 0;
    int pos = off;
    while (pos < end) {
      final long id = VarInt.get(in, pos, end);
      if (id < 0) {
        return fail(ERR_TRUNCATED, "truncated transport parameter id");
      }
      pos += VarInt.lengthFromFirstByte(in.getByte(pos));
      final long plen = VarInt.get(in, pos, end);
      if (plen < 0) {
        return fail(ERR_TRUNCATED, "truncated transport parameter length");
      }
      pos += VarInt.lengthFromFirstByte(in.getByte(pos));
      if (plen > end - pos) {
        return fail(ERR_TRUNCATED, "truncated transport parameter value");
      }
      final int vlen = (int) plen;
      final int bit = bitOf(id);
      if (bit >= 0) {
        if ((seen & (1L << bit)) != 0) {
          return fail(ERR_DUPLICATE, "duplicate transport parameter");
        }
        seen |= 1L << bit;
        final int rc = decodeKnown(in, pos, vlen, bit, fromClient);
        if (rc < 0) {
          return rc;
        }
      }
      pos += vlen;
    }
    return OK;
  }

  private int decodeKnown(DirectBuffer in, int pos, int vlen, int bit, boolean fromClient) {
    switch (bit) {
      case 0x00:
        if (fromClient) {
          return fail(ERR_SERVER_ONLY, "original_destination_connection_id sent by a client");
        }
        if (vlen > MAX_CID_LENGTH) {
          return fail(ERR_INVALID_VALUE, "original_destination_connection_id too long");
        }
        in.getBytes(pos, originalDestinationConnectionId, 0, vlen);
        originalDestinationConnectionIdLength = vlen;
        return OK;
      case 0x02:
        if (fromClient) {
          return fail(ERR_SERVER_ONLY, "stateless_reset_token sent by a client");
        }
        if (vlen != RESET_TOKEN_LENGTH) {
          return fail(ERR_LENGTH_MISMATCH, "stateless_reset_token length is not 16");
        }
        in.getBytes(pos, statelessResetToken, 0, RESET_TOKEN_LENGTH);
        hasStatelessResetToken = true;
        return OK;
      case 0x0c:
        if (vlen != 0) {
          return fail(ERR_LENGTH_MISMATCH, "disable_active_migration is not empty");
        }
        disableActiveMigration = true;
        return OK;
      case 0x0d:
        if (fromClient) {
          return fail(ERR_SERVER_ONLY, "preferred_address sent by a client");
        }
        return decodePreferredAddress(in, pos, vlen);
      case 0x0f:
        if (vlen > MAX_CID_LENGTH) {
          return fail(ERR_INVALID_VALUE, "initial_source_connection_id too long");
        }
        in.getBytes(pos, initialSourceConnectionId, 0, vlen);
        initialSourceConnectionIdLength = vlen;
        return OK;
      case 0x10:
        if (fromClient) {
          return fail(ERR_SERVER_ONLY, "retry_source_connection_id sent by a client");
        }
        if (vlen > MAX_CID_LENGTH) {
          return fail(ERR_INVALID_VALUE, "retry_source_connection_id too long");
        }
        in.getBytes(pos, retrySourceConnectionId, 0, vlen);
        retrySourceConnectionIdLength = vlen;
        return OK;
      default:
        return decodeVarParam(in, pos, vlen, bit);
    }
  }

  private int decodeVarParam(DirectBuffer in, int pos, int vlen, int bit) {
    final long v = VarInt.get(in, pos, pos + vlen);
    if (v < 0 || VarInt.lengthFromFirstByte(in.getByte(pos)) != vlen) {
      return fail(ERR_LENGTH_MISMATCH, "transport parameter length disagrees with its varint");
    }
    switch (bit) {
      case 0x01:
        maxIdleTimeout = v;
        return OK;
      case 0x03:
        if (v < 1200) {
          return fail(ERR_INVALID_VALUE, "max_udp_payload_size below 1200");
        }
        maxUdpPayloadSize = v;
        return OK;
      case 0x04:
        initialMaxData = v;
        return OK;
      case 0x05:
        initialMaxStreamDataBidiLocal = v;
        return OK;
      case 0x06:
        initialMaxStreamDataBidiRemote = v;
        return OK;
      case 0x07:
        initialMaxStreamDataUni = v;
        return OK;
      case 0x08:
        if (v > FrameReader.MAX_STREAMS_LIMIT) {
          return fail(ERR_INVALID_VALUE, "initial_max_streams_bidi above 2^60");
        }
        initialMaxStreamsBidi = v;
        return OK;
      case 0x09:
        if (v > FrameReader.MAX_STREAMS_LIMIT) {
          return fail(ERR_INVALID_VALUE, "initial_max_streams_uni above 2^60");
        }
        initialMaxStreamsUni = v;
        return OK;
      case 0x0a:
        if (v > 20) {
          return fail(ERR_INVALID_VALUE, "ack_delay_exponent above 20");
        }
        ackDelayExponent = v;
        return OK;
      case 0x0b:
        if (v >= (1L << 14)) {
          return fail(ERR_INVALID_VALUE, "max_ack_delay of 2^14 or more");
        }
        maxAckDelay = v;
        return OK;
      case 0x0e:
        if (v < 2) {
          return fail(ERR_INVALID_VALUE, "active_connection_id_limit below 2");
        }
        activeConnectionIdLimit = v;
        return OK;
      case 17:
        maxDatagramFrameSize = v;
        return OK;
      case 18:
        if (v > ADDRESS_DISCOVERY_BOTH) {
          return fail(ERR_INVALID_VALUE, "address_discovery value above 2");
        }
        addressDiscovery = v;
        return OK;
      default:
        return OK;
    }
  }

  private int decodePreferredAddress(DirectBuffer in, int pos, int vlen) {
    if (vlen < PREFERRED_ADDRESS_FIXED_LENGTH) {
      return fail(ERR_LENGTH_MISMATCH, "preferred_address too short");
    }
    final int cidLen = in.getByte(pos + 24) & 0xff;
    // RFC 9000 §18.2: a zero-length connection ID in preferred_address is an error.
    if (cidLen < 1 || cidLen > MAX_CID_LENGTH) {
      return fail(ERR_INVALID_VALUE, "preferred_address connection ID length not 1..20");
    }
    if (vlen != PREFERRED_ADDRESS_FIXED_LENGTH + cidLen) {
      return fail(ERR_LENGTH_MISMATCH, "preferred_address length disagrees with its content");
    }
    in.getBytes(pos, preferredAddressIpv4, 0, 4);
    preferredAddressIpv4Port = in.getShort(pos + 4, BE) & 0xffff;
    in.getBytes(pos + 6, preferredAddressIpv6, 0, 16);
    preferredAddressIpv6Port = in.getShort(pos + 22, BE) & 0xffff;
    in.getBytes(pos + 25, preferredAddressConnectionId, 0, cidLen);
    preferredAddressConnectionIdLength = cidLen;
    in.getBytes(pos + 25 + cidLen, preferredAddressResetToken, 0, RESET_TOKEN_LENGTH);
    hasPreferredAddress = true;
    return OK;
  }

  private static void checkCid(int len) {
    if (len < 0 || len > MAX_CID_LENGTH) {
      throw new IllegalArgumentException("connection ID length must be 0..20");
    }
  }

  /** Whether a transport parameter id is a reserved (greasing) id 31*N+27 (RFC 9000 §18.1). */
  public static boolean isReservedId(long id) {
    return id >= 27 && (id - 27) % 31 == 0;
  }

  /** Copies every parameter from {@code o}. */
  public void copyFrom(TransportParameters o) {
    System.arraycopy(
        o.originalDestinationConnectionId, 0, originalDestinationConnectionId, 0, MAX_CID_LENGTH);
    originalDestinationConnectionIdLength = o.originalDestinationConnectionIdLength;
    maxIdleTimeout = o.maxIdleTimeout;
    System.arraycopy(o.statelessResetToken, 0, statelessResetToken, 0, RESET_TOKEN_LENGTH);
    hasStatelessResetToken = o.hasStatelessResetToken;
    maxUdpPayloadSize = o.maxUdpPayloadSize;
    initialMaxData = o.initialMaxData;
    initialMaxStreamDataBidiLocal = o.initialMaxStreamDataBidiLocal;
    initialMaxStreamDataBidiRemote = o.initialMaxStreamDataBidiRemote;
    initialMaxStreamDataUni = o.initialMaxStreamDataUni;
    initialMaxStreamsBidi = o.initialMaxStreamsBidi;
    initialMaxStreamsUni = o.initialMaxStreamsUni;
    ackDelayExponent = o.ackDelayExponent;
    maxAckDelay = o.maxAckDelay;
    disableActiveMigration = o.disableActiveMigration;
    hasPreferredAddress = o.hasPreferredAddress;
    System.arraycopy(o.preferredAddressIpv4, 0, preferredAddressIpv4, 0, 4);
    preferredAddressIpv4Port = o.preferredAddressIpv4Port;
    System.arraycopy(o.preferredAddressIpv6, 0, preferredAddressIpv6, 0, 16);
    preferredAddressIpv6Port = o.preferredAddressIpv6Port;
    System.arraycopy(
        o.preferredAddressConnectionId, 0, preferredAddressConnectionId, 0, MAX_CID_LENGTH);
    preferredAddressConnectionIdLength = o.preferredAddressConnectionIdLength;
    System.arraycopy(
        o.preferredAddressResetToken, 0, preferredAddressResetToken, 0, RESET_TOKEN_LENGTH);
    activeConnectionIdLimit = o.activeConnectionIdLimit;
    System.arraycopy(o.initialSourceConnectionId, 0, initialSourceConnectionId, 0, MAX_CID_LENGTH);
    initialSourceConnectionIdLength = o.initialSourceConnectionIdLength;
    System.arraycopy(o.retrySourceConnectionId, 0, retrySourceConnectionId, 0, MAX_CID_LENGTH);
    retrySourceConnectionIdLength = o.retrySourceConnectionIdLength;
    maxDatagramFrameSize = o.maxDatagramFrameSize;
    addressDiscovery = o.addressDiscovery;
    errorReason = o.errorReason;
  }

  /** Field-by-field equality of the parameter values (meaningful bytes of CIDs/tokens only). */
  public boolean contentEquals(TransportParameters o) {
    return cidEq(
            originalDestinationConnectionId,
            originalDestinationConnectionIdLength,
            o.originalDestinationConnectionId,
            o.originalDestinationConnectionIdLength)
        && maxIdleTimeout == o.maxIdleTimeout
        && hasStatelessResetToken == o.hasStatelessResetToken
        && (!hasStatelessResetToken || Arrays.equals(statelessResetToken, o.statelessResetToken))
        && maxUdpPayloadSize == o.maxUdpPayloadSize
        && initialMaxData == o.initialMaxData
        && initialMaxStreamDataBidiLocal == o.initialMaxStreamDataBidiLocal
        && initialMaxStreamDataBidiRemote == o.initialMaxStreamDataBidiRemote
        && initialMaxStreamDataUni == o.initialMaxStreamDataUni
        && initialMaxStreamsBidi == o.initialMaxStreamsBidi
        && initialMaxStreamsUni == o.initialMaxStreamsUni
        && ackDelayExponent == o.ackDelayExponent
        && maxAckDelay == o.maxAckDelay
        && disableActiveMigration == o.disableActiveMigration
        && preferredAddressEquals(o)
        && activeConnectionIdLimit == o.activeConnectionIdLimit
        && cidEq(
            initialSourceConnectionId,
            initialSourceConnectionIdLength,
            o.initialSourceConnectionId,
            o.initialSourceConnectionIdLength)
        && cidEq(
            retrySourceConnectionId,
            retrySourceConnectionIdLength,
            o.retrySourceConnectionId,
            o.retrySourceConnectionIdLength)
        && maxDatagramFrameSize == o.maxDatagramFrameSize
        && addressDiscovery == o.addressDiscovery;
  }

  private boolean preferredAddressEquals(TransportParameters o) {
    if (hasPreferredAddress != o.hasPreferredAddress) {
      return false;
    }
    if (!hasPreferredAddress) {
      return true;
    }
    return Arrays.equals(preferredAddressIpv4, o.preferredAddressIpv4)
        && preferredAddressIpv4Port == o.preferredAddressIpv4Port
        && Arrays.equals(preferredAddressIpv6, o.preferredAddressIpv6)
        && preferredAddressIpv6Port == o.preferredAddressIpv6Port
        && cidEq(
            preferredAddressConnectionId,
            preferredAddressConnectionIdLength,
            o.preferredAddressConnectionId,
            o.preferredAddressConnectionIdLength)
        && Arrays.equals(preferredAddressResetToken, o.preferredAddressResetToken);
  }

  private static boolean cidEq(byte[] a, int aLen, byte[] b, int bLen) {
    return aLen == bLen && (aLen <= 0 || Arrays.equals(a, 0, aLen, b, 0, bLen));
  }
}
