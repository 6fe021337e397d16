package dev.ztna.server.loop;

/**
 * What one client may cost the server (issue 9 §3; the {@code [limits]} table of the configuration
 * file). Immutable; the loop reads the current value on its own thread and a new one can be handed
 * over at runtime with {@link ServerAgent#updateLimits}. A zero disables a limit where the field
 * says so.
 *
 * <p>"Half-open" is a connection that has state (it was admitted) but has not completed its
 * handshake yet. Connections count against the source address they were accepted from (IPv4: the
 * address; IPv6: its /64 prefix), also after they migrate. Lowering a limit at runtime never closes
 * an existing connection: it applies to new admissions (and, for the rates, to the next DATAGRAM).
 */
public final class Limits {
  /** The defaults (issue 9 §3). */
  public static final Limits DEFAULTS = builder().build();

  /** Largest rate accepted (keeps the token bucket arithmetic within a {@code long}). */
  public static final long MAX_RATE = TokenBucket.MAX_RATE;

  /** Live connections (half-open, established and closing) in total; 0 = unlimited. */
  public final int maxConnections;

  /** Live connections per source IPv4 address or IPv6 /64; 0 = unlimited. */
  public final int maxConnectionsPerIp;

  /** Half-open connections in total; 0 = unlimited. */
  public final int maxHalfOpen;

  /** Half-open connections per source IPv4 address or IPv6 /64; 0 = unlimited. */
  public final int maxHalfOpenPerIp;

  /**
   * A half-open connection is freed this long after its first Initial was admitted; 0 = no deadline
   * (the idle timeout still applies).
   */
  public final long handshakeTimeoutMs;

  /** DATAGRAM frames per second received from one connection; 0 = unlimited. */
  public final long datagramsPerSecond;

  /** DATAGRAM payload bytes per second received from one connection; 0 = unlimited. */
  public final long bytesPerSecond;

  /**
   * With {@code --retry under-load}: new clients without a token get a Retry while more than this
   * many connections are half-open (ZTNA-V1 §1).
   */
  public final int retryHalfOpenThreshold;

  /**
   * New connections admitted per duty-cycle iteration (each costs a ClientHello: key exchange and a
   * signature); the rest of that iteration's new Initials are dropped and counted, and their
   * clients retransmit. Bounds the handshake work between two turns of the established connections.
   * At least 1.
   */
  public final int handshakesPerIteration;

  private Limits(Builder b) {
    maxConnections = nonNegative("max_connections", b.maxConnections);
    maxConnectionsPerIp = nonNegative("max_connections_per_ip", b.maxConnectionsPerIp);
    maxHalfOpen = nonNegative("max_half_open", b.maxHalfOpen);
    maxHalfOpenPerIp = nonNegative("max_half_open_per_ip", b.maxHalfOpenPerIp);
    handshakeTimeoutMs = nonNegative("handshake_timeout_ms", b.handshakeTimeoutMs);
    datagramsPerSecond = rate("datagrams_per_second", b.datagramsPerSecond);
    bytesPerSecond = rate("bytes_per_second", b.bytesPerSecond);
    retryHalfOpenThreshold = nonNegative("retry_half_open_threshold", b.retryHalfOpenThreshold);
    handshakesPerIteration = b.handshakesPerIteration;
    if (handshakesPerIteration < 1) {
      throw new IllegalArgumentException(
          "handshakes_per_iteration must be at least 1, got " + handshakesPerIteration);
    }
  }

  private static int nonNegative(String name, int v) {
    if (v < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + v);
    }
    return v;
  }

  private static long nonNegative(String name, long v) {
    if (v < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + v);
    }
    return v;
  }

  private static long rate(String name, long v) {
    if (v < 0 || v > MAX_RATE) {
      throw new IllegalArgumentException(name + " must be 0.." + MAX_RATE + ", got " + v);
    }
    return v;
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this value. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxConnections = maxConnections;
    b.maxConnectionsPerIp = maxConnectionsPerIp;
    b.maxHalfOpen = maxHalfOpen;
    b.maxHalfOpenPerIp = maxHalfOpenPerIp;
    b.handshakeTimeoutMs = handshakeTimeoutMs;
    b.datagramsPerSecond = datagramsPerSecond;
    b.bytesPerSecond = bytesPerSecond;
    b.retryHalfOpenThreshold = retryHalfOpenThreshold;
    b.handshakesPerIteration = handshakesPerIteration;
    return b;
  }

  @Override
  public String toString() {
    return "max_connections="
        + maxConnections
        + " max_connections_per_ip="
        + maxConnectionsPerIp
        + " max_half_open="
        + maxHalfOpen
        + " max_half_open_per_ip="
        + maxHalfOpenPerIp
        + " handshake_timeout_ms="
        + handshakeTimeoutMs
        + " datagrams_per_second="
        + datagramsPerSecond
        + " bytes_per_second="
        + bytesPerSecond
        + " retry_half_open_threshold="
        + retryHalfOpenThreshold
        + " handshakes_per_iteration="
        + handshakesPerIteration;
  }

  /** Mutable builder; every setter returns {@code this}; {@link #build} validates. */
  public static final class Builder {
    private int maxConnections = 100_000;
    private int maxConnectionsPerIp = 1_000;
    private int maxHalfOpen = 10_000;
    private int maxHalfOpenPerIp = 100;
    private long handshakeTimeoutMs = 10_000;
    private long datagramsPerSecond;
    private long bytesPerSecond;
    private int retryHalfOpenThreshold = 1_000;
    private int handshakesPerIteration = 8;

    private Builder() {}

    public Builder maxConnections(int v) {
      maxConnections = v;
      return this;
    }

    public Builder maxConnectionsPerIp(int v) {
      maxConnectionsPerIp = v;
      return this;
    }

    public Builder maxHalfOpen(int v) {
      maxHalfOpen = v;
      return this;
    }

    public Builder maxHalfOpenPerIp(int v) {
      maxHalfOpenPerIp = v;
      return this;
    }

    public Builder handshakeTimeoutMs(long v) {
      handshakeTimeoutMs = v;
      return this;
    }

    public Builder datagramsPerSecond(long v) {
      datagramsPerSecond = v;
      return this;
    }

    public Builder bytesPerSecond(long v) {
      bytesPerSecond = v;
      return this;
    }

    public Builder retryHalfOpenThreshold(int v) {
      retryHalfOpenThreshold = v;
      return this;
    }

    public Builder handshakesPerIteration(int v) {
      handshakesPerIteration = v;
      return this;
    }

    public Limits build() {
      return new Limits(this);
    }
  }
}
