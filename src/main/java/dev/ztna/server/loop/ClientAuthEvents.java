package dev.ztna.server.loop;

import dev.ztna.server.conn.QuicConnection;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.tls.ClientAuthFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs client authentication (mutual TLS) outcomes for the loop: {@code auth_succeeded}
 * when a connection is established with a verified identity, and one counter per failure kind when
 * a handshake closes because client authentication failed. A failure is logged once per connection
 * with its source address, at WARN, rate-limited (anyone can trigger it).
 */
final class ClientAuthEvents {
  private static final Logger LOG = LoggerFactory.getLogger(ClientAuthEvents.class);

  /** Failure lines logged per second on average, and at once. */
  static final int LOG_PER_SECOND = 10;

  static final int LOG_BURST = 20;

  private final ServerCounters counters;
  private final LogRateLimiter logLimit;

  ClientAuthEvents(ServerCounters counters, long nowNanos) {
    this.counters = counters;
    this.logLimit = new LogRateLimiter(LOG_PER_SECOND, LOG_BURST, nowNanos);
  }

  /** A connection completed its handshake. */
  void onEstablished(QuicConnection quic) {
    if (quic.peerIdentity() != null) {
      counters.increment(Counter.AUTH_SUCCEEDED);
    }
  }

  /** A connection closed (called once per connection); counts a client-auth failure. */
  void onClosed(ServerConnection sc, QuicConnection quic, long errorCode, long nowNanos) {
    ClientAuthFailure failure = quic.clientAuthFailure();
    if (failure == ClientAuthFailure.NONE) {
      return;
    }
    counters.increment(counter(failure));
    if (logLimit.tryAcquire(nowNanos)) {
      long suppressed = logLimit.takeSuppressed();
      LOG.warn(
          "{} from {} refused: client authentication failed: {} (CRYPTO_ERROR 0x{}){}",
          sc,
          quic.peerAddress(),
          failure.label(),
          Long.toHexString(errorCode),
          suppressed == 0 ? "" : "; " + suppressed + " similar lines suppressed");
    }
  }

  static Counter counter(ClientAuthFailure failure) {
    switch (failure) {
      case CERTIFICATE_REQUIRED:
        return Counter.AUTH_CERTIFICATE_REQUIRED;
      case BAD_CERTIFICATE:
        return Counter.AUTH_BAD_CERTIFICATE;
      case UNSUPPORTED_CERTIFICATE:
        return Counter.AUTH_UNSUPPORTED_CERTIFICATE;
      case UNKNOWN_CA:
        return Counter.AUTH_UNKNOWN_CA;
      case CERTIFICATE_EXPIRED:
        return Counter.AUTH_CERTIFICATE_EXPIRED;
      case BAD_CERTIFICATE_VERIFY:
        return Counter.AUTH_BAD_CERTIFICATE_VERIFY;
      default:
        return Counter.AUTH_PROTOCOL_ERROR;
    }
  }
}
