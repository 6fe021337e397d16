package dev.ztna.server.conn;

import dev.ztna.server.crypto.CipherSuite;
import dev.ztna.server.crypto.InitialKeys;
import dev.ztna.server.crypto.InitialSecrets;
import dev.ztna.server.crypto.PacketProtection;
import dev.ztna.server.tls.ClientAuthFailure;
import dev.ztna.server.tls.EncryptionLevel;
import dev.ztna.server.tls.TlsListener;
import dev.ztna.server.tls.TlsServerHandshake;
import dev.ztna.server.wire.PacketHeaderFlyweight;
import dev.ztna.server.wire.TransportError;
import dev.ztna.server.wire.TransportParameters;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Arrays;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one QUIC v1 connection (RFC 9000, 9001, 9002, 9221), socket-free and driven by
 * the server loop in the style of quiche: the loop hands in received datagrams ({@link
 * #onDatagram}), polls datagrams to send ({@link #pollDatagram}, {@link #pollDestination}) and
 * calls {@link #onTimeout} at {@link #nextTimeoutNanos}. Events go to a {@link ConnectionListener}.
 *
 * <p>This class is the orchestrator of the connection's states (handshake, established, closing,
 * draining, closed) and of the TLS events. The {@link PacketReceiver} opens received packets and
 * the {@link FrameDispatcher} hands their frames on; the {@link PacketAssembler} builds the packets
 * to send. The state lives in its parts, like quiche's: {@link ConnectionIds} (local and peer
 * CIDs), {@link Paths} (the path, its validation and amplification budgets), {@link KeyPhases}
 * (keys per space and 1-RTT key updates), {@link CryptoStreams} (CRYPTO per level), {@link
 * SentFrames} (what each sent packet carried) beside the {@link LossDetector}'s ledgers, {@link
 * DatagramQueue}, {@link FlowCreditFrames} and {@link ObservedAddress}.
 *
 * <p>Single-threaded. Receiving and sending 1-RTT packets with ACK and DATAGRAM frames allocates
 * nothing; the handshake, key updates, path changes and CID issuance allocate moderately.
 */
public final class QuicConnection {
  private static final Logger LOG = LoggerFactory.getLogger(QuicConnection.class);

  /** {@link #sendDatagram}: queued. */
  public static final int SEND_QUEUED = 0;

  /** {@link #sendDatagram}: larger than {@link #maxDatagramPayload()}. */
  public static final int SEND_TOO_BIG = -1;

  /** {@link #sendDatagram}: the send queue is full (the datagram is dropped and counted). */
  public static final int SEND_QUEUE_FULL = -2;

  /** {@link #sendDatagram}: the peer did not advertise max_datagram_frame_size. */
  public static final int SEND_UNSUPPORTED = -3;

  /** {@link #sendDatagram}: the connection is closing, draining or closed. */
  public static final int SEND_CLOSED = -4;

  /** {@link #sendDatagram}: the handshake is not complete yet. */
  public static final int SEND_NOT_ESTABLISHED = -5;

  /** Smallest datagram carrying an ack-eliciting Initial packet (RFC 9000 §14.1). */
  static final int MIN_INITIAL_DATAGRAM = PacketHeaderFlyweight.MIN_INITIAL_DATAGRAM;

  static final int ACK_DELAY_EXPONENT = 3;
  static final long MAX_ACK_DELAY_MS = 25;

  /**
   * Sent-packet records preallocated per packet number space; they double on demand up to {@link
   * ConnectionConfig#sentPacketCapacity}, so idle connections stay small.
   */
  static final int INITIAL_RECORDS = 32;

  private static final int INITIAL = PacketNumberSpace.INITIAL;
  private static final int HANDSHAKE = PacketNumberSpace.HANDSHAKE;
  private static final int APP = PacketNumberSpace.APPLICATION;

  private static final int ST_HANDSHAKE = ConnectionState.HANDSHAKE;
  private static final int ST_ESTABLISHED = ConnectionState.ESTABLISHED;
  private static final int ST_CLOSING = ConnectionState.CLOSING;
  private static final int ST_DRAINING = ConnectionState.DRAINING;
  private static final int ST_CLOSED = ConnectionState.CLOSED;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final ConnectionConfig cfg;
  private final SecureRandom random;
  private final ConnectionListener listener;
  private TlsServerHandshake tls;
  private String peerIdentity;
  private final Callbacks callbacks = new Callbacks();

