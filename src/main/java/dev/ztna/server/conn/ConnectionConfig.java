package dev.ztna.server.conn;

import dev.ztna.server.tls.KeyLogSink;
import dev.ztna.server.tls.TlsServerConfig;
import java.security.SecureRandom;

/**
 * Immutable settings shared by every {@link QuicConnection} of a server (ZTNA-V1 §1 transport
 * profile). Build with {@link #builder(TlsServerConfig, ConnectionIdGenerator,
 * StatelessResetTokens)}.
 */
public final class ConnectionConfig {
  /** Our max_idle_timeout in milliseconds (0 disables it). */
  public final long idleTimeoutMs;

  /** Our max_udp_payload_size; also the largest UDP payload we ever send (>= 1200). */
  public final int maxUdpPayloadSize;

  /** Our max_datagram_frame_size (0: DATAGRAM frames not supported). */
  public final int maxDatagramFrameSize;

  public final long initialMaxData;

  /** initial_max_stream_data_bidi_local, _bidi_remote and _uni. */
  public final long initialMaxStreamData;

  public final long initialMaxStreamsBidi;
  public final long initialMaxStreamsUni;

  /** Our active_connection_id_limit (peer CIDs stored) and the cap of CIDs we issue (>= 2). */
  public final int activeConnectionIdLimit;

  /** Capacity of the per-connection DATAGRAM send queue. */
  public final int maxDatagramQueue;

  /**
   * Offer the QUIC address-discovery extension (draft-ietf-quic-address-discovery, transport
   * parameter 0x9f81a176 with value 0: "willing to provide"): peers that ask for observations get
   * OBSERVED_ADDRESS frames.
   */
  public final boolean addressDiscovery;

  /**
   * Maximum outstanding sent packets tracked per packet number space (power of two): the cap on
   * packets in flight. The bookkeeping starts at 32 records and doubles on demand up to this.
   */
  public final int sentPacketCapacity;

  public final TlsServerConfig tls;
  public final ConnectionIdGenerator cids;
  public final StatelessResetTokens resetTokens;

  /**
   * Randomness for the TLS handshake (server random, key shares) and PATH_CHALLENGE data; null
   * means a process-wide {@link SecureRandom}. Set only by tests and fuzz harnesses, to make a run
   * reproducible from its seed.
   */
  public final SecureRandom random;

  /** AEAD limit overrides for tests (RFC 9001 §6.6); 0 means the cipher suite's own limit. */
  final long aeadConfidentialityLimit;

  final long aeadIntegrityLimit;

  /** Where TLS secrets go for an SSLKEYLOGFILE (default: nowhere). */
  public final KeyLogSink keyLog;

  /** Chooses and opens a qlog trace per connection (default: none). */
  public final QlogSink.Factory qlog;

  private ConnectionConfig(Builder b) {
    this.idleTimeoutMs = b.idleTimeoutMs;
    this.maxUdpPayloadSize = b.maxUdpPayloadSize;
    this.maxDatagramFrameSize = b.maxDatagramFrameSize;
    this.initialMaxData = b.initialMaxData;
    this.initialMaxStreamData = b.initialMaxStreamData;
    this.initialMaxStreamsBidi = b.initialMaxStreamsBidi;
    this.initialMaxStreamsUni = b.initialMaxStreamsUni;
    this.activeConnectionIdLimit = b.activeConnectionIdLimit;
    this.maxDatagramQueue = b.maxDatagramQueue;
    this.addressDiscovery = b.addressDiscovery;
    this.sentPacketCapacity = b.sentPacketCapacity;
    this.tls = b.tls;
    this.cids = b.cids;
    this.resetTokens = b.resetTokens;
    this.random = b.random;
    this.aeadConfidentialityLimit = b.aeadConfidentialityLimit;
    this.aeadIntegrityLimit = b.aeadIntegrityLimit;
    this.keyLog = b.keyLog;
    this.qlog = b.qlog;
  }

  public static Builder builder(
      TlsServerConfig tls, ConnectionIdGenerator cids, StatelessResetTokens resetTokens) {
    return new Builder(tls, cids, resetTokens);
  }

