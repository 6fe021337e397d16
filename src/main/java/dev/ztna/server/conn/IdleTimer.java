package dev.ztna.server.conn;

/**
 * The idle timeout of a connection (RFC 9000 §10.1): the effective timeout (the smaller of both
 * endpoints' non-zero max_idle_timeout), restarted by every packet received and processed, and by
 * the first ack-eliciting packet sent after one was received. Allocation-free.
 */
final class IdleTimer {
  private long timeoutNanos;
  private long deadline = PacketNumberSpace.NO_TIME;
  private boolean ackElicitingSentSinceRx;

  /** Sets the timeout (0: none) and restarts it at {@code now}. */
  void configure(long timeoutNanos, long now) {
    this.timeoutNanos = timeoutNanos;
    deadline = timeoutNanos > 0 ? now + timeoutNanos : PacketNumberSpace.NO_TIME;
  }

  /** The effective timeout of our {@code oursMs} and the peer's {@code peerMs} (0: none), §10.1. */
  static long effectiveMillis(long oursMs, long peerMs) {
    return oursMs == 0 ? peerMs : (peerMs == 0 ? oursMs : Math.min(oursMs, peerMs));
  }

  /** A packet was received and processed. */
  void onPacketReceived(long now) {
    ackElicitingSentSinceRx = false;
    if (timeoutNanos > 0) {
      deadline = now + timeoutNanos;
    }
  }

  /** An ack-eliciting packet was sent: the first one since a receipt restarts the timer. */
  void onAckElicitingSent(long now) {
    if (!ackElicitingSentSinceRx && timeoutNanos > 0) {
      ackElicitingSentSinceRx = true;
      deadline = Math.max(deadline, now + timeoutNanos);
    }
  }

  /** When the connection times out, {@link PacketNumberSpace#NO_TIME} without a timeout. */
  long deadline() {
    return deadline;
  }
}
