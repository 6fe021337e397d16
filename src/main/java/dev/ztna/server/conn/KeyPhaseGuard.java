package dev.ztna.server.conn;

/**
 * The key update rules of RFC 9001 §6 for the 1-RTT keys of one connection. Single-threaded,
 * allocation-free.
 *
 * <ul>
 *   <li>§6.1: an endpoint must not initiate a key update before the handshake is confirmed, nor a
 *       subsequent one before it received an acknowledgment for a packet sent with the current
 *       keys. The server initiates one only then, and also only once the peer answered the previous
 *       update and the old receive keys are gone.
 *   <li>§6.2: a second update by the peer before this endpoint sent, with the updated keys, an ACK
 *       of the packet that started the current key phase means the peer updated twice without
 *       awaiting confirmation; it is treated as a connection error of type KEY_UPDATE_ERROR.
 * </ul>
 */
final class KeyPhaseGuard {
  private long rxPhaseStartPn = -1;
  private boolean rxPhaseStartAcked = true;
  private long txPhaseStartPn;

  /**
   * The peer's packet {@code pn} flipped the receive key phase.
   *
   * @param initiatedByPeer the peer started an update (rather than answering ours)
   * @return false if the peer started an update before it could have seen an ACK for a packet it
   *     sent in the current phase (KEY_UPDATE_ERROR); its answer to our update is always fine
   */
  boolean onReceiveKeyPhaseChange(long pn, boolean initiatedByPeer) {
    if (initiatedByPeer && !rxPhaseStartAcked) {
      return false;
    }
    rxPhaseStartPn = pn;
    rxPhaseStartAcked = false;
    return true;
  }

  /** A 1-RTT packet carrying an ACK frame with {@code largestAcked} was sent. */
  void onAckSent(long largestAcked) {
    if (largestAcked >= rxPhaseStartPn) {
      rxPhaseStartAcked = true;
    }
  }

  /** The send keys changed; {@code firstPn} is the first packet number they protect. */
  void onNewSendKeys(long firstPn) {
    txPhaseStartPn = firstPn;
  }

  /**
   * Whether the server may initiate a key update now (RFC 9001 §6.1).
   *
   * @param largestAckedByPeer the largest 1-RTT packet number the peer acknowledged, -1 if none
   * @param peerAnswered the peer's packets already use the current send key phase
   * @param oldKeysDiscarded the previous receive keys were discarded (RFC 9001 §6.5)
   */
  boolean mayInitiate(long largestAckedByPeer, boolean peerAnswered, boolean oldKeysDiscarded) {
    return largestAckedByPeer >= txPhaseStartPn && peerAnswered && oldKeysDiscarded;
  }
}