  // The parts.
  private final KeyPhases keys = new KeyPhases();
  private final PacketNumberSpaces spaces = new PacketNumberSpaces(MAX_ACK_DELAY_MS * 1_000_000L);
  private final RttEstimator rtt = new RttEstimator();
  private final NewRenoCongestionController cc;
  private final QlogSink qlog;
  private final AmplificationLimiter amp = new AmplificationLimiter(MIN_INITIAL_DATAGRAM);
  private final LossDetector loss;
  private final SentFrames sent;
  private final CryptoStreams crypto = new CryptoStreams();
  private final FlowCreditFrames credit;
  private final ConnectionIds cids;
  private final Paths paths;
  private final DatagramQueue datagrams;
  private final ObservedAddress observed = new ObservedAddress();
  private final CloseState close = new CloseState();
  private final IdleTimer idle = new IdleTimer();
  private final PacketAssembler sender;
  private final FrameDispatcher frames;
  private final PacketReceiver receiver;

  // Handshake inputs.
  // Handshake inputs for the transport parameters (RFC 9000 §7.3), dropped once confirmed.
  private byte[] clientScid;
  private byte[] odcid;
  private byte[] retryScid;
  private final byte[] aliasCid;
  private boolean aliasRouted;

  // What the peer's transport parameters said.
  private long peerActiveCidLimit = 2;

  // State.
  private int state = ST_HANDSHAKE;
  private boolean handshakeCompletePending;
  private long lastNow;

  // Counters.
  private long datagramFramesReceived;
  private long datagramFramesDropped;

  private QuicConnection(
      ConnectionConfig cfg,
      ConnectionListener listener,
      byte[] initialDcid,
      int dcidOff,
      int dcidLength,
      byte[] scid,
      int scidOff,
      int scidLen,
      byte[] odcid,
      int odcidOff,
      int odcidLen,
      boolean retried,
      InetSocketAddress peer,
      long now) {
    this.cfg = cfg;
    this.listener = listener;
    this.lastNow = now;
    int recMax = cfg.sentPacketCapacity;
    int recInitial = Math.min(INITIAL_RECORDS, recMax);
    this.cc = new NewRenoCongestionController(Math.max(1200, cfg.maxUdpPayloadSize));
    this.loss = new LossDetector(rtt, cc, amp, callbacks, recInitial, recMax);
    this.sent = new SentFrames(recInitial, recMax);
    this.credit =
        new FlowCreditFrames(
            cfg.initialMaxData,
            cfg.initialMaxStreamData,
            (int) cfg.initialMaxStreamsBidi,
            (int) cfg.initialMaxStreamsUni);
    this.clientScid = copy(scid, scidOff, scidLen);
    this.odcid = copy(odcid, odcidOff, odcidLen);
    this.qlog = cfg.qlog.open(this.odcid, 0, odcidLen, now);
    this.retryScid = retried ? copy(initialDcid, dcidOff, dcidLength) : null;
    this.aliasCid = copy(initialDcid, dcidOff, dcidLength);
    this.cids =
        new ConnectionIds(cfg.cids, cfg.resetTokens, cfg.activeConnectionIdLimit, clientScid);
    this.paths = new Paths(peer, amp, MIN_INITIAL_DATAGRAM);
    this.datagrams = new DatagramQueue(cfg.maxUdpPayloadSize, cfg.maxDatagramQueue);
    InitialKeys initial = InitialSecrets.derive(initialDcid, dcidOff, dcidLength);
    keys.install(INITIAL, null, initial.client, initial.server);
    this.sender =
        new PacketAssembler(
            cfg.maxUdpPayloadSize,
            spaces,
            keys,
            cids,
            paths,
            loss,
            sent,
            crypto,
            credit,
            observed,
            datagrams,
            close,
            idle,
            rtt,
            cc,
            qlog);
    this.frames = new FrameDispatcher(cfg, credit, cids, paths, loss, crypto, callbacks);
    this.receiver =
        new PacketReceiver(
            keys, spaces, cids, paths, amp, idle, close, rtt, qlog, frames, callbacks);
    this.random = cfg.random != null ? cfg.random : RANDOM;
    this.tls = new TlsServerHandshake(cfg.tls, random, callbacks, cfg.keyLog);
  }

