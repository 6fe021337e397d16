package dev.ztna.server.conn;

/**
 * Per-connection qlog event hook (draft-ietf-quic-qlog-main-schema,
 * draft-ietf-quic-qlog-quic-events), called by {@link QuicConnection} on the loop thread. An
 * implementation only copies fixed-size records somewhere (a ring buffer drained by another
 * thread): it must not block, format or allocate. {@link #NONE}, the default, ignores everything.
 * One instance per connection, obtained from {@link Factory#open} when the connection is accepted.
 */
public interface QlogSink {
  /** {@link #keyUpdated} trigger: keys installed by the TLS handshake. */
  int KEY_TLS = 0;

  /** {@link #keyUpdated} trigger: a 1-RTT key update initiated by the peer (RFC 9001 §6.2). */
  int KEY_REMOTE_UPDATE = 1;

  /** Ignores every event. */
  QlogSink NONE = new QlogSink() {};

  /** Chooses, per accepted connection, whether it is traced (sampling) and returns its sink. */
  interface Factory {
    /** No connection is traced. */
    Factory NONE = (odcid, off, len, nowNanos) -> QlogSink.NONE;

    /**
     * Called once per connection at accept (allocation is allowed here).
     *
     * @param odcid the original Destination Connection ID, which names the trace (RFC 9000 §7.3)
     */
    QlogSink open(byte[] odcid, int off, int len, long nowNanos);
  }

  /**
   * A packet about to be protected: {@code plaintext[off, off + len)} is its frame payload and
   * {@code size} the whole packet's length on the wire.
   */
  default void packetSent(
      long nowNanos, int space, long packetNumber, int size, byte[] plaintext, int off, int len) {}

  /** A packet that was authenticated and decrypted, before its frames are processed. */
  default void packetReceived(
      long nowNanos, int space, long packetNumber, int size, byte[] plaintext, int off, int len) {}

  /** A sent packet was declared lost (RFC 9002 §6.1). */
  default void packetLost(long nowNanos, int space, long packetNumber) {}

  /**
   * Recovery state may have changed (after an ACK, a loss or a send): the sink reads what it needs
   * and records only values that changed.
   */
  default void recovery(long nowNanos, NewRenoCongestionController cc, RttEstimator rtt) {}

  /** New keys for packet number {@code space} ({@link #KEY_TLS} or {@link #KEY_REMOTE_UPDATE}). */
  default void keyUpdated(long nowNanos, int space, int trigger) {}

  /**
   * The connection ended (last event of the trace).
   *
   * @param byPeer the peer closed it (its CONNECTION_CLOSE or a stateless reset)
   * @param application an application error code, else a transport one
   */
  default void connectionClosed(
      long nowNanos, boolean byPeer, boolean application, long code, boolean idleTimeout) {}
}
