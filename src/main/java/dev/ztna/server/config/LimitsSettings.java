package dev.ztna.server.config;

import dev.ztna.server.loop.Limits;

/**
 * The {@code [limits]} table (issue 9 §3) and the retry policy. Counts and rates of 0 mean
 * unlimited; see {@link Settings} for each key's default and range.
 */
public final class LimitsSettings {
  public final int maxConnections;
  public final int maxConnectionsPerIp;
  public final int maxHalfOpen;
  public final int maxHalfOpenPerIp;
  public final long handshakeTimeoutMs;
  public final long datagramsPerSecond;
  public final long bytesPerSecond;
  public final long innerAddressIdleMs;

  /** The {@code retry} key: always, never or under-load. */
  public final RetryPolicy retry;

  /** With {@link RetryPolicy#UNDER_LOAD}: Retry while more handshakes than this are half-open. */
  public final int retryUnderLoadThreshold;

  LimitsSettings(ConfigValues v) {
    maxConnections = v.get(Settings.MAX_CONNECTIONS);
    maxConnectionsPerIp = v.get(Settings.MAX_CONNECTIONS_PER_IP);
    maxHalfOpen = v.get(Settings.MAX_HALF_OPEN);
    maxHalfOpenPerIp = v.get(Settings.MAX_HALF_OPEN_PER_IP);
    handshakeTimeoutMs = v.get(Settings.HANDSHAKE_TIMEOUT_MS);
    datagramsPerSecond = v.get(Settings.DATAGRAMS_PER_SECOND);
    bytesPerSecond = v.get(Settings.BYTES_PER_SECOND);
    innerAddressIdleMs = v.get(Settings.INNER_ADDRESS_IDLE_MS);
    retry = v.get(Settings.RETRY);
    retryUnderLoadThreshold = v.get(Settings.RETRY_UNDER_LOAD_THRESHOLD);
  }

  /** The loop's {@link Limits} for these values (the inner-address idle time is the relay's). */
  public Limits toLoopLimits() {
    return Limits.builder()
        .maxConnections(maxConnections)
        .maxConnectionsPerIp(maxConnectionsPerIp)
        .maxHalfOpen(maxHalfOpen)
        .maxHalfOpenPerIp(maxHalfOpenPerIp)
        .handshakeTimeoutMs(handshakeTimeoutMs)
        .datagramsPerSecond(datagramsPerSecond)
        .bytesPerSecond(bytesPerSecond)
        .retryHalfOpenThreshold(retryUnderLoadThreshold)
        .build();
  }

  @Override
  public String toString() {
    return "limits: connections "
        + maxConnections
        + " (per IP "
        + maxConnectionsPerIp
        + "), half-open "
        + maxHalfOpen
        + " (per IP "
        + maxHalfOpenPerIp
        + "), handshake timeout "
        + handshakeTimeoutMs
        + " ms, datagrams/s "
        + datagramsPerSecond
        + ", bytes/s "
        + bytesPerSecond
        + ", inner address idle "
        + innerAddressIdleMs
        + " ms, retry "
        + retry
        + " (threshold "
        + retryUnderLoadThreshold
        + ")";
  }
}