  /**
   * Creates the connection for a client's first Initial (see the class comment of {@link
   * ConnectionListener} for the CID callbacks made here).
   *
   * @param initialDcid DCID of the client's Initial (after a Retry: the Retry's SCID); Initial keys
   *     derive from it (RFC 9001 §5.2)
   * @param odcid the original DCID (from the Retry token); equals initialDcid when not retried
   * @param addressValidated true after a Retry (RFC 9000 §8.1.2)
   */
  public static QuicConnection accept(
      ConnectionConfig cfg,
      ConnectionListener listener,
      byte[] initialDcid,
      int dcidOff,
      int dcidLen,
      byte[] clientScid,
      int scidOff,
      int scidLen,
      byte[] odcid,
      int odcidOff,
      int odcidLen,
      boolean retried,
      InetSocketAddress peer,
      boolean addressValidated,
      long nowNanos) {
    if (dcidLen > 20 || scidLen > 20 || odcidLen > 20 || dcidLen < 0 || scidLen < 0) {
      throw new IllegalArgumentException("connection ID length");
    }
    QuicConnection c =
        new QuicConnection(
            cfg,
            listener,
            initialDcid,
            dcidOff,
            dcidLen,
            clientScid,
            scidOff,
            scidLen,
            odcid,
            odcidOff,
            odcidLen,
            retried,
            peer,
            nowNanos);
    if (addressValidated) {
      c.amp.markValidated();
    }
    c.issueLocalCid(false);
    c.aliasRouted = true;
    listener.onLocalCidIssued(c, c.aliasCid, 0, c.aliasCid.length);
    c.idle.configure(cfg.idleTimeoutMs * 1_000_000L, nowNanos);
    return c;
  }

  private static byte[] copy(byte[] b, int off, int len) {
    byte[] r = new byte[len];
    System.arraycopy(b, off, r, 0, len);
    return r;
  }

  // ------------------------------------------------------------------------------------------
  // Receiving

  /**
   * Processes one UDP datagram (possibly several coalesced packets), decrypting in place in {@code
   * buf}.
   */
  public void onDatagram(byte[] buf, int off, int len, InetSocketAddress from, long nowNanos) {
    onDatagram(buf, off, len, null, from, nowNanos);
  }

  /**
   * Processes one UDP datagram whose first packet's header the caller already parsed (the loop
   * does, to route it): {@code first} is wrapped over {@code buf} at {@code off} for {@code len}
   * bytes with this connection's CID length, and is used as is, so that each header is parsed once
   * on its way in (coalesced packets after the first are parsed here). {@code first} may be null.
   */
  public void onDatagram(
      byte[] buf,
      int off,
      int len,
      PacketHeaderFlyweight first,
      InetSocketAddress from,
      long nowNanos) {
    lastNow = nowNanos;
    if (state == ST_CLOSED || state == ST_DRAINING || len <= 0) {
      return;
    }
    receiver.onDatagram(buf, off, len, first, from, nowNanos);
    afterProcessing(nowNanos);
  }

  private void afterProcessing(long now) {
    if (handshakeCompletePending) {
      handshakeCompletePending = false;
      onHandshakeComplete(now);
    }
    loss.setLossDetectionTimer();
    qlog.recovery(now, cc, rtt);
  }

