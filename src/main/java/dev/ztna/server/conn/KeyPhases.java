package dev.ztna.server.conn;

import dev.ztna.server.crypto.CipherSuite;
import dev.ztna.server.crypto.PacketProtection;

/**
 * The packet protection keys of one connection (RFC 9001 §5, §6): receive and send keys per packet
 * number space, and for 1-RTT the key phases — the current keys, the next phase's receive keys
 * (derived when first needed), the previous phase's receive keys (kept for reordered packets until
 * three PTOs after the update, §6.5), key updates initiated by either side (§6.1, §6.2) with the
 * rules of {@link KeyPhaseGuard}, and the AEAD usage limits ({@link AeadLimits}, §6.6).
 *
 * <p>Header protection keys do not change with the key phase (§6.1), so a short header is unmasked
 * once with the current keys and {@link #selectReceive} then picks the keys that open it.
 * Discarding a space ({@link #discard}) drops its keys (§4.9). Single-threaded; a key update
 * allocates the derived keys, nothing else does.
 */
final class KeyPhases {
  /** {@link #checkAeadLimits}: nothing to do. */
  static final int LIMITS_OK = 0;

  /** {@link #checkAeadLimits}: a key update was initiated. */
  static final int LIMITS_KEY_UPDATED = 1;

  /** {@link #checkAeadLimits}: the send key is near its limit and no update is possible in time. */
  static final int LIMITS_MUST_CLOSE = 2;

  private static final int APP = PacketNumberSpace.APPLICATION;

  private final PacketProtection[] rx = new PacketProtection[PacketNumberSpace.COUNT];
  private final PacketProtection[] tx = new PacketProtection[PacketNumberSpace.COUNT];
  private PacketProtection rxPrev;
  private PacketProtection rxNext;
  private boolean rxPhase;
  private boolean txPhase;
  private long keyPhaseStartPn = -1;
  private long prevKeyDiscardTime = PacketNumberSpace.NO_TIME;
  private CipherSuite suite;
  private final AeadLimits aead = new AeadLimits();
  private final KeyPhaseGuard guard = new KeyPhaseGuard();

  /** Installs the keys of {@code space} (Initial keys: {@code suite} null). */
  void install(int space, CipherSuite s, PacketProtection receive, PacketProtection send) {
    if (s != null) {
      suite = s;
    }
    rx[space] = receive;
    tx[space] = send;
  }

  /** RFC 9001 §6.6: the limits of the negotiated AEAD for the 1-RTT keys. */
  void configureLimits(CipherSuite s, long confidentialityLimit, long integrityLimit) {
    aead.configure(s, confidentialityLimit, integrityLimit);
  }

  /** Drops the keys of {@code space} (RFC 9001 §4.9). */
  void discard(int space) {
    rx[space] = null;
    tx[space] = null;
  }

  /** The current receive keys of {@code space} (null without); for 1-RTT they unmask headers. */
  PacketProtection receive(int space) {
    return rx[space];
  }

  /** The send keys of {@code space}, null without. */
  PacketProtection send(int space) {
    return tx[space];
  }

  /** The key phase bit of the packets we send (RFC 9001 §6). */
  boolean sendPhase() {
    return txPhase;
  }

  CipherSuite suite() {
    return suite;
  }

  AeadLimits aead() {
    return aead;
  }

  /**
   * The keys that open the unmasked short-header packet {@code pn} whose key phase bit is {@code
   * phase} (RFC 9001 §6.3): the current keys for the current phase; otherwise the previous keys for
   * a packet older than the current phase, else the next phase's (derived on first use).
   */
  PacketProtection selectReceive(long pn, boolean phase) {
    PacketProtection cur = rx[APP];
    if (phase == rxPhase) {
      return cur;
    }
    if (rxPrev != null && pn < keyPhaseStartPn) {
      return rxPrev;
    }
    if (rxNext == null) {
      rxNext = cur.nextKeyPhase();
    }
    return rxNext;
  }

  /** Whether {@code keys} opened a packet of the next phase (the peer updated its keys). */
  boolean isPeerUpdate(PacketProtection keys, boolean phase) {
    return phase != rxPhase && keys == rxNext;
  }

  /**
   * The peer's packet {@code pn}, opened with the next phase's keys, completes a key update.
   *
   * @param nextSendPn the next 1-RTT packet number we send (the first under new send keys)
   * @param discardAt when the previous receive keys go (three PTOs from now, RFC 9001 §6.5)
   * @return false on KEY_UPDATE_ERROR (the peer updated again before its previous update was
   *     acknowledged, §6.2)
   */
  boolean onPeerKeyUpdate(long pn, long nextSendPn, long discardAt) {
    // The peer initiated this update when our send keys are in the phase it leaves; otherwise it
    // answers our own update.
    boolean initiatedByPeer = txPhase == rxPhase;
    if (!guard.onReceiveKeyPhaseChange(pn, initiatedByPeer)) {
      return false;
    }
    rxPrev = rx[APP];
    rx[APP] = rxNext;
    rxNext = null;
    rxPhase = !rxPhase;
    keyPhaseStartPn = pn;
    if (initiatedByPeer) {
      switchSendKeys(nextSendPn); // RFC 9001 §6.2: answer in the new phase
    }
    prevKeyDiscardTime = discardAt;
    return true;
  }

  private void switchSendKeys(long nextSendPn) {
    tx[APP] = tx[APP].nextKeyPhase();
    txPhase = !txPhase;
    aead.onNewSendKey();
    guard.onNewSendKeys(nextSendPn);
  }

  /**
   * RFC 9001 §6.6: initiates a key update before the send key reaches the confidentiality limit, or
   * tells the caller to close with AEAD_LIMIT_REACHED when no update is possible in time (§6.1
   * forbids one before the peer acknowledged a packet in the current phase).
   *
   * @param largestAcked the largest 1-RTT packet number the peer acknowledged, -1 if none
   * @param nextSendPn the next 1-RTT packet number we send
   * @return {@link #LIMITS_OK}, {@link #LIMITS_KEY_UPDATED} or {@link #LIMITS_MUST_CLOSE}
   */
  int checkAeadLimits(long largestAcked, long nextSendPn) {
    if (!aead.wantsKeyUpdate()) {
      return LIMITS_OK;
    }
    if (guard.mayInitiate(largestAcked, rxPhase == txPhase, rxPrev == null)) {
      switchSendKeys(nextSendPn);
      if (rxNext == null) {
        rxNext = rx[APP].nextKeyPhase();
      }
      return LIMITS_KEY_UPDATED;
    }
    return aead.mustClose() ? LIMITS_MUST_CLOSE : LIMITS_OK;
  }

  /** A 1-RTT packet was protected with the send keys; {@code ackLargest} its ACK's, -1 if none. */
  void onProtected(long ackLargest) {
    aead.onProtected();
    if (ackLargest >= 0) {
      guard.onAckSent(ackLargest);
    }
  }

  /** When the previous receive keys go, {@link PacketNumberSpace#NO_TIME} if none are kept. */
  long nextTimeout() {
    return prevKeyDiscardTime;
  }

  void onTimeout(long now) {
    if (now >= prevKeyDiscardTime) {
      rxPrev = null;
      prevKeyDiscardTime = PacketNumberSpace.NO_TIME;
    }
  }
}
