package dev.ztna.server.conn;

import dev.ztna.server.crypto.CipherSuite;

/**
 * The AEAD usage limits of RFC 9001 §6.6 for one connection: packets protected with the current
 * 1-RTT send key (the confidentiality limit, reset by each key update) and received packets that
 * failed authentication over the connection's whole lifetime, across all keys (the integrity
 * limit). AES-128/256-GCM: 2^23 packets and 2^52 failures; ChaCha20-Poly1305: effectively unlimited
 * packets (more than the 2^62 packet numbers) and 2^36 failures (RFC 9001 §6.6, Appendix B).
 * Single-threaded, allocation-free.
 *
 * <p>Initial and Handshake keys are not counted: they protect a handful of packets before they are
 * discarded at handshake completion, and the handshake deadline bounds how long they live.
 */
final class AeadLimits {
  static final long AES_GCM_CONFIDENTIALITY = 1L << 23;
  static final long AES_GCM_INTEGRITY = 1L << 52;
  static final long CHACHA20_CONFIDENTIALITY = 1L << 62;
  static final long CHACHA20_INTEGRITY = 1L << 36;

  private long confidentiality = AES_GCM_CONFIDENTIALITY;
  private long integrity = AES_GCM_INTEGRITY;
  private long protectedWithKey;
  private long authFailures;

  /**
   * Takes the limits of {@code suite}; a non-zero override replaces one (the test seam of {@link
   * ConnectionConfig}).
   */
  void configure(CipherSuite suite, long confidentialityOverride, long integrityOverride) {
    boolean chacha = suite == CipherSuite.TLS_CHACHA20_POLY1305_SHA256;
    confidentiality =
        confidentialityOverride > 0
            ? confidentialityOverride
            : chacha ? CHACHA20_CONFIDENTIALITY : AES_GCM_CONFIDENTIALITY;
    integrity =
        integrityOverride > 0 ? integrityOverride : chacha ? CHACHA20_INTEGRITY : AES_GCM_INTEGRITY;
  }

  /** A packet was protected with the current 1-RTT send key. */
  void onProtected() {
    protectedWithKey++;
  }

  /** A key update installed a fresh send key. */
  void onNewSendKey() {
    protectedWithKey = 0;
  }

  /**
   * Counts a packet that failed authentication.
   *
   * @return true once the count exceeds the integrity limit: the connection must close with
   *     AEAD_LIMIT_REACHED and process no more packets (RFC 9001 §6.6)
   */
  boolean onAuthenticationFailure() {
    return ++authFailures > integrity;
  }

  /** Time to start a key update: three quarters of the confidentiality limit are used. */
  boolean wantsKeyUpdate() {
    return protectedWithKey >= confidentiality - confidentiality / 4;
  }

  /**
   * The key update did not happen in time: close now with AEAD_LIMIT_REACHED (RECOMMENDED by RFC
   * 9001 §6.6), keeping a reserve of packets under the limit for the CONNECTION_CLOSE.
   */
  boolean mustClose() {
    return protectedWithKey >= confidentiality - reserve();
  }

  /** The send key reached the limit: it must not protect another packet (RFC 9001 §6.6). */
  boolean sendKeyExhausted() {
    return protectedWithKey >= confidentiality;
  }

  private long reserve() {
    return Math.max(1, Math.min(16, confidentiality / 8));
  }

  long packetsProtectedWithKey() {
    return protectedWithKey;
  }

  long authenticationFailures() {
    return authFailures;
  }
}