  /**
   * Test/fuzz seam: an established connection without a TLS handshake, with random 1-RTT keys
   * (AES-128-GCM), a peer that advertised DATAGRAM support, 1350-byte datagrams and an
   * active_connection_id_limit of 4.
   */
  static QuicConnection establishedForTest(
      ConnectionConfig cfg, ConnectionListener listener, InetSocketAddress peer, long now) {
    byte[] dcid = new byte[8];
    byte[] scid = new byte[8];
    byte[] cs = new byte[32];
    byte[] ss = new byte[32];
    SecureRandom r = cfg.random != null ? cfg.random : RANDOM;
    r.nextBytes(dcid);
    r.nextBytes(scid);
    r.nextBytes(cs);
    r.nextBytes(ss);
    QuicConnection c =
        accept(cfg, listener, dcid, 0, 8, scid, 0, 8, dcid, 0, 8, false, peer, true, now);
    c.onSecrets(EncryptionLevel.APPLICATION, CipherSuite.TLS_AES_128_GCM_SHA256, cs, ss);
    c.sender.onPeerParameters(1350, 65535);
    c.peerActiveCidLimit = 4;
    c.discardSpace(INITIAL);
    c.onHandshakeComplete(now);
    return c;
  }

  /** Test/fuzz seam: runs the 1-RTT frame dispatcher over plaintext frames. */
  void onPlaintextFrames(byte[] buf, int off, int len, long now) {
    lastNow = now;
    if (state == ST_CLOSED || state == ST_DRAINING || state == ST_CLOSING) {
      return;
    }
    receiver.onPlaintextFrames(buf, off, len, now);
    afterProcessing(now);
  }

  private static int spaceOf(EncryptionLevel level) {
    switch (level) {
      case INITIAL:
        return INITIAL;
      case HANDSHAKE:
        return HANDSHAKE;
      default:
        return APP;
    }
  }

  private void issueLocalCid(boolean announce) {
    int slot = cids.issue(announce);
    if (slot >= 0) {
      listener.onLocalCidIssued(this, cids.localCids(), cids.localOffset(slot), cids.localLength());
    }
  }

  // ------------------------------------------------------------------------------------------
  // Paths (RFC 9000 §8.2, §9)

  private void onPacketFromNewAddress(
      InetSocketAddress from, boolean nonProbing, boolean largest, int datagramLength, long now) {
    int r =
        paths.onPacketFromNewAddress(
            from, nonProbing, largest, datagramLength, rtt.pto(true), random, now);
    if (r == Paths.STAYED) {
      return;
    }
    // RFC 9000 §9.4: a new IP address (not only a new port) gets a fresh congestion controller
    // and RTT estimator; §9.5: and, when the peer supplied one, a new peer connection ID.
    if (r == Paths.MIGRATED_ADDRESS) {
      cc.resetForNewPath();
      rtt.reset();
    }
    cids.switchPeerCid();
    LOG.debug("non-probing packet from {}: sending there, validating it", from);
    listener.onPeerAddressChanged(this, from);
  }

  private void onPathResponse(long data) {
    InetSocketAddress validated = paths.onPathResponse(data);
    if (validated != null) {
      observed.observe(validated);
      LOG.debug("path to {} validated, migrating", validated);
      listener.onAddressChanged(this, validated);
    }
  }

  /** True when the peer negotiated address discovery (draft-ietf-quic-address-discovery). */
  public boolean addressDiscoveryNegotiated() {
    return observed.wanted();
  }

  // ------------------------------------------------------------------------------------------
  // TLS events

  /** The client's transport parameters arrived in its ClientHello; returns ours, or null. */
  private byte[] onClientTransportParameters(byte[] params) {
    TransportParameters peerTp = TransportParameterExchange.decodeClient(params, clientScid);
    if (peerTp == null) {
      return null;
    }
    sender.onPeerParameters(peerTp.maxUdpPayloadSize, peerTp.maxDatagramFrameSize);
    frames.peerAckDelayExponent(peerTp.ackDelayExponent);
    peerActiveCidLimit = peerTp.activeConnectionIdLimit;
    observed.setWanted(cfg.addressDiscovery && ObservedAddress.peerWants(peerTp.addressDiscovery));
    rtt.setMaxAckDelay(peerTp.maxAckDelay * 1_000_000L);
    long idleMs = IdleTimer.effectiveMillis(cfg.idleTimeoutMs, peerTp.maxIdleTimeout);
    idle.configure(idleMs * 1_000_000L, lastNow);
    return TransportParameterExchange.encodeServer(cfg, odcid, retryScid, cids);
  }

