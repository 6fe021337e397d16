package dev.ztna.server.cluster.directory;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The flyweight of every directory message: node → cluster (ingress), cluster → nodes (egress) and
 * snapshot records. One fixed header, big-endian, then the service id bytes:
 *
 * <pre>
 *  0  type        u8
 *  1  id length   u8  (0..255)
 *  2  node        u16 (0..MAX_NODES-1, or 0xffff for none)
 *  4  seq         i64 (a node's message sequence, the directory version, ...)
 * 12  value       i64 (claim time, last applied sequence, session id, ...)
 * 20  a           i32 (Connector node, Agent count, ...)
 * 24  b           i32 (sole Agent node, ...)
 * 28  id          id length bytes (UTF-8 service id)
 * </pre>
 *
 * <p>What each field means depends on the type (see the constants). {@link #wrap} checks only that
 * the header fits; {@link #isValid} checks the declared id length against the message length.
 */
public final class DirectoryMessage {
  static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

  /** Nodes the directory can name (node ids 0..MAX_NODES-1). */
  public static final int MAX_NODES = 1024;

  /** Longest service id (as in REGISTER, ZTNA-V1 §4). */
  public static final int MAX_ID_LENGTH = 255;

  static final int TYPE_OFFSET = 0;
  static final int ID_LENGTH_OFFSET = 1;
  static final int NODE_OFFSET = 2;
  static final int SEQ_OFFSET = 4;
  static final int VALUE_OFFSET = 12;
  static final int A_OFFSET = 20;
  static final int B_OFFSET = 24;

  /** Length of the fixed header; the id follows. */
  public static final int HEADER_LENGTH = 28;

  /** Longest message. */
  public static final int MAX_LENGTH = HEADER_LENGTH + MAX_ID_LENGTH;

  /** The {@code node} field's "no node". */
  static final int NODE_NONE = 0xffff;

  // Ingress: node → cluster.
  /** node binds this cluster session to itself; the cluster answers with a full SYNC. */
  public static final int HELLO = 1;

  /** node holds the service's Connector since {@code value} (epoch ms); seq. */
  public static final int CLAIM = 2;

  /** node's Connector of the service left; seq. */
  public static final int RELEASE = 3;

  /** node holds {@code a} Agents of the service; seq. */
  public static final int AGENTS = 4;

  /** node asks for a full SYNC. */
  public static final int SYNC_REQUEST = 5;

  /** node is alive; the cluster answers with an ACK. */
  public static final int HEARTBEAT = 6;

  // Egress: cluster → nodes.
  /**
   * The service's state changed: version {@code seq}, Connector node {@code a} (claimed at {@code
   * value}), sole Agent node {@code b}.
   */
  public static final int ENTRY = 16;

  /** To one node: its messages up to {@code seq} are applied. */
  public static final int ACK = 17;

  /** To one node: a full state follows, at version {@code seq}. */
  public static final int SYNC_BEGIN = 18;

  /** One service in a SYNC: Connector node {@code a} (claimed at {@code value}), sole Agent b. */
  public static final int SYNC_ENTRY = 19;

  /** End of a SYNC at version {@code seq}; the node's messages up to {@code value} are applied. */
  public static final int SYNC_END = 20;

  // Snapshot records.
  /** Version {@code seq}. */
  static final int SNAP_BEGIN = 32;

  /** node's current session {@code value}, its messages applied up to {@code seq}. */
  static final int SNAP_NODE = 33;

  /** The service's Connector is on {@code a} since {@code value}. */
  static final int SNAP_CONNECTOR = 34;

  /** node holds {@code a} Agents of the service. */
  static final int SNAP_AGENTS = 35;

  /** End of the snapshot. */
  static final int SNAP_END = 36;

  private DirectBuffer buffer;
  private MutableDirectBuffer mutable;
  private int offset;
  private int length;

  /** Reads a received message; false when it is shorter than the header. */
  public boolean wrap(DirectBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    this.mutable = null;
    this.offset = offset;
    this.length = length;
    return length >= HEADER_LENGTH;
  }

  /** Whether the declared id length matches the message length (after a true {@link #wrap}). */
  public boolean isValid() {
    return length == HEADER_LENGTH + idLength();
  }

  /**
   * Starts a message of {@code type} at {@code offset} (every field zero but node none); returns
   * this for the setters. The buffer must hold {@link #MAX_LENGTH} bytes from {@code offset}.
   */
  public DirectoryMessage encode(MutableDirectBuffer buffer, int offset, int type) {
    this.buffer = buffer;
    this.mutable = buffer;
    this.offset = offset;
    buffer.setMemory(offset, HEADER_LENGTH, (byte) 0);
    buffer.putByte(offset + TYPE_OFFSET, (byte) type);
    buffer.putShort(offset + NODE_OFFSET, (short) NODE_NONE, ORDER);
    this.length = HEADER_LENGTH;
    return this;
  }

  /** The encoded (or wrapped) message length. */
  public int length() {
    return length;
  }

  public int type() {
    return buffer.getByte(offset + TYPE_OFFSET) & 0xff;
  }

  public int idLength() {
    return buffer.getByte(offset + ID_LENGTH_OFFSET) & 0xff;
  }

  /** Offset of the id bytes in the buffer. */
  public int idOffset() {
    return offset + HEADER_LENGTH;
  }

  /** The node, or -1 for none. */
  public int node() {
    int n = buffer.getShort(offset + NODE_OFFSET, ORDER) & 0xffff;
    return n == NODE_NONE ? -1 : n;
  }

  public long seq() {
    return buffer.getLong(offset + SEQ_OFFSET, ORDER);
  }

  public long value() {
    return buffer.getLong(offset + VALUE_OFFSET, ORDER);
  }

  public int a() {
    return buffer.getInt(offset + A_OFFSET, ORDER);
  }

  public int b() {
    return buffer.getInt(offset + B_OFFSET, ORDER);
  }

  /** Sets the node (-1: none). */
  public DirectoryMessage node(int node) {
    if (node < -1 || node >= MAX_NODES) {
      throw new IllegalArgumentException("node " + node + " outside -1.." + (MAX_NODES - 1));
    }
    mutable.putShort(offset + NODE_OFFSET, (short) (node < 0 ? NODE_NONE : node), ORDER);
    return this;
  }

  public DirectoryMessage seq(long seq) {
    mutable.putLong(offset + SEQ_OFFSET, seq, ORDER);
    return this;
  }

  public DirectoryMessage value(long value) {
    mutable.putLong(offset + VALUE_OFFSET, value, ORDER);
    return this;
  }

  public DirectoryMessage a(int a) {
    mutable.putInt(offset + A_OFFSET, a, ORDER);
    return this;
  }

  public DirectoryMessage b(int b) {
    mutable.putInt(offset + B_OFFSET, b, ORDER);
    return this;
  }

  /** Copies the id ({@code 0..255} bytes) and sets the length. */
  public DirectoryMessage id(DirectBuffer src, int srcOffset, int srcLength) {
    if (srcLength < 0 || srcLength > MAX_ID_LENGTH) {
      throw new IllegalArgumentException("id length " + srcLength + " outside 0..255");
    }
    mutable.putByte(offset + ID_LENGTH_OFFSET, (byte) srcLength);
    mutable.putBytes(offset + HEADER_LENGTH, src, srcOffset, srcLength);
    length = HEADER_LENGTH + srcLength;
    return this;
  }

  /** Copies the id ({@code 0..255} bytes) and sets the length. */
  public DirectoryMessage id(byte[] src) {
    if (src.length > MAX_ID_LENGTH) {
      throw new IllegalArgumentException("id length " + src.length + " outside 0..255");
    }
    mutable.putByte(offset + ID_LENGTH_OFFSET, (byte) src.length);
    mutable.putBytes(offset + HEADER_LENGTH, src);
    length = HEADER_LENGTH + src.length;
    return this;
  }

  /** The id bytes (allocates; not for the relay path). */
  public byte[] idBytes() {
    byte[] id = new byte[idLength()];
    buffer.getBytes(idOffset(), id);
    return id;
  }

  /** The buffer wrapped. */
  public DirectBuffer buffer() {
    return buffer;
  }
}
