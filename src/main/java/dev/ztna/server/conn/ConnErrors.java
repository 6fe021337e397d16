package dev.ztna.server.conn;

/**
 * Error results of the conn layer. Methods that validate peer input return {@code 0} (or a
 * non-negative count) on success and the negated QUIC transport error code (RFC 9000 §20.1) on
 * failure, so {@code -result} is the code to put in a CONNECTION_CLOSE frame.
 */
public final class ConnErrors {
  /** Success. */
  public static final int OK = 0;

  /** FLOW_CONTROL_ERROR (0x03), negated. */
  public static final int FLOW_CONTROL_ERROR = -0x03;

  /** STREAM_LIMIT_ERROR (0x04), negated. */
  public static final int STREAM_LIMIT_ERROR = -0x04;

  /** STREAM_STATE_ERROR (0x05), negated. */
  public static final int STREAM_STATE_ERROR = -0x05;

  /** FINAL_SIZE_ERROR (0x06), negated. */
  public static final int FINAL_SIZE_ERROR = -0x06;

  /** FRAME_ENCODING_ERROR (0x07), negated. */
  public static final int FRAME_ENCODING_ERROR = -0x07;

  /** PROTOCOL_VIOLATION (0x0a), negated. */
  public static final int PROTOCOL_VIOLATION = -0x0a;

  private ConnErrors() {}

  /** The transport error code (RFC 9000 §20.1) for a negative result, 0 for a success result. */
  public static long transportErrorCode(int result) {
    return result < 0 ? -(long) result : 0L;
  }
}