  private void onSecrets(
      EncryptionLevel level, CipherSuite s, byte[] clientSecret, byte[] serverSecret) {
    int space = spaceOf(level);
    if (space == APP) {
      keys.configureLimits(s, cfg.aeadConfidentialityLimit, cfg.aeadIntegrityLimit);
    }
    keys.install(
        space,
        s,
        PacketProtection.create(s, clientSecret),
        PacketProtection.create(s, serverSecret));
    qlog.keyUpdated(lastNow, space, QlogSink.KEY_TLS);
  }

  private void onHandshakeComplete(long now) {
    if (state != ST_HANDSHAKE) {
      return;
    }
    state = ST_ESTABLISHED;
    // RFC 9001 §4.1.2: the server's handshake is confirmed when it completes; §4.9.2 discards the
    // Handshake keys then.
    discardSpace(HANDSHAKE);
    loss.setHandshakeConfirmed();
    sender.onEstablished();
    observed.observe(paths.peer());
    amp.markValidated();
    // The client's Initial DCID stays routed to this connection until it ends: a retransmitted
    // Initial that arrives after the handshake (its token is still valid) must reach this
    // connection, which drops it (Initial keys are gone), instead of creating a second one.
    long limit = Math.min(peerActiveCidLimit, cids.localSlots());
    for (int i = 1; i < limit; i++) {
      issueLocalCid(true);
    }
    peerIdentity = tls.peerIdentity();
    // The handshake-only state goes: the TLS transcript and key schedule (the Initial and Handshake
    // keys, CRYPTO buffers and packet number spaces went with discardSpace).
    tls = null;
    clientScid = null;
    odcid = null;
    retryScid = null;
    listener.onEstablished(this);
  }

  /** RFC 9001 §4.9: drops the keys of {@code space} and everything kept to send or resend in it. */
  private void discardSpace(int space) {
    keys.discard(space);
    loss.discardSpace(space);
    spaces.discard(space);
    crypto.discard(space);
    sent.discard(space);
  }

  // ------------------------------------------------------------------------------------------
  // Sending (the packets themselves: PacketAssembler)

  /**
   * Writes the next UDP payload to send into {@code out[off..]} (at most {@code min(peer
   * max_udp_payload_size, cfg.maxUdpPayloadSize)} bytes; the array must have room for that).
   *
   * @return its length, or 0 when nothing is due now
   */
  public int pollDatagram(byte[] out, int off, long nowNanos) {
    lastNow = nowNanos;
    if (state == ST_CLOSED || state == ST_DRAINING) {
      return 0;
    }
    if (state == ST_ESTABLISHED) {
      checkAeadLimits(nowNanos);
    }
    if (state != ST_HANDSHAKE && keys.aead().sendKeyExhausted()) {
      return 0; // RFC 9001 §6.6: this key protects no more packets
    }
    if (state == ST_CLOSING) {
      return sender.pollClose(out, off, nowNanos);
    }
    return sender.poll(out, off, nowNanos);
  }

  /**
   * RFC 9001 §6.6: a key update before the confidentiality limit, or a close if none is possible.
   */
  private void checkAeadLimits(long now) {
    long next = spaces.nextPn(APP);
    int r = keys.checkAeadLimits(loss.ledger(APP).largestAcked(), next);
    if (r == KeyPhases.LIMITS_KEY_UPDATED) {
      LOG.debug("key update initiated at packet {}", next);
    } else if (r == KeyPhases.LIMITS_MUST_CLOSE) {
      closeTransport(
          TransportError.AEAD_LIMIT_REACHED, 0, "AEAD confidentiality limit, no key update", now);
    }
  }

  /** Where the datagram last returned by {@link #pollDatagram} goes. */
  public InetSocketAddress pollDestination() {
    return sender.destination();
  }

  // ------------------------------------------------------------------------------------------
  // Timers

  /** The earliest deadline, {@link Long#MAX_VALUE} if none. */
  public long nextTimeoutNanos() {
    if (state == ST_CLOSED) {
      return Long.MAX_VALUE;
    }
    if (state == ST_CLOSING || state == ST_DRAINING) {
      return close.end();
    }
    long t = Math.min(idle.deadline(), loss.timerDeadline());
    if (!amp.isBlocked()) {
      t = Math.min(t, spaces.ackDeadline(keys));
    }
    t = Math.min(t, paths.nextTimeout());
    return Math.min(t, keys.nextTimeout());
  }

