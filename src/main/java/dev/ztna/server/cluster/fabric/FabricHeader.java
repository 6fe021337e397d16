package dev.ztna.server.cluster.fabric;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over the header of one fabric message, in the style of Aeron's {@code HeaderFlyweight}:
 * fixed offsets, big-endian fields, nothing allocated. Layout:
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+-------------------------------+
 *  |     Kind      | Service id len|          Source node          |
 *  +---------------+---------------+-------------------------------+
 *  |                     Reserved (0)                              |
 *  +---------------------------------------------------------------+
 *  |                  Source connection handle                     |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |               Destination connection handle                   |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        Service id (service id len bytes, UTF-8) ...           |
 *  +---------------------------------------------------------------+
 *  |        Datagram (the rest of the message, unchanged) ...      |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li>{@link #KIND_TO_CONNECTOR}: an Agent's datagram for the Connector of the named service on
 *       the receiving node; the source handle is the Agent's connection on the source node (so
 *       replies can come back), the destination handle is 0.
 *   <li>{@link #KIND_TO_AGENT}: a Connector's datagram for the Agent whose connection on the
 *       receiving node has the destination handle; handle {@link #SOLE_AGENT} (0) means the only
 *       Agent of the named service on that node (the cross-node sole-Agent rule, ZTNA-V1 §4).
 *   <li>{@link #KIND_AGENT_GONE}: the Agent with the source handle on the source node left; no
 *       service id, no datagram.
 * </ul>
 */
public final class FabricHeader {
  /** An Agent's datagram for the Connector of a service. */
  public static final int KIND_TO_CONNECTOR = 1;

  /** A Connector's datagram for an Agent. */
  public static final int KIND_TO_AGENT = 2;

  /** An Agent left its node: forget what was learned about it. */
  public static final int KIND_AGENT_GONE = 3;

  /** Destination handle of {@link #KIND_TO_AGENT}: the service's only Agent on that node. */
  public static final long SOLE_AGENT = 0;

  public static final int KIND_OFFSET = 0;
  public static final int SERVICE_ID_LENGTH_OFFSET = 1;
  public static final int SOURCE_NODE_OFFSET = 2;
  public static final int RESERVED_OFFSET = 4;
  public static final int SOURCE_HANDLE_OFFSET = 8;
  public static final int DESTINATION_HANDLE_OFFSET = 16;

  /** The fixed part: the service id (if any) starts here. */
  public static final int LENGTH = 24;

  /** The largest node id (the field is an unsigned 16-bit integer). */
  public static final int MAX_NODE = 0xffff;

  /** The longest service id (ZTNA-V1 §2: 1..255 bytes). */
  public static final int MAX_SERVICE_ID_LENGTH = 255;

  /** Parsed: the message is well formed. */
  public static final int OK = 0;

  /** Shorter than the fixed header plus its service id. */
  public static final int ERR_TRUNCATED = -1;

  /** An unknown kind. */
  public static final int ERR_KIND = -2;

  /** A service id where the kind needs none, or none where it needs one. */
  public static final int ERR_SERVICE_ID = -3;

  private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

  private DirectBuffer buffer;
  private MutableDirectBuffer mutable;
  private int offset;

  /** Wraps a message for reading at {@code offset}. */
  public FabricHeader wrap(DirectBuffer buffer, int offset) {
    this.buffer = buffer;
    this.mutable = null;
    this.offset = offset;
    return this;
  }

  /** Wraps a buffer for writing at {@code offset} (and reading back). */
  public FabricHeader wrap(MutableDirectBuffer buffer, int offset) {
    this.buffer = buffer;
    this.mutable = buffer;
    this.offset = offset;
    return this;
  }

  /**
   * Checks the wrapped message of {@code length} bytes: a known kind, the fixed header and its
   * service id present, a service id exactly where the kind needs one.
   *
   * @return {@link #OK} or a negative {@code ERR_*} code
   */
  public int validate(int length) {
    if (length < LENGTH) {
      return ERR_TRUNCATED;
    }
    int kind = kind();
    int idLength = serviceIdLength();
    if (length < LENGTH + idLength) {
      return ERR_TRUNCATED;
    }
    switch (kind) {
      case KIND_TO_CONNECTOR:
        return idLength == 0 ? ERR_SERVICE_ID : OK;
      case KIND_TO_AGENT:
        return (destinationHandle() == SOLE_AGENT) == (idLength == 0) ? ERR_SERVICE_ID : OK;
      case KIND_AGENT_GONE:
        return idLength != 0 ? ERR_SERVICE_ID : OK;
      default:
        return ERR_KIND;
    }
  }

  /** Writes the fixed header (the reserved field as 0); the service id and datagram follow. */
  public FabricHeader write(
      int kind, int serviceIdLength, int sourceNode, long sourceHandle, long destinationHandle) {
    return kind(kind)
        .serviceIdLength(serviceIdLength)
        .sourceNode(sourceNode)
        .reserved()
        .sourceHandle(sourceHandle)
        .destinationHandle(destinationHandle);
  }

  public int kind() {
    return buffer.getByte(offset + KIND_OFFSET) & 0xff;
  }

  public FabricHeader kind(int kind) {
    mutable.putByte(offset + KIND_OFFSET, (byte) kind);
    return this;
  }

  public int serviceIdLength() {
    return buffer.getByte(offset + SERVICE_ID_LENGTH_OFFSET) & 0xff;
  }

  public FabricHeader serviceIdLength(int length) {
    mutable.putByte(offset + SERVICE_ID_LENGTH_OFFSET, (byte) length);
    return this;
  }

  public int sourceNode() {
    return buffer.getShort(offset + SOURCE_NODE_OFFSET, BE) & 0xffff;
  }

  public FabricHeader sourceNode(int node) {
    mutable.putShort(offset + SOURCE_NODE_OFFSET, (short) node, BE);
    return this;
  }

  private FabricHeader reserved() {
    mutable.putInt(offset + RESERVED_OFFSET, 0, BE);
    return this;
  }

  public long sourceHandle() {
    return buffer.getLong(offset + SOURCE_HANDLE_OFFSET, BE);
  }

  public FabricHeader sourceHandle(long handle) {
    mutable.putLong(offset + SOURCE_HANDLE_OFFSET, handle, BE);
    return this;
  }

  public long destinationHandle() {
    return buffer.getLong(offset + DESTINATION_HANDLE_OFFSET, BE);
  }

  public FabricHeader destinationHandle(long handle) {
    mutable.putLong(offset + DESTINATION_HANDLE_OFFSET, handle, BE);
    return this;
  }

  /** Absolute offset of the service id in the wrapped buffer. */
  public int serviceIdOffset() {
    return offset + LENGTH;
  }

  /** Absolute offset of the datagram in the wrapped buffer. */
  public int payloadOffset() {
    return offset + LENGTH + serviceIdLength();
  }

  /** The datagram's length in a message of {@code messageLength} bytes. */
  public int payloadLength(int messageLength) {
    return messageLength - LENGTH - serviceIdLength();
  }
}
