package dev.ztna.server.loop;

import dev.ztna.server.conn.ConnectionIdGenerator;
import dev.ztna.server.crypto.RetryIntegrity;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.wire.PacketHeaderFlyweight;
import dev.ztna.server.wire.RetryPacket;
import dev.ztna.server.wire.VersionNegotiation;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.DeadlineTimerWheel;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The duty cycle: each {@link #doWork()} drains up to {@link #RECEIVE_BATCH} datagrams from every
 * endpoint, routes each one by destination connection ID or answers it statelessly, then advances
 * the timer wheel. Everything happens on the one thread that runs the agent; steady-state operation
 * allocates nothing (proven by {@code ServerAgentAllocationTest}).
 *
 * <p>Datagrams are received into one direct buffer (so the kernel copies straight into native
 * memory) and then copied once into a heap working array: the codecs read it through an {@link
 * UnsafeBuffer} and packet protection (which needs {@code byte[]} for the JDK's AES-GCM intrinsics)
 * works on it in place. A heap {@code ByteBuffer} given to the channel would be copied through a
 * temporary direct buffer by the JDK anyway, so this is the same single copy, made explicit.
 */
public final class ServerAgent implements Agent, DeadlineTimerWheel.TimerHandler {
  /**
   * Datagrams read from one endpoint per duty cycle before moving on (fairness between sockets).
   */
  public static final int RECEIVE_BATCH = 64;

  /** QUIC v1 (RFC 9000). */
  public static final int QUIC_V1 = 0x00000001;

  /** RFC 9000 §14.1: the smallest datagram that may carry a client's Initial. */
  public static final int MIN_INITIAL_DATAGRAM = 1200;

  /** RFC 9000 §7.2: a client's first Initial uses a DCID of at least 8 bytes. */
  public static final int MIN_CLIENT_ODCID = 8;

  private static final Logger LOG = LoggerFactory.getLogger(ServerAgent.class);
  private static final int MAX_DATAGRAM = 65_536;
  private static final long STATS_INTERVAL_NS = TimeUnit.SECONDS.toNanos(30);

  /** Versions offered in Version Negotiation: v1 plus a reserved one (RFC 9000 §6.3, §15). */
  private final int[] supportedVersions = {QUIC_V1, 0x1a2a3a4a};

  private final ServerConfig config;
  private final UdpEndpoint[] endpoints;
  private final ServerCounters counters;
  private final RetryTokens tokens;
  private final ConnectionIdGenerator cids;
  private final EpochClock epochClock;
  private final NanoClock nanoClock;
  private final DeadlineTimerWheel timers;
  private final ConnectionTable<ConnectionTable.Entry> connections = new ConnectionTable<>();
  private final RetryIntegrity retryIntegrity = new RetryIntegrity();
  private final PacketHeaderFlyweight header = new PacketHeaderFlyweight();
  private final PeerAddress peer = new PeerAddress();

  private final ByteBuffer rxDirect = ByteBuffer.allocateDirect(MAX_DATAGRAM);
  private final byte[] rx = new byte[MAX_DATAGRAM];
  private final UnsafeBuffer rxView = new UnsafeBuffer(rx);
  private final ByteBuffer txDirect = ByteBuffer.allocateDirect(MAX_DATAGRAM);
  private final byte[] tx = new byte[MAX_DATAGRAM];
  private final UnsafeBuffer txView = new UnsafeBuffer(tx);
  private final byte[] newCid = new byte[20];
  private final UnsafeBuffer newCidView = new UnsafeBuffer(newCid);
  private final byte[] token = new byte[RetryTokens.MAX_LENGTH];
  private final UnsafeBuffer tokenView = new UnsafeBuffer(token);

  private long statsTimerId;
  private int unusedBits = 0x5a;

  /**
   * @param endpoints the bound sockets, owned (and closed) by this agent from now on
   */
  public ServerAgent(
      ServerConfig config,
      List<UdpEndpoint> endpoints,
      ServerCounters counters,
      RetryTokens tokens,
      ConnectionIdGenerator cids,
      EpochClock epochClock,
      NanoClock nanoClock) {
    this.config = config;
    this.endpoints = endpoints.toArray(new UdpEndpoint[0]);
    this.counters = counters;
    this.tokens = tokens;
    this.cids = cids;
    this.epochClock = epochClock;
    this.nanoClock = nanoClock;
    this.timers = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, nanoClock.nanoTime(), 1 << 20, 1024);
  }

  @Override
  public String roleName() {
    return "ztna-server";
  }

  @Override
  public void onStart() {
    statsTimerId = timers.scheduleTimer(nanoClock.nanoTime() + STATS_INTERVAL_NS);
  }

  @Override
  public int doWork() {
    int work = 0;
    for (UdpEndpoint endpoint : endpoints) {
      work += receive(endpoint);
    }
    if (timers.timerCount() > 0) {
      work += timers.poll(nanoClock.nanoTime(), this, 64);
    }
    return work;
  }

  private int receive(UdpEndpoint endpoint) {
    int count = 0;
    while (count < RECEIVE_BATCH) {
      SocketAddress from;
      rxDirect.clear();
      try {
        from = endpoint.channel().receive(rxDirect);
      } catch (IOException e) {
        counters.increment(Counter.RECEIVE_ERRORS);
        LOG.debug("receive failed on {}", endpoint, e);
        break;
      }
      if (from == null) {
        break;
      }
      int len = rxDirect.position();
      rxDirect.flip();
      rxDirect.get(rx, 0, len);
      onDatagram(endpoint, (InetSocketAddress) from, len);
      count++;
    }
    return count;
  }

  /**
   * Handles one datagram already copied into the working buffer. Package-private: the fuzz harness
   * and the allocation test drive it directly.
   */
  void onDatagram(UdpEndpoint endpoint, InetSocketAddress from, int len) {
    counters.increment(Counter.DATAGRAMS_RECEIVED);
    counters.add(Counter.BYTES_RECEIVED, len);
    if (header.wrap(rxView, 0, len, cids.length()) != PacketHeaderFlyweight.OK) {
      counters.increment(Counter.DROP_MALFORMED_HEADER);
      return;
    }
    switch (header.packetType()) {
      case PacketHeaderFlyweight.TYPE_INITIAL:
        onInitial(endpoint, from, len);
        break;
      case PacketHeaderFlyweight.TYPE_UNKNOWN_VERSION:
        onUnknownVersion(endpoint, from, len);
        break;
      case PacketHeaderFlyweight.TYPE_VERSION_NEGOTIATION:
        // RFC 9000 §6.1: only clients act on Version Negotiation.
        counters.increment(Counter.DROP_VERSION_NEGOTIATION);
        break;
      default:
        // Handshake, 0-RTT, Retry (never valid from a client) and short headers: route by DCID.
        routeToConnection();
        break;
    }
  }

  private void routeToConnection() {
    if (connections.get(rx, header.dcidOffset(), header.dcidLength()) == null) {
      counters.increment(Counter.DROP_UNKNOWN_CONNECTION);
    }
  }

  private void onUnknownVersion(UdpEndpoint endpoint, InetSocketAddress from, int len) {
    // RFC 9000 §6.1 / §14.1: never answer a datagram that could not have carried a full Initial.
    if (len < MIN_INITIAL_DATAGRAM) {
      counters.increment(Counter.DROP_UNKNOWN_VERSION_TOO_SMALL);
      return;
    }
    // The VN packet echoes the client's CIDs swapped (RFC 9000 §17.2.1).
    int n =
        VersionNegotiation.write(
            txView,
            0,
            nextUnusedBits(),
            rxView,
            header.scidOffset(),
            header.scidLength(),
            rxView,
            header.dcidOffset(),
            header.dcidLength(),
            supportedVersions,
            supportedVersions.length);
    if (send(endpoint, from, n)) {
      counters.increment(Counter.VERSION_NEGOTIATION_SENT);
    }
  }

  private void onInitial(UdpEndpoint endpoint, InetSocketAddress from, int len) {
    if (connections.get(rx, header.dcidOffset(), header.dcidLength()) != null) {
      return; // a retransmitted Initial of a known connection: the connection layer's business
    }
    if (len < MIN_INITIAL_DATAGRAM) {
      counters.increment(Counter.DROP_INITIAL_TOO_SMALL);
      return;
    }
    peer.update(from);
    if (header.tokenLength() == 0) {
      if (header.dcidLength() < MIN_CLIENT_ODCID) {
        counters.increment(Counter.DROP_INITIAL_DCID_TOO_SHORT);
        return;
      }
      if (config.retryMode == ServerConfig.RetryMode.ALWAYS) {
        sendRetry(endpoint, from);
      } else {
        counters.increment(Counter.DROP_NO_CONNECTION_LAYER);
      }
      return;
    }
    int result =
        tokens.validate(
            rx,
            header.tokenOffset(),
            header.tokenLength(),
            peer.ip(),
            peer.ipLength(),
            peer.port(),
            epochClock.time());
    switch (result) {
      case RetryTokens.VALID:
        counters.increment(Counter.TOKEN_VALID);
        // The original DCID (tokens.odcidOffset/odcidLength in rx) and the Retry SCID (this
        // Initial's DCID) are
        // what the handshake needs for its transport parameters; connections arrive with the
        // connection layer.
        counters.increment(Counter.DROP_NO_CONNECTION_LAYER);
        break;
      case RetryTokens.ERR_EXPIRED:
        counters.increment(Counter.DROP_TOKEN_EXPIRED);
        break;
      case RetryTokens.ERR_INVALID:
        counters.increment(Counter.DROP_TOKEN_INVALID);
        break;
      default:
        counters.increment(Counter.DROP_TOKEN_MALFORMED);
        break;
    }
  }

  private void sendRetry(UdpEndpoint endpoint, InetSocketAddress from) {
    cids.next(newCid, 0);
    int tokenLen =
        tokens.mint(
            peer.ip(),
            peer.ipLength(),
            peer.port(),
            rx,
            header.dcidOffset(),
            header.dcidLength(),
            epochClock.time(),
            token,
            0);
    // RFC 9000 §17.2.5: DCID = the client's SCID, SCID = a fresh server CID, then the token and the
    // tag.
    int n =
        RetryPacket.writeWithoutTag(
            txView,
            0,
            nextUnusedBits(),
            QUIC_V1,
            rxView,
            header.scidOffset(),
            header.scidLength(),
            newCidView,
            0,
            cids.length(),
            tokenView,
            0,
            tokenLen);
    retryIntegrity.computeTag(rx, header.dcidOffset(), header.dcidLength(), tx, 0, n, tx, n);
    if (send(endpoint, from, n + 16)) {
      counters.increment(Counter.RETRY_SENT);
    }
  }

  private int nextUnusedBits() {
    // Unused bits are arbitrary (RFC 9000 §17.2.1); vary them so nobody comes to depend on a value.
    unusedBits = unusedBits * 1103515245 + 12345;
    return unusedBits >>> 16;
  }

  private boolean send(UdpEndpoint endpoint, InetSocketAddress to, int len) {
    txDirect.clear();
    txDirect.put(tx, 0, len);
    txDirect.flip();
    try {
      if (endpoint.channel().send(txDirect, to) == 0) {
        counters.increment(Counter.DROP_SEND_BUFFER_FULL);
        return false;
      }
    } catch (IOException e) {
      counters.increment(Counter.DROP_SEND_ERROR);
      LOG.debug("send to {} failed", to, e);
      return false;
    }
    counters.increment(Counter.DATAGRAMS_SENT);
    counters.add(Counter.BYTES_SENT, len);
    return true;
  }

  @Override
  public boolean onTimerExpiry(TimeUnit timeUnit, long now, long timerId) {
    if (timerId == statsTimerId) {
      if (LOG.isDebugEnabled()) {
        LOG.debug("counters: {}", counters);
      }
      statsTimerId = timers.scheduleTimer(now + STATS_INTERVAL_NS);
    }
    return true;
  }

  @Override
  public void onClose() {
    for (UdpEndpoint endpoint : endpoints) {
      try {
        endpoint.close();
      } catch (IOException e) {
        LOG.warn("closing {} failed", endpoint, e);
      }
    }
    LOG.info("server loop stopped; counters: {}", counters);
  }

  /**
   * The working receive array; the fuzz harness and tests write a datagram here before {@link
   * #onDatagram}.
   */
  byte[] receiveBuffer() {
    return rx;
  }

  /** The connection table (empty until the connection layer exists). */
  ConnectionTable<ConnectionTable.Entry> connections() {
    return connections;
  }
}