  /** Handles expired timers; calling it early or spuriously is harmless. */
  public void onTimeout(long nowNanos) {
    lastNow = nowNanos;
    if (state == ST_CLOSED) {
      return;
    }
    if (state == ST_CLOSING || state == ST_DRAINING) {
      if (nowNanos >= close.end()) {
        terminate();
      }
      return;
    }
    if (nowNanos >= idle.deadline()) {
      notifyClosed(0, false, false, "idle timeout");
      terminate();
      return;
    }
    keys.onTimeout(nowNanos);
    if (paths.onTimeout(nowNanos)) {
      // RFC 9000 §9.3.2: back to the last validated path.
      listener.onPeerAddressChanged(this, paths.peer());
    }
    int r = loss.onLossDetectionTimeout(nowNanos);
    if (r == LossDetector.TIMEOUT_PTO && loss.ptoSpace() != APP) {
      crypto.requeueUnacked(loss.ptoSpace()); // probe with the unacknowledged CRYPTO data
    }
  }

  // ------------------------------------------------------------------------------------------
  // Closing

  private void closeTransport(long code, long frameType, String reason, long now) {
    LOG.debug(
        "closing with {} (frame 0x{}): {}",
        TransportError.name(code),
        Long.toHexString(frameType),
        reason);
    enterClosing(code, false, frameType, reason, now);
  }

  /**
   * Closes the connection with an application error (CONNECTION_CLOSE 0x1d, {@code reason} as its
   * reason phrase; before the handshake completes 0x1c APPLICATION_ERROR without it, §10.2.3).
   */
  public void close(long applicationErrorCode, String reason) {
    enterClosing(applicationErrorCode, true, 0, reason, lastNow);
  }

  private void enterClosing(
      long code, boolean application, long frameType, String reason, long now) {
    if (state >= ST_CLOSING) {
      return;
    }
    state = ST_CLOSING;
    close.onClosing(code, application, frameType, reason, now + 3 * rtt.pto(true));
    sender.onClosing();
    datagrams.clear();
    notifyClosed(code, application, false, reason);
  }

  private void enterDraining(long code, boolean app, long now) {
    if (state >= ST_CLOSING) {
      return;
    }
    state = ST_DRAINING;
    close.onDraining(code, app, null, now + 3 * rtt.pto(true));
    sender.onClosing();
    datagrams.clear();
    notifyClosed(code, app, true, "closed by peer");
  }

  private void enterDrainingAfterReset(long now) {
    if (state >= ST_CLOSING) {
      return;
    }
    state = ST_DRAINING;
    close.onDraining(0, false, "stateless reset", now + 3 * rtt.pto(true));
    sender.onClosing();
    datagrams.clear();
    notifyClosed(0, false, true, "stateless reset");
  }

  private void notifyClosed(long code, boolean app, boolean byPeer, String reason) {
    if (close.notifyOnce()) {
      listener.onClosed(this, code, app, byPeer, reason);
    }
  }

  private void terminate() {
    if (state == ST_CLOSED) {
      return;
    }
    // The trace's last event: after the closing/draining period (RFC 9000 §10.2), or at once on an
    // idle timeout (the error code is 0 then).
    qlog.connectionClosed(
        lastNow,
        state == ST_DRAINING,
        close.isApplication(),
        close.errorCode(),
        state < ST_CLOSING);
    state = ST_CLOSED;
    if (aliasRouted) {
      aliasRouted = false;
      listener.onLocalCidRetired(this, aliasCid, 0, aliasCid.length);
    }
    for (int i = 0; i < cids.localSlots(); i++) {
      if (cids.isLocalActive(i)) {
        cids.deactivate(i);
        listener.onLocalCidRetired(this, cids.localCids(), cids.localOffset(i), cids.localLength());
      }
    }
    datagrams.release();
  }

  // ------------------------------------------------------------------------------------------
  // DATAGRAM API

