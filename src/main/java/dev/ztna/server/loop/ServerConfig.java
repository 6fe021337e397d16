package dev.ztna.server.loop;

import dev.ztna.server.conn.ConnectionIdGenerator;
import dev.ztna.server.tls.ClientAuth;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Immutable server configuration, built by the CLI (or by tests) through {@link Builder}. Defaults
 * are the transport profile of ZTNA-V1 §1.
 */
public final class ServerConfig {
  /** When stateless Retry is used for new connections. */
  public enum RetryMode {
    ALWAYS,
    NEVER,
    /**
     * Retry only while more connections are half-open than {@link Limits#retryHalfOpenThreshold}
     * (ZTNA-V1 §1).
     */
    UNDER_LOAD
  }

  /**
   * How a server mints its connection IDs when they must carry more than randomness (e.g. QUIC-LB,
   * issue 11 §3, so a load balancer routes on them). The loop calls {@link #create} once at start
   * and uses the generator from its own thread only.
   */
  public interface ConnectionIdScheme {
    /** The length of every CID, which must equal {@link ServerConfig#cidLength}. */
    int length();

    /** A new generator; {@code random} is the server's own (seeded in tests). */
    ConnectionIdGenerator create(SecureRandom random);
  }

  /** How the loop does its socket I/O ({@link DatagramIos}). */
  public enum IoMode {
    /** One socket per listen address, read with {@code DatagramChannel.receive} (portable). */
    NIO,
    /**
     * As {@link #NIO}, plus one socket per connection connected to its peer (sharing the port
     * through SO_REUSEPORT), so that receiving from many interleaved peers allocates nothing.
     */
    NIO_CONNECTED,
    /**
     * {@code recvmmsg}/{@code sendmmsg} through the Foreign Function &amp; Memory API (JDK 22+,
     * Linux): one system call per batch and no allocation; falls back to {@link #NIO}.
     */
    BATCHED
  }

  /** The Agrona idle strategy of the duty-cycle thread. */
  public enum IdleKind {
    BUSY_SPIN,
    BACKOFF
  }

  public final List<InetSocketAddress> listen;
  public final Path certFile;
  public final Path keyFile;
  public final RetryMode retryMode;
  public final IdleKind idleKind;
  public final Duration tokenLifetime;
  public final long idleTimeoutMs;
  public final int maxUdpPayloadSize;
  public final int maxDatagramFrameSize;
  public final int cidLength;
  public final long initialMaxData;
  public final long initialMaxStreamData;
  public final long initialMaxStreamsBidi;
  public final long initialMaxStreamsUni;
  public final int maxDatagramQueue;
  public final Duration drainTimeout;

  /** How often the launcher logs a {@code stats:} line; zero turns it off. */
  public final Duration statsInterval;

  /** The socket I/O the loop uses (see {@link IoMode}). */
  public final IoMode io;

  /** What one client may cost (issue 9 §3); replaceable at runtime, see {@link Limits}. */
  public final Limits limits;

  /** The CPU core the loop thread pins itself to ({@link LoopAffinity}), or -1 for none. */
  public final int loopCpu;

  /** NSS key log file (SSLKEYLOGFILE) the TLS secrets are appended to; null: none. */
  public final Path keyLogFile;

  /** Directory of per-connection qlog files; null: no qlog. */
  public final Path qlogDir;

  /** Fraction of connections traced into {@link #qlogDir}, 0..1 (default 1). */
  public final double qlogSample;

  /**
   * Client authentication (mutual TLS): trust anchors and whether a certificate is required; {@code
   * null} (the default) requests no client certificate.
   */
  public final ClientAuth clientAuth;

  /** Where the launcher maps its counters; null: {@link CountersFile#defaultPath()}. */
  public final Path countersFile;

  /** Where the launcher serves the HTTP admin endpoint; null: nowhere (off). */
  public final InetSocketAddress adminListen;

  /** How old the loop heartbeat may be before {@code /healthz} answers 503. */
  public final Duration healthStale;

  /** How connection IDs are minted; null: random CIDs of {@link #cidLength} bytes. */
  public final ConnectionIdScheme connectionIds;

