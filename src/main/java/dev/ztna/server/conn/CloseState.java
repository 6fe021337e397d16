package dev.ztna.server.conn;

/**
 * How a connection ends (RFC 9000 §10.2): the error code, whether it is an application error, the
 * frame type and reason phrase of our CONNECTION_CLOSE, when the closing or draining period ends,
 * whether a CONNECTION_CLOSE is due (§10.2.1: once on closing, then at an exponentially decreasing
 * rate in answer to packets that keep arriving), and whether the listener was told.
 * Allocation-free.
 */
final class CloseState {
  private long errorCode;
  private long frameType;
  private boolean application;
  private String reason;
  private boolean sendPending;
  private int packetsWhileClosing;
  private long end = PacketNumberSpace.NO_TIME;
  private boolean notified;

  /** We close: a CONNECTION_CLOSE is due; the closing period ends at {@code end}. */
  void onClosing(long code, boolean app, long type, String why, long end) {
    errorCode = code;
    application = app;
    frameType = type;
    reason = why;
    sendPending = true;
    this.end = end;
  }

  /** The peer closed (or reset) the connection: we stay silent until {@code end}. */
  void onDraining(long code, boolean app, String why, long end) {
    errorCode = code;
    application = app;
    if (why != null) {
      reason = why;
    }
    this.end = end;
  }

  /** A packet arrived while closing: answer the 1st, 2nd, 4th, 8th... (§10.2.1). */
  void onPacketWhileClosing() {
    packetsWhileClosing++;
    if ((packetsWhileClosing & (packetsWhileClosing - 1)) == 0) {
      sendPending = true;
    }
  }

  boolean isSendPending() {
    return sendPending;
  }

  void onSent() {
    sendPending = false;
  }

  /**
   * Whether the listener has yet to be told (true once, then false): the one call of {@link
   * ConnectionListener#onClosed}.
   */
  boolean notifyOnce() {
    if (notified) {
      return false;
    }
    notified = true;
    return true;
  }

  long end() {
    return end;
  }

  long errorCode() {
    return errorCode;
  }

  long frameType() {
    return frameType;
  }

  boolean isApplication() {
    return application;
  }

  String reason() {
    return reason;
  }
}