  /**
   * Queues a DATAGRAM frame payload (RFC 9221), copied.
   *
   * @return {@link #SEND_QUEUED} or a negative {@code SEND_*} code
   */
  public int sendDatagram(DirectBuffer src, int off, int len) {
    if (state >= ST_CLOSING) {
      return SEND_CLOSED;
    }
    if (state != ST_ESTABLISHED) {
      return SEND_NOT_ESTABLISHED;
    }
    if (sender.peerMaxDatagramFrame() == 0) {
      return SEND_UNSUPPORTED;
    }
    if (len < 0 || len > maxDatagramPayload()) {
      datagramFramesDropped++;
      return SEND_TOO_BIG;
    }
    if (!datagrams.offer(src, off, len)) {
      datagramFramesDropped++;
      return SEND_QUEUE_FULL;
    }
    return SEND_QUEUED;
  }

  /** The largest DATAGRAM payload {@link #sendDatagram} accepts now (0 if none). */
  public int maxDatagramPayload() {
    return sender.maxDatagramPayload();
  }

  // ------------------------------------------------------------------------------------------
  // Accessors

  public boolean isEstablished() {
    return state == ST_ESTABLISHED;
  }

  /** Terminal: every routed CID was retired through the listener; the loop frees it. */
  public boolean isClosed() {
    return state == ST_CLOSED;
  }

  /** Closing or draining (or closed). */
  public boolean isClosing() {
    return state >= ST_CLOSING;
  }

  public InetSocketAddress peerAddress() {
    return paths.peer();
  }

  /**
   * The client's authenticated identity (from its certificate), or {@code null} without client
   * authentication or before the handshake completed.
   */
  public String peerIdentity() {
    return peerIdentity;
  }

  /**
   * Why client authentication failed when the handshake failed in it (RFC 8446 §4.4.2-§4.4.3), else
   * {@link ClientAuthFailure#NONE}.
   */
  public ClientAuthFailure clientAuthFailure() {
    TlsServerHandshake t = tls;
    return t == null ? ClientAuthFailure.NONE : t.clientAuthFailure();
  }

  /** The negotiated cipher suite, null before the ServerHello. */
  public CipherSuite cipherSuite() {
    return keys.suite();
  }

  /** The error code of the close (ours or the peer's), 0 before. */
  public long closeErrorCode() {
    return close.errorCode();
  }

  public boolean closeIsApplication() {
    return close.isApplication();
  }

  public String closeReason() {
    return close.reason();
  }

  public long bytesReceived() {
    return receiver.bytesReceived();
  }

  public long bytesSent() {
    return sender.bytesSent();
  }

  public long datagramsReceived() {
    return receiver.datagramsReceived();
  }

  public long datagramsSent() {
    return sender.datagramsSent();
  }

  public long datagramFramesReceived() {
    return datagramFramesReceived;
  }

  public long datagramFramesSent() {
    return sender.datagramFramesSent();
  }

  public long datagramFramesDropped() {
    return datagramFramesDropped;
  }

  public long packetsDropped() {
    return receiver.packetsDropped();
  }

  /** The AEAD usage counts (RFC 9001 §6.6), for tests. */
  AeadLimits aeadLimits() {
    return keys.aead();
  }

  /** Bytes sent to the current path before its validation (anti-amplification accounting). */
  long amplificationBytesSent() {
    return amp.bytesSent();
  }

  long amplificationBytesReceived() {
    return amp.bytesReceived();
  }

  boolean isAddressValidated() {
    return amp.isValidated();
  }

  boolean hasKeys(int space) {
    return keys.send(space) != null || keys.receive(space) != null;
  }

  int activeLocalCids() {
    return cids.activeLocal();
  }

  /** The server's connection ID of sequence 0 (the SCID of its long headers). */
  byte[] localCid() {
    return Arrays.copyOf(cids.localCids(), cids.localLength());
  }