  /** The Retry token key (at least 32 bytes) shared by nodes; null: random per process. */
  private final byte[] retryTokenKey;

  private ServerConfig(Builder b) {
    this.listen = List.copyOf(b.listen);
    this.certFile = Objects.requireNonNull(b.certFile);
    this.keyFile = Objects.requireNonNull(b.keyFile);
    this.retryMode = Objects.requireNonNull(b.retryMode);
    this.idleKind = Objects.requireNonNull(b.idleKind);
    this.tokenLifetime = Objects.requireNonNull(b.tokenLifetime);
    this.idleTimeoutMs = b.idleTimeoutMs;
    this.maxUdpPayloadSize = b.maxUdpPayloadSize;
    this.maxDatagramFrameSize = b.maxDatagramFrameSize;
    this.cidLength = b.cidLength;
    this.initialMaxData = b.initialMaxData;
    this.initialMaxStreamData = b.initialMaxStreamData;
    this.initialMaxStreamsBidi = b.initialMaxStreamsBidi;
    this.initialMaxStreamsUni = b.initialMaxStreamsUni;
    this.maxDatagramQueue = b.maxDatagramQueue;
    this.drainTimeout = Objects.requireNonNull(b.drainTimeout);
    this.statsInterval = Objects.requireNonNull(b.statsInterval);
    this.io = Objects.requireNonNull(b.io);
    this.limits = Objects.requireNonNull(b.limits);
    this.loopCpu = b.loopCpu;
    this.keyLogFile = b.keyLogFile;
    this.qlogDir = b.qlogDir;
    this.qlogSample = b.qlogSample;
    if (!(qlogSample >= 0 && qlogSample <= 1)) {
      throw new IllegalArgumentException("qlog sample must be 0..1, got " + qlogSample);
    }
    this.clientAuth = b.clientAuth;
    this.countersFile = b.countersFile;
    this.adminListen = b.adminListen;
    this.healthStale = Objects.requireNonNull(b.healthStale);
    this.connectionIds = b.connectionIds;
    this.retryTokenKey = b.retryTokenKey == null ? null : b.retryTokenKey.clone();
    if (connectionIds != null && connectionIds.length() != cidLength) {
      throw new IllegalArgumentException(
          "cid length "
              + cidLength
              + " differs from the connection ID scheme's "
              + connectionIds.length());
    }
    if (retryTokenKey != null && retryTokenKey.length < 32) {
      throw new IllegalArgumentException(
          "retry token key must be at least 32 bytes, got " + retryTokenKey.length);
    }
    if (listen.isEmpty()) {
      throw new IllegalArgumentException("at least one listen address is required");
    }
    if (cidLength < 4 || cidLength > 20) {
      throw new IllegalArgumentException("cid length must be 4..20, got " + cidLength);
    }
    if (maxUdpPayloadSize < 1200 || maxUdpPayloadSize > 65527) {
      throw new IllegalArgumentException(
          "max UDP payload must be 1200..65527, got " + maxUdpPayloadSize);
    }
  }

  /**
   * The Retry token key shared by every node behind one load balancer, so a token minted by one
   * validates on another (RFC 9000 §8.1.3); {@code null}: a random key made at start. A copy.
   */
  public byte[] retryTokenKey() {
    return retryTokenKey == null ? null : retryTokenKey.clone();
  }

  /** A builder holding the ZTNA-V1 defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Mutable builder; every setter returns {@code this}. */
  public static final class Builder {
    private List<InetSocketAddress> listen = List.of(new InetSocketAddress("0.0.0.0", 4433));
    private Path certFile = Path.of("certs", "cert.pem");
    private Path keyFile = Path.of("certs", "key.pem");
    private RetryMode retryMode = RetryMode.ALWAYS;
    private IdleKind idleKind = IdleKind.BUSY_SPIN;
    private Duration tokenLifetime = Duration.ofSeconds(10);
    private long idleTimeoutMs = 30_000;
    private int maxUdpPayloadSize = 1350;
    private int maxDatagramFrameSize = 65535;
    private int cidLength = 8;
    private long initialMaxData = 10_000_000;
    private long initialMaxStreamData = 1_000_000;
    private long initialMaxStreamsBidi = 100;
    private long initialMaxStreamsUni = 100;
    private int maxDatagramQueue = 1024;
    private Duration drainTimeout = Duration.ofSeconds(3);
    private Duration statsInterval = Duration.ofSeconds(60);
    private IoMode io = IoMode.NIO;
    private Limits limits = Limits.DEFAULTS;
    private int loopCpu = -1;
    private Path keyLogFile;
    private Path qlogDir;
    private double qlogSample = 1.0;
    private ClientAuth clientAuth;
    private Path countersFile;
    private InetSocketAddress adminListen;
    private Duration healthStale = Duration.ofSeconds(1);
    private ConnectionIdScheme connectionIds;
    private byte[] retryTokenKey;

