package dev.ztna.server.cluster.fabric;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How one node joins the fabric: its id, every node's Aeron endpoint (the list is the same on all
 * nodes; a node's id is its index), the address its subscription binds (by default its own entry),
 * the media driver's directory, threading mode, idle strategy and term length. Immutable; build
 * with {@link #builder(int, List)}.
 */
public final class FabricConfig {
  /** The media driver's threading mode (Aeron's {@code ThreadingMode}). */
  public enum Threading {
    /** One thread runs the driver's conductor, sender and receiver (the default). */
    SHARED,
    /** Three threads: conductor, sender and receiver (lower latency, three busy threads). */
    DEDICATED
  }

  /** How the driver's threads wait when idle. */
  public enum Idle {
    /** Spin, yield, then park up to 1 ms: no core burnt while idle (the default). */
    BACKOFF,
    /** Spin: lowest latency, a core at 100 % per driver thread. */
    BUSY_SPIN
  }

  /** The smallest Aeron term length (64 KiB). */
  public static final int MIN_TERM_LENGTH = 64 * 1024;

  /** The largest Aeron term length (1 GiB). */
  public static final int MAX_TERM_LENGTH = 1024 * 1024 * 1024;

  /** The default term length: 4 MiB, 12 MiB of log per peer publication (sparse files). */
  public static final int DEFAULT_TERM_LENGTH = 4 * 1024 * 1024;

  /** The Aeron stream id of relayed datagrams. */
  public static final int STREAM_ID = 0x2a7a;

  public final int nodeId;
  public final List<InetSocketAddress> nodes;
  public final InetSocketAddress listen;
  public final Path aeronDir;
  public final Threading threading;
  public final Idle idle;
  public final int termLength;

  /** Aeron's frame MTU for the publications: large enough for the largest relayed datagram. */
  public final int mtu;

  private FabricConfig(Builder b) {
    if (b.nodes.isEmpty()) {
      throw new IllegalArgumentException("the fabric needs at least one node");
    }
    if (b.nodeId < 0 || b.nodeId >= b.nodes.size() || b.nodeId > FabricHeader.MAX_NODE) {
      throw new IllegalArgumentException(
          "node id " + b.nodeId + " is not an index into the " + b.nodes.size() + " nodes");
    }
    if (b.termLength < MIN_TERM_LENGTH
        || b.termLength > MAX_TERM_LENGTH
        || Integer.bitCount(b.termLength) != 1) {
      throw new IllegalArgumentException(
          "term length must be a power of two from 64 KiB to 1 GiB, not " + b.termLength);
    }
    this.nodeId = b.nodeId;
    this.nodes = List.copyOf(b.nodes);
    this.listen = b.listen != null ? b.listen : nodes.get(nodeId);
    this.aeronDir = Objects.requireNonNull(b.aeronDir, "aeronDir");
    this.threading = b.threading;
    this.idle = b.idle;
    this.termLength = b.termLength;
    this.mtu = mtuFor(b.maxDatagram);
  }

  /**
   * The Aeron MTU that fits one message of a {@code maxDatagram}-byte datagram (the header and
   * Aeron's 32-byte frame header included): Aeron's default 1408 or more, a multiple of 32 (its
   * frame alignment), at most its 64 KiB limit. The default (max_udp_payload 1350) gives 1408,
   * which stays below a 1500-byte Ethernet MTU when Aeron batches frames. An Agent's datagram
   * travels with its service id, so one within that many bytes of the limit is dropped ({@code
   * drop_fabric_too_big}); the QUIC overhead inside max_udp_payload (at least 25 bytes) leaves room
   * for short ids.
   */
  public static int mtuFor(int maxDatagram) {
    int needed = maxDatagram + FabricHeader.LENGTH + 32;
    int aligned = (needed + 31) & ~31;
    return Math.min(65504, Math.max(1408, aligned));
  }

  /** The Aeron directory for node {@code nodeId} by default: beside Aeron's own default. */
  public static Path defaultAeronDir(int nodeId) {
    return Path.of(io.aeron.CommonContext.getAeronDirectoryName() + "-ztna-node-" + nodeId);
  }

  /** Starts a configuration for node {@code nodeId} of {@code nodes}. */
  public static Builder builder(int nodeId, List<InetSocketAddress> nodes) {
    return new Builder(nodeId, nodes);
  }

  @Override
  public String toString() {
    return "node "
        + nodeId
        + " of "
        + nodes
        + " (listen "
        + listen
        + ", aeron dir "
        + aeronDir
        + ", "
        + threading
        + ", "
        + idle
        + ", term length "
        + termLength
        + ", mtu "
        + mtu
        + ")";
  }

  /** Builder; defaults: listen on the node's own entry, SHARED, BACKOFF, 4 MiB terms. */
  public static final class Builder {
    private final int nodeId;
    private final List<InetSocketAddress> nodes;
    private InetSocketAddress listen;
    private Path aeronDir;
    private Threading threading = Threading.SHARED;
    private Idle idle = Idle.BACKOFF;
    private int termLength = DEFAULT_TERM_LENGTH;
    private int maxDatagram = 1350;

    private Builder(int nodeId, List<InetSocketAddress> nodes) {
      this.nodeId = nodeId;
      this.nodes = List.copyOf(nodes);
      this.aeronDir = defaultAeronDir(nodeId);
    }

    /** The address the subscription binds (null: the node's own entry in the list). */
    public Builder listen(InetSocketAddress address) {
      this.listen = address;
      return this;
    }

    public Builder aeronDir(Path dir) {
      this.aeronDir = dir;
      return this;
    }

    public Builder threading(Threading mode) {
      this.threading = Objects.requireNonNull(mode);
      return this;
    }

    public Builder idle(Idle kind) {
      this.idle = Objects.requireNonNull(kind);
      return this;
    }

    public Builder termLength(int bytes) {
      this.termLength = bytes;
      return this;
    }

    /** The largest datagram relayed (the server's max_udp_payload), for the Aeron MTU. */
    public Builder maxDatagram(int bytes) {
      this.maxDatagram = bytes;
      return this;
    }

    /**
     * @throws IllegalArgumentException on an invalid node id or term length
     */
    public FabricConfig build() {
      return new FabricConfig(this);
    }
  }
}