  String timers() {
    return "idle="
        + (idle.deadline() - lastNow)
        + " loss="
        + (loss.timerDeadline() - lastNow)
        + " ack0="
        + (spaces.ackPending(0) ? spaces.tracker(0).ackDeadline() - lastNow : -1)
        + " ack1="
        + (spaces.ackPending(1) ? spaces.tracker(1).ackDeadline() - lastNow : -1)
        + " ack2="
        + (spaces.ackPending(2) ? spaces.tracker(2).ackDeadline() - lastNow : -1)
        + " blocked="
        + amp.isBlocked()
        + " allowance="
        + amp.sendAllowance()
        + " probes="
        + loss.probesPending()
        + "@"
        + loss.ptoSpace();
  }

  RttEstimator rtt() {
    return rtt;
  }

  /**
   * Whether anything kept only for the handshake is still held: TLS state, Initial or Handshake
   * keys, CRYPTO buffers, received-packet trackers or sent-frame records of those spaces (tests).
   */
  boolean holdsHandshakeState() {
    boolean held = tls != null || clientScid != null || odcid != null;
    for (int s = INITIAL; s <= HANDSHAKE; s++) {
      held |= hasKeys(s) || crypto.holdsBuffers(s) || !spaces.isDiscarded(s) || sent.has(s);
    }
    return held;
  }

  /** Whether the state of the peer's streams was created (a stream frame arrived; tests). */
  boolean holdsStreamState() {
    return credit.hasStreamState();
  }

  // ------------------------------------------------------------------------------------------
  // Callbacks from TLS and the loss detector (one instance per connection).

  private final class Callbacks implements TlsListener, SentPacketListener, PacketReceiver.Host {
    @Override
    public int state() {
      return state;
    }

    @Override
    public void onStatelessReset(long now) {
      enterDrainingAfterReset(now);
    }

    @Override
    public void discardSpace(int space) {
      QuicConnection.this.discardSpace(space);
    }

    @Override
    public void onPacketFromNewAddress(
        InetSocketAddress from, boolean nonProbing, boolean largest, int datagramLength, long now) {
      QuicConnection.this.onPacketFromNewAddress(from, nonProbing, largest, datagramLength, now);
    }

    @Override
    public void closeTransport(long code, long frameType, String reason, long now) {
      QuicConnection.this.closeTransport(code, frameType, reason, now);
    }

    @Override
    public boolean closingOrClosed() {
      return state == ST_CLOSING || state == ST_CLOSED;
    }

    @Override
    public boolean draining() {
      return state == ST_DRAINING;
    }

    @Override
    public void onPeerClose(long errorCode, boolean application, long now) {
      enterDraining(errorCode, application, now);
    }

    @Override
    public void onDatagramFrame(DirectBuffer buffer, int offset, int length) {
      datagramFramesReceived++;
      listener.onDatagram(QuicConnection.this, buffer, offset, length);
    }

    @Override
    public void onPathResponse(long data) {
      QuicConnection.this.onPathResponse(data);
    }

    @Override
    public void onLocalCidRetired(int slot) {
      listener.onLocalCidRetired(
          QuicConnection.this, cids.localCids(), cids.localOffset(slot), cids.localLength());
      if (state == ST_ESTABLISHED) {
        issueLocalCid(true);
      }
    }

    @Override
    public TlsServerHandshake tls() {
      return tls;
    }

    @Override
    public byte[] onClientTransportParameters(byte[] clientParameters) {
      return QuicConnection.this.onClientTransportParameters(clientParameters);
    }

    @Override
    public void onHandshakeData(EncryptionLevel level, byte[] data, int off, int len) {
      crypto.append(spaceOf(level), data, off, len);
    }

    @Override
    public void onSecrets(
        EncryptionLevel level, CipherSuite s, byte[] clientSecret, byte[] serverSecret) {
      QuicConnection.this.onSecrets(level, s, clientSecret, serverSecret);
    }

    @Override
    public void onHandshakeComplete() {
      handshakeCompletePending = true;
    }

    @Override
    public void onPacketAcked(
        int space, long pn, long token, int size, boolean inFlight, long timeSent) {
      sender.onPacketAcked(space, token);
    }

    @Override
    public void onPacketLost(
        int space, long pn, long token, int size, boolean inFlight, long timeSent) {
      qlog.packetLost(lastNow, space, pn);
      sender.onPacketLost(space, token);
    }

    @Override
    public void onPacketDiscarded(int space, long pn, long token, int size) {}
  }
}
