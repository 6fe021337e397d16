package dev.ztna.server.conn;

/**
 * The server's anti-amplification limit (RFC 9000 §8.1): until the client's address is validated
 * the server sends at most three times the bytes it received from that address. Byte counts are
 * whole UDP payloads, counted exactly (received datagrams count even if they were dropped later,
 * RFC 9000 §8.1). Single-threaded, allocation-free.
 */
public final class AmplificationLimiter {
  /** The amplification factor of RFC 9000 §8.1. */
  public static final int FACTOR = 3;

  private final int blockedBelowBytes;
  private long received;
  private long sent;
  private boolean validated;

  /** A limiter that counts as blocked only when the allowance is exactly 0. */
  public AmplificationLimiter() {
    this(1);
  }

  /**
   * @param blockedBelowBytes {@link #isBlocked()} is true while the allowance is below this (e.g.
   *     the smallest datagram worth sending); at least 1
   */
  public AmplificationLimiter(int blockedBelowBytes) {
    if (blockedBelowBytes < 1) {
      throw new IllegalArgumentException("blockedBelowBytes " + blockedBelowBytes);
    }
    this.blockedBelowBytes = blockedBelowBytes;
  }

  /** Starts over for a new unvalidated address: nothing received or sent, not validated. */
  public void reset() {
    received = 0;
    sent = 0;
    validated = false;
  }

  /** Counts a datagram received from the client's address. */
  public void onDatagramReceived(int bytes) {
    if (bytes > 0) {
      received += bytes;
    }
  }

  /** Counts a datagram sent to the client's address. */
  public void onDatagramSent(int bytes) {
    if (bytes > 0) {
      sent += bytes;
    }
  }

  /** The client's address is validated (RFC 9000 §8.1): the limit no longer applies. */
  public void markValidated() {
    validated = true;
  }

  /** Takes over the counts and validation state of {@code other} (switching paths, §9.3). */
  public void copyFrom(AmplificationLimiter other) {
    received = other.received;
    sent = other.sent;
    validated = other.validated;
  }

  /** Whether the address is validated. */
  public boolean isValidated() {
    return validated;
  }

  /**
   * How many more bytes may be sent now: {@code 3 * received - sent} before validation (never
   * negative, capped at {@link Integer#MAX_VALUE}), {@link Integer#MAX_VALUE} after.
   */
  public int sendAllowance() {
    if (validated) {
      return Integer.MAX_VALUE;
    }
    long allowance = FACTOR * received - sent;
    if (allowance <= 0) {
      return 0;
    }
    return allowance >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) allowance;
  }

  /** Whether a datagram of {@code bytes} may be sent now. */
  public boolean canSend(int bytes) {
    return bytes <= sendAllowance();
  }

  /**
   * Whether the server is at its anti-amplification limit (allowance below the configured minimum);
   * the loss detection timer must not arm a PTO then (RFC 9002 §6.2.2.1).
   */
  public boolean isBlocked() {
    return !validated && sendAllowance() < blockedBelowBytes;
  }

  /** Total bytes received before validation (keeps counting after). */
  public long bytesReceived() {
    return received;
  }

  /** Total bytes sent (keeps counting after validation). */
  public long bytesSent() {
    return sent;
  }
}
