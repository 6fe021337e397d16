package dev.ztna.server.conn;

/**
 * Receives the fate of sent packets from {@link SentPacketLedger} / {@link LossDetector}. The
 * connection implements it once (no per-call lambdas). {@code token} is the opaque value the
 * connection passed to {@code onPacketSent}, typically an index into its own retransmission
 * bookkeeping.
 */
public interface SentPacketListener {
  /** The packet was acknowledged for the first time. */
  void onPacketAcked(
      int space, long packetNumber, long token, int size, boolean inFlight, long timeSentNanos);

  /** The packet was declared lost (RFC 9002 §6.1): its frames may need retransmission. */
  void onPacketLost(
      int space, long packetNumber, long token, int size, boolean inFlight, long timeSentNanos);

  /**
   * The packet's space was discarded (RFC 9002 §6.4) while it was outstanding: forget it, do not
   * retransmit its frames.
   */
  void onPacketDiscarded(int space, long packetNumber, long token, int size);
}
