package dev.ztna.server.config;

/**
 * When new connections get a stateless Retry (RFC 9000 §8.1.2, ZTNA-V1 §1). {@link #UNDER_LOAD}
 * Retries only while half-open handshakes exceed {@code limits.retry_under_load_threshold}.
 */
public enum RetryPolicy {
  ALWAYS,
  NEVER,
  UNDER_LOAD
}
