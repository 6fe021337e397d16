package dev.ztna.server.loop;

import static dev.ztna.server.wire.PacketHeaderFlyweight.MIN_INITIAL_DATAGRAM;

import dev.ztna.server.conn.ConnectionConfig;
import dev.ztna.server.conn.ConnectionIdGenerator;
import dev.ztna.server.conn.QuicConnection;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.wire.PacketHeaderFlyweight;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The duty cycle: each {@link #doWork()} drains up to {@link #RECEIVE_BATCH} datagrams from every
 * endpoint, routes each one by destination connection ID to its connection or answers it
 * statelessly (Version Negotiation, Retry, stateless reset), fires due connection timers from the
 * {@link ConnectionTimers} wheel, and finally flushes every connection that has something to send.
 * Everything happens on the one thread that runs the agent; steady-state operation allocates
 * nothing (proven by {@code ServerAgentAllocationTest}). A datagram the application sends from a
 * receive callback leaves in the same iteration.
 *
 * <p>The socket I/O is a {@link DatagramIo} ({@code --io}): it copies each received datagram once
 * into the heap working array, where the codecs read it through an {@link UnsafeBuffer} and packet
 * protection (which needs {@code byte[]} for the JDK's AES-GCM intrinsics) decrypts it in place.
 */
public final class ServerAgent implements Agent, ConnectionTimers.Expiry {
  /**
   * Datagrams read from one endpoint per duty cycle before moving on (fairness between sockets).
   */
  public static final int RECEIVE_BATCH = 64;

  /** RFC 9000 §7.2: a client's first Initial uses a DCID of at least 8 bytes. */
  public static final int MIN_CLIENT_ODCID = 8;

  /**
   * RFC 9000 §10.3: a stateless reset is at least 21 bytes (5 unpredictable + the 16-byte token).
   */
  public static final int MIN_STATELESS_RESET = 21;

  /** Stateless resets are kept small: they only need to look like a short-header packet. */
  public static final int MAX_STATELESS_RESET = 64;

  /**
   * Stateless resets allowed per millisecond of elapsed time (a token bucket), bounding reflection.
   */
  public static final int STATELESS_RESETS_PER_MS = 2;

  private static final Logger LOG = LoggerFactory.getLogger(ServerAgent.class);
  private static final int MAX_DATAGRAM = 65_536;
  private static final int MAX_DATAGRAMS_PER_FLUSH = 256;
  private static final long STATS_INTERVAL_NS = TimeUnit.SECONDS.toNanos(30);

  private final ServerConfig config;
  private final UdpEndpoint[] endpoints;
  private final ServerCounters counters;
  private final RetryTokens tokens;
  private final ConnectionConfig connectionConfig;
  private final ConnectionIdGenerator cids;
  private final Application application;
  private final EpochClock epochClock;
  private final NanoClock nanoClock;
  private final ConnectionTimers timers;
  private final LoopMetrics metrics;
  private boolean deliveringDatagram;
  private final ConnectionTable<ServerConnection> connections = new ConnectionTable<>();
  private ServerConnection[] live = new ServerConnection[64];
  private int liveCount;
  private final PacketHeaderFlyweight header = new PacketHeaderFlyweight();
  private final PeerAddress peer = new PeerAddress();
  private final AdmissionControl admission;
  private final ClientAuthEvents authEvents;
  private final DeferredInitials deferred = new DeferredInitials(512, 1500);
  private final StatelessResponses stateless;

  private final byte[] rx = new byte[MAX_DATAGRAM];
  private final UnsafeBuffer rxView = new UnsafeBuffer(rx);
  private final byte[] tx = new byte[MAX_DATAGRAM];
  private final UnsafeBuffer txView = new UnsafeBuffer(tx);
  private final byte[] odcid = new byte[20];

  private final DatagramIo io;
  private final DatagramIo.Receiver onReceived = this::onReceived;

  private ServerConnection[] dirty = new ServerConnection[64];
  private int dirtyCount;
  private long nextConnectionId;
  private long now;
  private long lastFailureLogNanos = Long.MIN_VALUE / 2;
  private volatile boolean shutdownRequested;
  private boolean shuttingDown;

  /**
   * @param endpoints the bound NIO sockets, owned (and closed) by this agent from now on; {@code
   *     config.io} {@code nio-connected} adds per-connection sockets, anything else is plain {@code
   *     nio}
   */
  public ServerAgent(
      ServerConfig config,
      List<UdpEndpoint> endpoints,
      ServerCounters counters,
      RetryTokens tokens,
      ConnectionConfig connectionConfig,
      Application application,
      EpochClock epochClock,
      NanoClock nanoClock) {
    this(
        config,
        endpoints,
        counters,
        tokens,
        connectionConfig,
        application,
        epochClock,
        nanoClock,
        null);
  }

  /**
   * As the other constructor, and records the duty-cycle and relay-latency histograms into {@code
   * metrics} (null: not recorded, and no clock is read for them).
   */
  public ServerAgent(
      ServerConfig config,
      List<UdpEndpoint> endpoints,
      ServerCounters counters,
      RetryTokens tokens,
      ConnectionConfig connectionConfig,
      Application application,
      EpochClock epochClock,
      NanoClock nanoClock,
      LoopMetrics metrics) {
    this(
        config,
        new NioDatagramIo(endpoints, counters, config.io == ServerConfig.IoMode.NIO_CONNECTED),
        counters,
        tokens,
        connectionConfig,
        application,
        epochClock,
        nanoClock,
        metrics);
  }

  /**
   * As the other constructors, with the socket I/O given ({@link DatagramIos#open}); the agent owns
   * (and closes) it from now on.
   */
  public ServerAgent(
      ServerConfig config,
      DatagramIo io,
      ServerCounters counters,
      RetryTokens tokens,
      ConnectionConfig connectionConfig,
      Application application,
      EpochClock epochClock,
      NanoClock nanoClock,
      LoopMetrics metrics) {
    this.metrics = metrics;
    this.config = config;
    this.io = io;
    this.endpoints = io.endpoints().toArray(new UdpEndpoint[0]);
    this.counters = counters;
    this.tokens = tokens;
    this.connectionConfig = connectionConfig;
    this.cids = connectionConfig.cids;
    this.application = application;
    this.epochClock = epochClock;
    this.nanoClock = nanoClock;
    this.now = nanoClock.nanoTime();
    this.authEvents = new ClientAuthEvents(counters, now);
    this.timers = new ConnectionTimers(now, STATS_INTERVAL_NS);
    this.admission = new AdmissionControl(config.limits, counters);
    this.stateless =
        new StatelessResponses(
            counters,
            cids,
            tokens,
            connectionConfig.resetTokens,
            connectionConfig.random != null ? connectionConfig.random : new SecureRandom(),
            header,
            rx,
            tx,
            now);
  }

  /** The socket I/O in use ({@code nio}, {@code nio-connected} or {@code batched}). */
  public String ioName() {
    return io.name();
  }

  @Override
  public String roleName() {
    return "ztna-server";
  }

  @Override
  public void onStart() {
    timers.start(nanoClock.nanoTime());
  }

  /**
   * Asks the loop (from any thread) to drain: every connection is closed with the application's
   * shutdown close ({@link Application#shutdownErrorCode()}) and new connections are refused.
   * {@link ZtnaServer#close()} waits for the connections to go.
   */
  public void requestShutdown() {
    shutdownRequested = true;
  }

  /**
   * Replaces the {@link Limits} (from any thread, e.g. a configuration reload): the loop applies
   * them at the start of its next duty cycle. Existing connections are never closed by lower
   * limits; the rates apply to their next DATAGRAM.
   */
  public void updateLimits(Limits limits) {
    admission.request(limits);
  }

  /** True once {@link #requestShutdown()} was called (from any thread). */
  public boolean isShutdownRequested() {
    return shutdownRequested;
  }

  private void beginShutdown() {
    shuttingDown = true;
    LOG.info("draining {} connections", liveCount);
    // The close code belongs to the application protocol, not to the loop.
    long code = application.shutdownErrorCode();
    String reason = application.shutdownReason();
    for (int i = liveCount - 1; i >= 0; i--) {
      ServerConnection sc = live[i];
      if (!sc.closed) {
        sc.close(code, reason);
      }
    }
  }

  @Override
  public int doWork() {
    // The heartbeat readers judge liveness by (ordered store, no allocation).
    counters.set(Counter.LOOP_HEARTBEAT, epochClock.time());
    long start = metrics != null ? nanoClock.nanoTime() : 0;
    int work = 0;
    admission.startIteration();
    if (shutdownRequested && !shuttingDown) {
      beginShutdown();
      work++;
    }
    work += replayDeferred();
    for (UdpEndpoint endpoint : endpoints) {
      work += io.receive(endpoint, rx, onReceived, RECEIVE_BATCH);
    }
    work += io.receiveConnected(rx, onReceived, RECEIVE_BATCH);
    now = nanoClock.nanoTime();
    work += timers.poll(now, this, 256);
    work += application.onDutyCycle(now);
    work += flush();
    io.flush();
    if (metrics != null && work > 0) {
      metrics.endIteration(start, nanoClock.nanoTime());
    }
    return work;
  }

  /**
   * Called by a connection whenever the application queued a DATAGRAM on it: one sent while the
   * application handles a received DATAGRAM is a relayed copy, whose read time is kept until the
   * end of this iteration's flush (see {@link LoopMetrics}).
   */
  void onApplicationDatagramQueued() {
    if (deliveringDatagram && metrics != null) {
      metrics.relayed(now);
    }
  }

  /** A datagram the I/O copied into {@link #rx}; false ends the batch (handshake budget). */
  private boolean onReceived(UdpEndpoint endpoint, InetSocketAddress from, int len) {
    onDatagram(endpoint, from, len);
    // issue 9 §3: bounded handshake work; the rest waits for the next iteration
    return !admission.handshakeBudgetSpent();
  }

  /**
   * Handles one datagram already copied into the working buffer. Package-private: the fuzz harness
   * and the allocation test drive it directly (and then call {@link #doWork()} to flush).
   */
  void onDatagram(UdpEndpoint endpoint, InetSocketAddress from, int len) {
    now = nanoClock.nanoTime();
    counters.increment(Counter.DATAGRAMS_RECEIVED);
    counters.add(Counter.BYTES_RECEIVED, len);
    handleDatagram(endpoint, from, len);
  }

  /** New-client Initials deferred by the last iteration's handshake budget, oldest first. */
  private int replayDeferred() {
    int n = 0;
    while (!deferred.isEmpty() && !admission.handshakeBudgetSpent()) {
      int len = deferred.peekInto(rx);
      UdpEndpoint endpoint = deferred.endpoint();
      InetSocketAddress from = deferred.from();
      deferred.remove();
      now = nanoClock.nanoTime();
      handleDatagram(endpoint, from, len);
      n++;
    }
    return n;
  }

  private void handleDatagram(UdpEndpoint endpoint, InetSocketAddress from, int len) {
    if (header.wrap(rxView, 0, len, cids.length()) != PacketHeaderFlyweight.OK) {
      counters.increment(Counter.DROP_MALFORMED_HEADER);
      return;
    }
    int type = header.packetType();
    if (type == PacketHeaderFlyweight.TYPE_UNKNOWN_VERSION) {
      onUnknownVersion(endpoint, from, len);
      return;
    }
    if (type == PacketHeaderFlyweight.TYPE_VERSION_NEGOTIATION) {
      // RFC 9000 §6.1: only clients act on Version Negotiation.
      counters.increment(Counter.DROP_VERSION_NEGOTIATION);
      return;
    }
    ServerConnection sc = connections.get(rx, header.dcidOffset(), header.dcidLength());
    if (sc != null) {
      if (type == PacketHeaderFlyweight.TYPE_INITIAL && len < MIN_INITIAL_DATAGRAM) {
        // RFC 9000 §14.1: a server MUST discard an Initial in a datagram under 1200 bytes, also
        // for a connection it already has.
        counters.increment(Counter.DROP_INITIAL_TOO_SMALL_FOR_CONNECTION);
        return;
      }
      try {
        sc.quic.onDatagram(rx, 0, len, header, from, now); // the header parsed above, used as is
        markDirty(sc);
      } catch (RuntimeException e) {
        abort(sc, e);
      }
      return;
    }
    if (type == PacketHeaderFlyweight.TYPE_INITIAL) {
      if (shuttingDown) {
        counters.increment(Counter.DROP_SHUTTING_DOWN);
        return;
      }
      onInitial(endpoint, from, len);
    } else if (type == PacketHeaderFlyweight.TYPE_SHORT) {
      sendStatelessReset(endpoint, from, len);
    } else {
      // Handshake or 0-RTT for no connection, or a Retry (never valid from a client).
      counters.increment(Counter.DROP_UNKNOWN_CONNECTION);
    }
  }

  private void onUnknownVersion(UdpEndpoint endpoint, InetSocketAddress from, int len) {
    int n = stateless.versionNegotiation(len);
    if (n > 0 && send(endpoint, from, n)) {
      counters.increment(Counter.VERSION_NEGOTIATION_SENT);
    }
  }

  private void onInitial(UdpEndpoint endpoint, InetSocketAddress from, int len) {
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
      if (retryFirst()) {
        sendRetry(endpoint, from);
      } else {
        System.arraycopy(rx, header.dcidOffset(), odcid, 0, header.dcidLength());
        admit(endpoint, from, len, header.dcidLength(), false);
      }
      return;
    }
    int result =
        tokens.validate(
            rx,
            header.tokenOffset(),
            header.tokenLength(),
            rx,
            header.dcidOffset(),
            header.dcidLength(),
            peer.ip(),
            peer.ipLength(),
            peer.port(),
            epochClock.time());
    switch (result) {
      case RetryTokens.VALID:
        counters.increment(Counter.TOKEN_VALID);
        System.arraycopy(rx, tokens.odcidOffset(), odcid, 0, tokens.odcidLength());
        admit(endpoint, from, len, tokens.odcidLength(), true);
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

  /**
   * A client without a token gets a Retry first (no state before address validation) with {@code
   * --retry always}, and with {@code under-load} while too many handshakes are half-open.
   */
  private boolean retryFirst() {
    if (config.retryMode == ServerConfig.RetryMode.ALWAYS) {
      return true;
    }
    if (config.retryMode == ServerConfig.RetryMode.UNDER_LOAD && admission.underLoad()) {
      counters.increment(Counter.RETRY_UNDER_LOAD);
      return true;
    }
    return false;
  }

  /**
   * The limits decide (after any Retry): accept, refuse with CONNECTION_REFUSED (RFC 9000 §5.2.2),
   * or drop when this iteration's handshake budget is spent (the client retransmits).
   */
  private void admit(
      UdpEndpoint endpoint, InetSocketAddress from, int len, int odcidLength, boolean retried) {
    long source = SourceAddressCounts.key(peer);
    int verdict = admission.check(source, from, now);
    if (verdict == AdmissionControl.ADMIT) {
      accept(endpoint, from, len, odcidLength, retried, source);
    } else if (verdict != AdmissionControl.BUSY) {
      sendRefusal(endpoint, from, len, verdict);
    } else if (!deferred.offer(endpoint, from, rx, len)) {
      counters.increment(Counter.DROP_HANDSHAKE_BUDGET);
    }
  }

  private void sendRefusal(UdpEndpoint endpoint, InetSocketAddress from, int len, int reason) {
    if (!admission.allowRefusal(ConnectionRefusal.MAX_LENGTH, len, now)) {
      return;
    }
    int n = stateless.connectionRefused(reason);
    if (n > 0 && send(endpoint, from, n)) {
      counters.increment(Counter.CONNECTION_REFUSED_SENT);
    }
  }

  /**
   * Creates a connection for a (validated or, with Retry off, unvalidated) Initial and feeds it the
   * datagram.
   */
  private void accept(
      UdpEndpoint endpoint,
      InetSocketAddress from,
      int len,
      int odcidLength,
      boolean retried,
      long source) {
    ServerConnection sc = new ServerConnection(this, ++nextConnectionId, endpoint, now);
    // The connection's events go to its own handle (sc is its listener): no lookup per event.
    QuicConnection quic =
        QuicConnection.accept(
            connectionConfig,
            sc,
            rx,
            header.dcidOffset(),
            header.dcidLength(),
            rx,
            header.scidOffset(),
            header.scidLength(),
            odcid,
            0,
            odcidLength,
            retried,
            from,
            retried,
            now);
    sc.quic = quic;
    addLive(sc);
    sc.acceptedFrom = from;
    admission.onAdmitted(sc, source);
    timers.scheduleHandshake(sc, now, admission.limits().handshakeTimeoutMs);
    counters.increment(Counter.CONNECTIONS_ACCEPTED);
    counters.set(Counter.LIVE_CONNECTIONS, liveCount);
    counters.increment(Counter.HALF_OPEN_CONNECTIONS);
    io.onPeerChanged(sc, from);
    if (LOG.isInfoEnabled()) {
      LOG.info("{} accepted from {} (retry {})", sc, from, retried);
    }
    try {
      quic.onDatagram(rx, 0, len, header, from, now);
      markDirty(sc);
    } catch (RuntimeException e) {
      abort(sc, e);
    }
  }

  private void sendRetry(UdpEndpoint endpoint, InetSocketAddress from) {
    if (send(endpoint, from, stateless.retry(peer, epochClock.time()))) {
      counters.increment(Counter.RETRY_SENT);
    }
  }

  /** RFC 9000 §10.3: see {@link StatelessResponses#statelessReset}. */
  private void sendStatelessReset(UdpEndpoint endpoint, InetSocketAddress from, int len) {
    int n = stateless.statelessReset(len, now);
    if (n > 0 && send(endpoint, from, n)) {
      counters.increment(Counter.STATELESS_RESET_SENT);
    }
  }

  /** Schedules {@code sc} for a flush at the end of this iteration. */
  void markDirty(ServerConnection sc) {
    if (sc.dirty || sc.freed) {
      return;
    }
    sc.dirty = true;
    if (dirtyCount == dirty.length) {
      dirty = Arrays.copyOf(dirty, dirtyCount * 2);
    }
    dirty[dirtyCount++] = sc;
  }

  private int flush() {
    // Only the connections dirty when the flush starts: one that marks itself dirty again (more to
    // send than one
    // flush allows) waits for the next iteration, so a connection can never keep the loop in here.
    int count = dirtyCount;
    int flushed = 0;
    for (int i = 0; i < count; i++) {
      ServerConnection sc = dirty[i];
      dirty[i] = null;
      sc.dirty = false;
      if (!sc.freed) {
        try {
          flushed += flushConnection(sc);
        } catch (RuntimeException e) {
          abort(sc, e);
        }
      }
    }
    int added = dirtyCount - count;
    System.arraycopy(dirty, count, dirty, 0, added);
    Arrays.fill(dirty, added, dirtyCount, null);
    dirtyCount = added;
    return flushed;
  }

  /**
   * A connection threw (a bug, never a peer's input by design): it alone is dropped — freed without
   * ceremony, its CIDs unrouted — so that no other connection is disturbed. Counted and logged (at
   * most one stack trace per second).
   */
  private void abort(ServerConnection sc, RuntimeException e) {
    counters.increment(Counter.CONNECTION_FAILURES);
    if (now - lastFailureLogNanos > 1_000_000_000L) {
      lastFailureLogNanos = now;
      LOG.error("{} failed and is dropped", sc, e);
    }
    if (!sc.freed) {
      free(sc);
    }
  }

  private int flushConnection(ServerConnection sc) {
    QuicConnection quic = sc.quic;
    int sent = 0;
    int n;
    while (sent < MAX_DATAGRAMS_PER_FLUSH && (n = quic.pollDatagram(tx, 0, now)) > 0) {
      io.send(sc.endpoint(), sc, quic.pollDestination(), tx, n);
      sent++;
    }
    if (sent == MAX_DATAGRAMS_PER_FLUSH) {
      markDirty(
          sc); // more to send: continue next iteration, after other connections had their turn
    }
    if (quic.isClosed()) {
      free(sc);
      return sent;
    }
    timers.reschedule(sc, quic.nextTimeoutNanos());
    return sent;
  }

  private void free(ServerConnection sc) {
    sc.freed = true;
    timers.cancel(sc);
    timers.cancelHandshake(sc);
    admission.onFreed(sc);
    io.onFreed(sc);
    for (int i = 0; i < sc.routedCount; i++) {
      connections.remove(sc.routedKeys[i], sc);
    }
    sc.routedCount = 0;
    removeLive(sc);
    counters.increment(Counter.CONNECTIONS_FREED);
    counters.set(Counter.LIVE_CONNECTIONS, liveCount);
    if (!sc.established) {
      counters.add(Counter.HALF_OPEN_CONNECTIONS, -1);
    }
    if (!sc.closed) {
      sc.closed = true;
      application.onClosed(sc, 0, false, false, "freed");
    }
  }

  private boolean send(UdpEndpoint endpoint, InetSocketAddress to, int len) {
    return io.send(endpoint, null, to, tx, len);
  }

  @Override
  public void onStatsTimer(long now) {
    if (LOG.isDebugEnabled()) {
      LOG.debug("counters: {}", counters);
    }
  }

  @Override
  public void onHandshakeTimeout(ServerConnection sc, long now) {
    if (!sc.freed && sc.halfOpen) {
      this.now = now;
      admission.onHandshakeTimeout(sc, now);
      free(sc);
    }
  }

  @Override
  public void onConnectionTimeout(ServerConnection sc, long now) {
    if (!sc.freed) {
      this.now = now;
      try {
        sc.quic.onTimeout(now);
        markDirty(sc);
      } catch (RuntimeException e) {
        abort(sc, e);
      }
    }
  }

  private void addLive(ServerConnection sc) {
    if (liveCount == live.length) {
      live = Arrays.copyOf(live, liveCount * 2);
    }
    sc.liveIndex = liveCount;
    live[liveCount++] = sc;
  }

  private void removeLive(ServerConnection sc) {
    int i = sc.liveIndex;
    if (i < 0) {
      return;
    }
    ServerConnection last = live[--liveCount];
    live[i] = last;
    last.liveIndex = i;
    live[liveCount] = null;
    sc.liveIndex = -1;
  }

  // ------------------------------------------------------------------------------------------
  // Connection events, forwarded by each ServerConnection (its QuicConnection's listener)

  void onLocalCidIssued(ServerConnection sc, byte[] cid, int off, int len) {
    long key = ConnectionTable.key(cid, off, len);
    if (connections.put(key, sc)) {
      sc.addRoutedKey(key);
    } else {
      counters.increment(Counter.CID_COLLISIONS);
      LOG.warn("{}: connection ID collides with another connection's; not routed", sc);
    }
  }

  void onLocalCidRetired(ServerConnection sc, byte[] cid, int off, int len) {
    long key = ConnectionTable.key(cid, off, len);
    connections.remove(key, sc);
    sc.removeRoutedKey(key);
  }

  void onEstablished(ServerConnection sc, QuicConnection c) {
    counters.increment(Counter.HANDSHAKES_COMPLETED);
    timers.cancelHandshake(sc);
    admission.onEstablished(sc);
    authEvents.onEstablished(c);
    if (!sc.established) {
      sc.established = true;
      counters.add(Counter.HALF_OPEN_CONNECTIONS, -1);
    }
    LOG.info(
        "{} established: peer {}, cipher suite {}, identity {}",
        sc,
        c.peerAddress(),
        c.cipherSuite(),
        c.peerIdentity() == null ? "none" : c.peerIdentity());
    application.onEstablished(sc);
  }

  void onDatagram(ServerConnection sc, DirectBuffer data, int off, int len) {
    if (admission.allowDatagram(sc, len, now)) {
      deliveringDatagram = true;
      try {
        application.onDatagram(sc, data, off, len);
      } finally {
        deliveringDatagram = false;
      }
    }
  }

  void onPeerAddressChanged(ServerConnection sc, InetSocketAddress newPeer) {
    // RFC 9000 §9.3: the connection sends to its new (not yet validated) address at once; its
    // connected socket follows, so nothing more goes to a NAT port that may be closed already.
    LOG.debug("{} sending to {}", sc, newPeer);
    io.onPeerChanged(sc, newPeer);
  }

  void onAddressChanged(ServerConnection sc, InetSocketAddress newPeer) {
    LOG.info("{} moved to {}", sc, newPeer);
    io.onPeerChanged(sc, newPeer);
    application.onAddressChanged(sc, newPeer);
  }

  void onClosed(
      ServerConnection sc,
      QuicConnection c,
      long errorCode,
      boolean application,
      boolean byPeer,
      String reason) {
    if (sc.closed) {
      return;
    }
    sc.closed = true;
    counters.increment(Counter.CONNECTIONS_CLOSED);
    authEvents.onClosed(sc, c, errorCode, now);
    LOG.info(
        "{} closed {} with {} error 0x{} ({}) after {} ms",
        sc,
        byPeer ? "by peer" : "locally",
        application ? "application" : "transport",
        Long.toHexString(errorCode),
        reason,
        (now - sc.startNanos()) / 1_000_000L);
    this.application.onClosed(sc, errorCode, application, byPeer, reason);
  }

  @Override
  public void onClose() {
    io.close();
    LOG.info("server loop stopped; counters: {}", counters);
  }

  /**
   * The working receive array; the fuzz harness and tests write a datagram here before {@link
   * #onDatagram}.
   */
  byte[] receiveBuffer() {
    return rx;
  }

  /** How many CIDs are routed (each connection has one or more). */
  int routedConnectionIds() {
    return connections.size();
  }

  /** The admission bookkeeping (tests). */
  AdmissionControl admission() {
    return admission;
  }

  /** How many connections are live (accepted and not yet freed). */
  int liveConnections() {
    return liveCount;
  }
}