    private Builder() {}

    public Builder listen(List<InetSocketAddress> v) {
      listen = v;
      return this;
    }

    public Builder certFile(Path v) {
      certFile = v;
      return this;
    }

    public Builder keyFile(Path v) {
      keyFile = v;
      return this;
    }

    public Builder retryMode(RetryMode v) {
      retryMode = v;
      return this;
    }

    public Builder idleKind(IdleKind v) {
      idleKind = v;
      return this;
    }

    public Builder tokenLifetime(Duration v) {
      tokenLifetime = v;
      return this;
    }

    public Builder idleTimeoutMs(long v) {
      idleTimeoutMs = v;
      return this;
    }

    public Builder maxUdpPayloadSize(int v) {
      maxUdpPayloadSize = v;
      return this;
    }

    public Builder maxDatagramFrameSize(int v) {
      maxDatagramFrameSize = v;
      return this;
    }

    public Builder cidLength(int v) {
      cidLength = v;
      return this;
    }

    public Builder initialMaxData(long v) {
      initialMaxData = v;
      return this;
    }

    public Builder initialMaxStreamData(long v) {
      initialMaxStreamData = v;
      return this;
    }

    public Builder initialMaxStreamsBidi(long v) {
      initialMaxStreamsBidi = v;
      return this;
    }

    public Builder initialMaxStreamsUni(long v) {
      initialMaxStreamsUni = v;
      return this;
    }

    public Builder maxDatagramQueue(int v) {
      maxDatagramQueue = v;
      return this;
    }

    public Builder drainTimeout(Duration v) {
      drainTimeout = v;
      return this;
    }

    public Builder statsInterval(Duration v) {
      statsInterval = v;
      return this;
    }

    public Builder io(IoMode v) {
      io = v;
      return this;
    }

    public Builder limits(Limits v) {
      limits = v;
      return this;
    }

    public Builder loopCpu(int v) {
      loopCpu = v;
      return this;
    }

    /** Appends TLS secrets to this NSS key log file (null: off). */
    public Builder keyLogFile(Path v) {
      keyLogFile = v;
      return this;
    }

    /** Writes one qlog file per (sampled) connection into this directory (null: off). */
    public Builder qlogDir(Path v) {
      qlogDir = v;
      return this;
    }

    /** Fraction of connections traced when {@link #qlogDir} is set, 0..1. */
    public Builder qlogSample(double v) {
      qlogSample = v;
      return this;
    }

    /** Client authentication, or {@code null} for none. */
    public Builder clientAuth(ClientAuth v) {
      clientAuth = v;
      return this;
    }

    public Builder countersFile(Path v) {
      countersFile = v;
      return this;
    }

    public Builder adminListen(InetSocketAddress v) {
      adminListen = v;
      return this;
    }

    public Builder healthStale(Duration v) {
      healthStale = v;
      return this;
    }

    /** How CIDs are minted (null: random); its length must equal {@link #cidLength(int)}. */
    public Builder connectionIds(ConnectionIdScheme v) {
      connectionIds = v;
      return this;
    }

    /** The shared Retry token key, at least 32 bytes (null: random per process). */
    public Builder retryTokenKey(byte[] v) {
      retryTokenKey = v == null ? null : v.clone();
      return this;
    }

    public ServerConfig build() {
      return new ServerConfig(this);
    }
  }
}