  /** Builder with the ZTNA-V1 §1 defaults. */
  public static final class Builder {
    private long idleTimeoutMs = 30_000;
    private int maxUdpPayloadSize = 1350;
    private int maxDatagramFrameSize = 65535;
    private long initialMaxData = 10_000_000;
    private long initialMaxStreamData = 1_000_000;
    private long initialMaxStreamsBidi = 100;
    private long initialMaxStreamsUni = 100;
    private int activeConnectionIdLimit = 4;
    private int maxDatagramQueue = 64;
    private boolean addressDiscovery = true;
    private int sentPacketCapacity = 2048;
    private final TlsServerConfig tls;
    private final ConnectionIdGenerator cids;
    private final StatelessResetTokens resetTokens;
    private SecureRandom random;
    private long aeadConfidentialityLimit;
    private long aeadIntegrityLimit;
    private KeyLogSink keyLog = KeyLogSink.NONE;
    private QlogSink.Factory qlog = QlogSink.Factory.NONE;

    private Builder(
        TlsServerConfig tls, ConnectionIdGenerator cids, StatelessResetTokens resetTokens) {
      if (tls == null || cids == null || resetTokens == null) {
        throw new IllegalArgumentException("tls, cids and resetTokens are required");
      }
      this.tls = tls;
      this.cids = cids;
      this.resetTokens = resetTokens;
    }

    public Builder idleTimeoutMs(long v) {
      if (v < 0) {
        throw new IllegalArgumentException("idle timeout " + v);
      }
      idleTimeoutMs = v;
      return this;
    }

    public Builder maxUdpPayloadSize(int v) {
      if (v < 1200 || v > 65527) {
        throw new IllegalArgumentException("max_udp_payload_size " + v);
      }
      maxUdpPayloadSize = v;
      return this;
    }

    public Builder maxDatagramFrameSize(int v) {
      if (v < 0 || v > 65535) {
        throw new IllegalArgumentException("max_datagram_frame_size " + v);
      }
      maxDatagramFrameSize = v;
      return this;
    }

    public Builder initialMaxData(long v) {
      initialMaxData = checkVarint(v);
      return this;
    }

    public Builder initialMaxStreamData(long v) {
      initialMaxStreamData = checkVarint(v);
      return this;
    }

    public Builder initialMaxStreamsBidi(long v) {
      initialMaxStreamsBidi = checkStreams(v);
      return this;
    }

    public Builder initialMaxStreamsUni(long v) {
      initialMaxStreamsUni = checkStreams(v);
      return this;
    }

    public Builder activeConnectionIdLimit(int v) {
      if (v < 2 || v > 16) {
        throw new IllegalArgumentException("active_connection_id_limit " + v);
      }
      activeConnectionIdLimit = v;
      return this;
    }

    public Builder addressDiscovery(boolean v) {
      addressDiscovery = v;
      return this;
    }

    public Builder maxDatagramQueue(int v) {
      if (v < 1 || v > 65536) {
        throw new IllegalArgumentException("datagram queue " + v);
      }
      maxDatagramQueue = v;
      return this;
    }

    public Builder sentPacketCapacity(int v) {
      if (v < 16 || Integer.bitCount(v) != 1) {
        throw new IllegalArgumentException("sent packet capacity must be a power of two >= 16");
      }
      sentPacketCapacity = v;
      return this;
    }

    /**
     * The randomness of the TLS handshake and of PATH_CHALLENGE data (default: a process-wide
     * {@link SecureRandom}). Only tests and fuzz harnesses set it, with a seeded generator.
     */
    public Builder random(SecureRandom v) {
      random = v;
      return this;
    }

    /**
     * Test seam: AEAD limits smaller than the cipher suite's (RFC 9001 §6.6), so that a test
     * reaches them in a few packets; 0 keeps the suite's limit.
     */
    Builder aeadLimits(long confidentiality, long integrity) {
      if (confidentiality < 0 || integrity < 0) {
        throw new IllegalArgumentException("AEAD limits");
      }
      aeadConfidentialityLimit = confidentiality;
      aeadIntegrityLimit = integrity;
      return this;
    }

    public Builder keyLog(KeyLogSink v) {
      if (v == null) {
        throw new IllegalArgumentException("keyLog");
      }
      keyLog = v;
      return this;
    }

    public Builder qlog(QlogSink.Factory v) {
      if (v == null) {
        throw new IllegalArgumentException("qlog");
      }
      qlog = v;
      return this;
    }

    public ConnectionConfig build() {
      return new ConnectionConfig(this);
    }

    private static long checkVarint(long v) {
      if (v < 0 || v > (1L << 62) - 1) {
        throw new IllegalArgumentException("value " + v);
      }
      return v;
    }

    private static long checkStreams(long v) {
      if (v < 0 || v > 65536) {
        throw new IllegalArgumentException("stream limit " + v);
      }
      return v;
    }
  }
}
