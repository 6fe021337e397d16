package dev.ztna.server.conn;

import dev.ztna.server.crypto.CipherSuite;
import dev.ztna.server.crypto.InitialKeys;
import dev.ztna.server.crypto.InitialSecrets;
import dev.ztna.server.crypto.PacketProtection;
import dev.ztna.server.tls.ClientAuthFailure;
import dev.ztna.server.tls.EncryptionLevel;
import dev.ztna.server.tls.TlsListener;
import dev.ztna.server.tls.TlsServerHandshake;
import dev.ztna.server.wire.FrameReader;
import dev.ztna.server.wire.FrameType;
import dev.ztna.server.wire.FrameWriter;
import dev.ztna.server.wire.PacketHeaderFlyweight;
import dev.ztna.server.wire.PacketHeaderWriter;
import dev.ztna.server.wire.PacketNumber;
import dev.ztna.server.wire.TransportError;
import dev.ztna.server.wire.TransportParameters;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.BitSet;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one QUIC v1 connection (RFC 9000, 9001, 9002, 9221), socket-free and driven by
 * the server loop in the style of quiche: the loop hands in received datagrams ({@link
 * #onDatagram}), polls datagrams to send ({@link #pollDatagram}, {@link #pollDestination}) and
 * calls {@link #onTimeout} at {@link #nextTimeoutNanos}. Events go to a {@link ConnectionListener}.
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
  static final int MIN_INITIAL_DATAGRAM = 1200;

  /** Bytes of out-of-order CRYPTO data buffered per encryption level (RFC 9000 §7.5). */
  static final int CRYPTO_BUFFER = 16384;

  static final int ACK_DELAY_EXPONENT = 3;
  static final long MAX_ACK_DELAY_MS = 25;

  /**
   * Sent-packet records preallocated per packet number space; they double on demand up to {@link
   * ConnectionConfig#sentPacketCapacity}, so idle connections stay small.
   */
  static final int INITIAL_RECORDS = 32;

  /** DATAGRAM queue slots allocated on first use; doubled on demand up to the configured cap. */
  static final int INITIAL_DATAGRAM_SLOTS = 4;

  private static final int TAG = PacketProtection.TAG_LENGTH;
  private static final int VERSION = PacketHeaderFlyweight.VERSION_1;

  private static final int ST_HANDSHAKE = 0;
  private static final int ST_ESTABLISHED = 1;
  private static final int ST_CLOSING = 2;
  private static final int ST_DRAINING = 3;
  private static final int ST_CLOSED = 4;

  // Per-packet record flags (retransmittable frames).
  private static final int F_HANDSHAKE_DONE = 1;
  private static final int F_MAX_DATA = 2;
  private static final int F_MAX_STREAMS_BIDI = 4;
  private static final int F_MAX_STREAMS_UNI = 8;
  private static final int F_MAX_STREAM_DATA = 16;
  private static final int F_RETIRE_CID = 32;
  private static final int F_ACK = 64;
  private static final int F_OBSERVED_ADDRESS = 128;

  /** draft-ietf-quic-address-discovery transport parameter values. */
  private static final long AD_PROVIDE_ONLY = 0;

  private static final long AD_RECEIVE_ONLY = 1;
  private static final long AD_BOTH = 2;

  private static final int PENDING_STREAMS = 16;
  private static final int PENDING_RETIRES = 16;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final ConnectionConfig cfg;
  private final SecureRandom random;
  private final ConnectionListener listener;
  private TlsServerHandshake tls;
  private String peerIdentity;
  private final Callbacks callbacks = new Callbacks();

  /**
   * Receive-side scratch shared by the connections of one thread (the frame reader alone holds 8 KB
   * of ACK range arrays). Used only inside {@link #onDatagram} / {@link #onPlaintextFrames}; a
   * listener callback must not feed another connection's {@link #onDatagram} re-entrantly.
   */
  private static final class Scratch {
    final PacketHeaderFlyweight hdr = new PacketHeaderFlyweight();
    final FrameReader reader = new FrameReader();
    final long[] ackGaps = new long[FrameReader.MAX_ACK_RANGES];
    final long[] ackLengths = new long[FrameReader.MAX_ACK_RANGES];
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private PacketHeaderFlyweight hdr;
  private FrameReader reader;
  private long[] ackGaps;
  private long[] ackLengths;
  private final UnsafeBuffer inBuf = new UnsafeBuffer(new byte[0]);
  private final UnsafeBuffer outBuf = new UnsafeBuffer(new byte[0]);
  private final byte[] hpMask = new byte[5];
  private final long[] txAckGaps = new long[ReceivedPacketTracker.MAX_RANGES];
  private final long[] txAckLengths = new long[ReceivedPacketTracker.MAX_RANGES];

  // Keys per packet number space; index = PacketNumberSpace.
  private final PacketProtection[] rx = new PacketProtection[PacketNumberSpace.COUNT];
  private final PacketProtection[] tx = new PacketProtection[PacketNumberSpace.COUNT];
  private PacketProtection rxPrev;
  private PacketProtection rxNext;
  private boolean rxPhase;
  private boolean txPhase;
  private long keyPhaseStartPn = -1;
  private long prevKeyDiscardTime = PacketNumberSpace.NO_TIME;
  private CipherSuite suite;
  private final AeadLimits aead = new AeadLimits();
  private final KeyPhaseGuard keyGuard = new KeyPhaseGuard();

  // Recovery.
  private final ReceivedPacketTracker[] trackers =
      new ReceivedPacketTracker[PacketNumberSpace.COUNT];
  private final long[] nextPn = new long[PacketNumberSpace.COUNT];
  private final boolean[] ackPending = new boolean[PacketNumberSpace.COUNT];
  private final RttEstimator rtt = new RttEstimator();
  private final NewRenoCongestionController cc;
  private final QlogSink qlog;
  private final AmplificationLimiter amp = new AmplificationLimiter(MIN_INITIAL_DATAGRAM);
  private final LossDetector loss;
  // Per space: records the arrays below hold now (a power of two that doubles with the space's
  // ledger, see growRecords); a record's token is its logical number, its slot token & (cap - 1).
  private final int[] recCap = new int[PacketNumberSpace.COUNT];
  private final int recMaxCap;
  private final long[][] recCryptoOff = new long[PacketNumberSpace.COUNT][];
  private final int[][] recCryptoLen = new int[PacketNumberSpace.COUNT][];
  private final int[][] recFlags = new int[PacketNumberSpace.COUNT][];
  private final long[][] recAckLargest = new long[PacketNumberSpace.COUNT][];
  private long[] recStreamId;
  private long[] recRetireSeq;
  private int[] recNcidMask;
  private final long[] recordsSent = new long[PacketNumberSpace.COUNT];

  // CRYPTO streams per level (Initial, Handshake, Application).
  private final byte[][] cryptoOut = new byte[3][];
  private final int[] cryptoOutLen = new int[3];
  private final BitSet[] cryptoPending = new BitSet[3];
  private final BitSet[] cryptoAcked = new BitSet[3];
  private final long[] cryptoInOffset = new long[3];
  private final byte[][] cryptoIn = new byte[3][];
  private final BitSet[] cryptoInHave = new BitSet[3];

  private final FlowControl flow;

  // Connection IDs.
  private final int cidLen;
  private final int localSlots;
  private final byte[] localCids;
  private final long[] localSeq;
  private final boolean[] localActive;
  private final boolean[] localAnnounce;
  // Whether the peer can know the CID of a slot: sent in a NEW_CONNECTION_ID (or, seq 0, as the
  // SCID of the handshake). A RETIRE_CONNECTION_ID for any other sequence number retires one that
  // was never issued to the peer (RFC 9000 §19.16), which also bounds the CIDs a single packet can
  // make us mint to the active_connection_id_limit.
  private final boolean[] localSent;
  private final byte[] localTokens;
  private long nextLocalSeq;
  private final byte[] aliasCid;
  private boolean aliasRouted;
  private final UnsafeBuffer scidBuf;

  private final byte[] peerCids;
  private final int[] peerCidLen;
  private final long[] peerCidSeq;
  private final boolean[] peerCidUsed;
  private final byte[] peerTokens;
  private int peerCur;
  private long peerRetirePriorTo;
  private final byte[] dcid = new byte[20];
  private int dcidLen;
  private final UnsafeBuffer dcidBuf = new UnsafeBuffer(dcid);
  private long[] pendingRetires = new long[PENDING_RETIRES];
  private int pendingRetireCount;

  // Handshake inputs.
  private final byte[] clientScid;
  private final byte[] odcid;
  private final byte[] retryScid;

  // Peer transport parameters.
  private final TransportParameters peerTp = new TransportParameters();
  private boolean peerTpReceived;
  private long peerMaxUdp = 65527;
  private long peerMaxDatagramFrame;
  private long peerAckDelayExponent = 3;
  private long peerActiveCidLimit = 2;
  private long idleTimeoutNanos;

  // State.
  private int state = ST_HANDSHAKE;
  private boolean handshakeCompletePending;
  private boolean handshakeDonePending;

  // Address discovery (draft-ietf-quic-address-discovery): the peer asked for observations.
  private boolean observedAddressWanted;
  private boolean observedAddressPending;
  private long observedAddressSequence = -1;
  private final byte[] observedIp = new byte[16];
  private final UnsafeBuffer observedIpView = new UnsafeBuffer(observedIp);
  private int observedIpLength;
  private int observedPort;
  private boolean handshakeDoneAcked;
  private boolean maxDataPending;
  private boolean maxStreamsBidiPending;
  private boolean maxStreamsUniPending;
  private final long[] pendingStreamIds = new long[PENDING_STREAMS];
  private int pendingStreamCount;
  private long lastNow;
  private long idleDeadline = PacketNumberSpace.NO_TIME;
  private boolean ackElicitingSentSinceRx;
  private long closeEnd = PacketNumberSpace.NO_TIME;
  private long closeErrorCode;
  private long closeFrameType;
  private boolean closeApplication;
  private String closeReason;
  private boolean closeSendPending;
  private int closeRecvCount;
  private boolean closedNotified;

  // Paths.
  private InetSocketAddress peer;
  private InetSocketAddress destination;
  private InetSocketAddress candidate;
  private AmplificationLimiter candidateAmp;
  private long candidateChallenge;
  private boolean candidateChallengePending;
  private long candidateChallengeDeadline = PacketNumberSpace.NO_TIME;
  private int candidateChallengeTries;
  // RFC 9000 §8.2.4: validation is abandoned at this time even if the anti-amplification limit
  // kept the challenge from being (re)sent.
  private long candidateAbandonAt = PacketNumberSpace.NO_TIME;
  private boolean candidateNonProbing;
  // The last validated path while the connection sends on an unvalidated one (RFC 9000 §9.3.2).
  private InetSocketAddress fallbackPeer;
  private AmplificationLimiter fallbackAmp;
  private boolean pathResponsePending;
  private long pathResponseData;
  private boolean probeResponsePending;
  private long probeResponseData;
  private InetSocketAddress probeResponseAddr;
  // RFC 9000 §8.2.1, §9.3: a PATH_RESPONSE to an address that is not (or no longer) the path
  // candidate still goes to an unvalidated address: at most 3x what came from it.
  private final AmplificationLimiter probeResponseAmp = new AmplificationLimiter();

  // DATAGRAM send queue (allocated on first use, grown on demand).
  private byte[] dgRing;
  private int[] dgLen;
  private int dgSlot;
  private int dgHead;
  private int dgCount;

  // Counters.
  private long bytesReceived;
  private long bytesSent;
  private long datagramsReceived;
  private long datagramsSent;
  private long datagramFramesReceived;
  private long datagramFramesSent;
  private long datagramFramesDropped;
  private long packetsDropped;
  private int currentDatagramLength;
  private boolean inShortPacket;

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
    this.peer = peer;
    this.destination = peer;
    this.lastNow = now;
    this.cidLen = cfg.cids.length();
    this.recMaxCap = cfg.sentPacketCapacity;
    int recInitial = Math.min(INITIAL_RECORDS, recMaxCap);
    this.cc = new NewRenoCongestionController(Math.max(1200, cfg.maxUdpPayloadSize));
    this.loss = new LossDetector(rtt, cc, amp, callbacks, recInitial, recMaxCap);
    this.flow =
        new FlowControl(
            cfg.initialMaxData,
            cfg.initialMaxStreamData,
            cfg.initialMaxStreamData,
            (int) cfg.initialMaxStreamsBidi,
            (int) cfg.initialMaxStreamsUni);
    long maxAckDelayNanos = MAX_ACK_DELAY_MS * 1_000_000L;
    for (int s = 0; s < PacketNumberSpace.COUNT; s++) {
      trackers[s] =
          new ReceivedPacketTracker(s, s == PacketNumberSpace.APPLICATION ? maxAckDelayNanos : 0);
      recCap[s] = recInitial;
      recCryptoOff[s] = new long[recInitial];
      recCryptoLen[s] = new int[recInitial];
      recFlags[s] = new int[recInitial];
      recAckLargest[s] = new long[recInitial];
    }
    recStreamId = new long[recInitial];
    recRetireSeq = new long[recInitial];
    recNcidMask = new int[recInitial];
    for (int l = 0; l < 2; l++) {
      cryptoOut[l] = new byte[2048];
      cryptoPending[l] = new BitSet();
      cryptoAcked[l] = new BitSet();
      cryptoIn[l] = new byte[CRYPTO_BUFFER];
      cryptoInHave[l] = new BitSet();
    }

    this.clientScid = copy(scid, scidOff, scidLen);
    this.odcid = copy(odcid, odcidOff, odcidLen);
    this.qlog = cfg.qlog.open(this.odcid, 0, odcidLen, now);
    this.retryScid = retried ? copy(initialDcid, dcidOff, dcidLength) : null;
    this.aliasCid = copy(initialDcid, dcidOff, dcidLength);

    int limit = cfg.activeConnectionIdLimit;
    this.localSlots = limit;
    this.localCids = new byte[limit * cidLen];
    this.localSeq = new long[limit];
    this.localActive = new boolean[limit];
    this.localAnnounce = new boolean[limit];
    this.localSent = new boolean[limit];
    this.localTokens = new byte[limit * StatelessResetTokens.TOKEN_LENGTH];
    this.scidBuf = new UnsafeBuffer(localCids, 0, cidLen);
    this.peerCids = new byte[limit * 20];
    this.peerCidLen = new int[limit];
    this.peerCidSeq = new long[limit];
    this.peerCidUsed = new boolean[limit];
    this.peerTokens = new byte[limit * StatelessResetTokens.TOKEN_LENGTH];
    System.arraycopy(clientScid, 0, peerCids, 0, clientScid.length);
    peerCidLen[0] = clientScid.length;
    peerCidUsed[0] = true;
    selectPeerCid(0);

    InitialKeys keys = InitialSecrets.derive(initialDcid, dcidOff, dcidLength);
    rx[PacketNumberSpace.INITIAL] = keys.client;
    tx[PacketNumberSpace.INITIAL] = keys.server;
    this.idleTimeoutNanos = cfg.idleTimeoutMs * 1_000_000L;
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
    c.idleDeadline =
        c.idleTimeoutNanos > 0 ? nowNanos + c.idleTimeoutNanos : PacketNumberSpace.NO_TIME;
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
    lastNow = nowNanos;
    if (state == ST_CLOSED || state == ST_DRAINING || len <= 0) {
      return;
    }
    bindScratch();
    bytesReceived += len;
    datagramsReceived++;
    currentDatagramLength = len;
    boolean fromPeer = from == null || from.equals(peer);
    if (fromPeer) {
      amp.onDatagramReceived(len);
    } else {
      if (candidate != null && from.equals(candidate)) {
        candidateAmp.onDatagramReceived(len);
      }
      if (from.equals(probeResponseAddr)) {
        probeResponseAmp.onDatagramReceived(len);
      }
    }
    inBuf.wrap(buf);
    int pos = off;
    int end = off + len;
    while (pos < end && state != ST_CLOSED && state != ST_DRAINING) {
      int r = hdr.wrap(inBuf, pos, end - pos, cidLen);
      if (r != PacketHeaderFlyweight.OK) {
        packetsDropped++;
        break;
      }
      int next = hdr.packetEnd();
      int type = hdr.packetType();
      if (type == PacketHeaderFlyweight.TYPE_INITIAL && len < MIN_INITIAL_DATAGRAM) {
        // RFC 9000 §14.1: no Initial from a datagram under 1200 bytes is processed (the loop
        // drops and counts those that start with one before they get here).
        packetsDropped++;
      } else if (type == PacketHeaderFlyweight.TYPE_INITIAL) {
        onProtectedPacket(
            PacketNumberSpace.INITIAL, type, buf, pos, next, from, fromPeer, nowNanos);
      } else if (type == PacketHeaderFlyweight.TYPE_HANDSHAKE) {
        onProtectedPacket(
            PacketNumberSpace.HANDSHAKE, type, buf, pos, next, from, fromPeer, nowNanos);
      } else if (type == PacketHeaderFlyweight.TYPE_SHORT) {
        onProtectedPacket(
            PacketNumberSpace.APPLICATION, type, buf, pos, next, from, fromPeer, nowNanos);
      } else {
        packetsDropped++; // 0-RTT (never accepted), Retry, VN, unknown versions
        if (!hdr.isLongHeader() || next <= pos) {
          break;
        }
      }
      pos = next;
    }
    afterProcessing(nowNanos);
  }

  private void bindScratch() {
    Scratch sc = SCRATCH.get();
    hdr = sc.hdr;
    reader = sc.reader;
    ackGaps = sc.ackGaps;
    ackLengths = sc.ackLengths;
  }

  private void afterProcessing(long now) {
    if (handshakeCompletePending) {
      handshakeCompletePending = false;
      onHandshakeComplete(now);
    }
    loss.setLossDetectionTimer();
    qlog.recovery(now, cc, rtt);
  }

  private void onProtectedPacket(
      int space,
      int type,
      byte[] buf,
      int start,
      int end,
      InetSocketAddress from,
      boolean fromPeer,
      long now) {
    PacketProtection keys = rx[space];
    if (keys == null) {
      packetsDropped++;
      return;
    }
    int pnOff = hdr.pnOffset();
    ReceivedPacketTracker tracker = trackers[space];
    if (space == PacketNumberSpace.APPLICATION) {
      if (state == ST_HANDSHAKE) {
        packetsDropped++; // RFC 9001 §5.7: no 1-RTT processing before handshake completion
        return;
      }
      keys = selectRxKeys(buf, start, pnOff, end, tracker.largest());
      if (keys == null) {
        packetsDropped++;
        return;
      }
    }
    long pn = keys.unprotect(buf, start, pnOff, end, tracker.largest());
    if (pn < 0) {
      packetsDropped++;
      if (pn == PacketProtection.ERR_AUTH && aead.onAuthenticationFailure()) {
        // RFC 9001 §6.6: past the integrity limit, close at once and process no more packets.
        closeTransport(TransportError.AEAD_LIMIT_REACHED, 0, "AEAD integrity limit", now);
        return;
      }
      if (space == PacketNumberSpace.APPLICATION && isStatelessReset(buf, start, end)) {
        // RFC 9000 §10.3.1: the peer lost its state; enter the draining period silently.
        enterDrainingAfterReset(now);
      }
      return;
    }
    int first = keys.lastFirstByte();
    if (state == ST_CLOSING) {
      closeRecvCount++;
      if ((closeRecvCount & (closeRecvCount - 1)) == 0) {
        closeSendPending = true; // RFC 9000 §10.2.1: answer at an exponentially decreasing rate
      }
      return;
    }
    if (PacketHeaderFlyweight.reservedBits(first) != 0) {
      closeTransport(TransportError.PROTOCOL_VIOLATION, 0, "reserved bits set", now);
      return;
    }
    if (tracker.isDuplicate(pn)) {
      return;
    }
    if (space == PacketNumberSpace.APPLICATION) {
      boolean phase = PacketHeaderFlyweight.keyPhase(first);
      if (phase != rxPhase && keys == rxNext && !onPeerKeyUpdate(pn, now)) {
        return;
      }
    }
    int payloadOff = keys.lastPayloadOffset();
    int payloadEnd = payloadOff + keys.lastPayloadLength();
    inShortPacket = space == PacketNumberSpace.APPLICATION;
    qlog.packetReceived(now, space, pn, end - start, buf, payloadOff, payloadEnd - payloadOff);
    int res = processFrames(space, type, payloadOff, payloadEnd, from, now);
    inShortPacket = false;
    if (res < 0) {
      return; // closed by a frame error
    }
    if (state == ST_DRAINING || state == ST_CLOSED) {
      return;
    }
    if (tracker.onReceived(pn, res > 0, now) && res > 0) {
      ackPending[space] = true;
    }
    ackElicitingSentSinceRx = false;
    if (idleTimeoutNanos > 0) {
      idleDeadline = now + idleTimeoutNanos;
    }
    if (space == PacketNumberSpace.HANDSHAKE) {
      // RFC 9000 §8.1: a Handshake packet proves the client received our Initial.
      amp.markValidated();
      if (rx[PacketNumberSpace.INITIAL] != null) {
        discardSpace(PacketNumberSpace.INITIAL); // RFC 9001 §4.9.1
      }
    }
    // Re-check against the current peer: this very packet may have completed the migration to
    // `from` (its PATH_RESPONSE), and must not start a second validation of the same address.
    if (space == PacketNumberSpace.APPLICATION && !fromPeer && from != null && !from.equals(peer)) {
      onPacketFromNewAddress(from, res == 2, pn == tracker.largest(), now);
    }
  }

  /**
   * Key phase selection for a short-header packet (RFC 9001 §6.3): removes header protection on a
   * scratch copy of the first byte and packet number to read the key phase bit.
   */
  private PacketProtection selectRxKeys(byte[] buf, int start, int pnOff, int end, long largest) {
    PacketProtection cur = rx[PacketNumberSpace.APPLICATION];
    if (end - pnOff < 4 + PacketProtection.SAMPLE_LENGTH) {
      return null;
    }
    cur.headerProtectionMask(buf, pnOff + 4, hpMask);
    int first = (buf[start] ^ (hpMask[0] & 0x1f)) & 0xff;
    boolean phase = (first & 0x04) != 0;
    if (phase == rxPhase) {
      return cur;
    }
    int pnLen = (first & 0x03) + 1;
    long truncated = 0;
    for (int i = 0; i < pnLen; i++) {
      truncated = (truncated << 8) | ((buf[pnOff + i] ^ hpMask[1 + i]) & 0xff);
    }
    long pn = PacketNumber.decode(largest, truncated, pnLen * 8);
    if (rxPrev != null && pn < keyPhaseStartPn) {
      return rxPrev;
    }
    if (rxNext == null) {
      rxNext = cur.nextKeyPhase();
    }
    return rxNext;
  }

  /** The peer's packet {@code pn} uses the next key phase; false if that closed the connection. */
  private boolean onPeerKeyUpdate(long pn, long now) {
    // The peer initiated this update when our send keys are in the phase it leaves; otherwise it
    // answers our own update.
    boolean initiatedByPeer = txPhase == rxPhase;
    if (!keyGuard.onReceiveKeyPhaseChange(pn, initiatedByPeer)) {
      closeTransport(
          TransportError.KEY_UPDATE_ERROR, 0, "key update before the previous was acked", now);
      return false;
    }
    rxPrev = rx[PacketNumberSpace.APPLICATION];
    rx[PacketNumberSpace.APPLICATION] = rxNext;
    rxNext = null;
    rxPhase = !rxPhase;
    keyPhaseStartPn = pn;
    if (initiatedByPeer) {
      switchSendKeys(); // RFC 9001 §6.2: answer in the new phase
    }
    prevKeyDiscardTime = now + 3 * rtt.pto(true);
    qlog.keyUpdated(now, PacketNumberSpace.APPLICATION, QlogSink.KEY_REMOTE_UPDATE);
    LOG.debug("peer key phase change at packet {}", pn);
    return true;
  }

  private void switchSendKeys() {
    tx[PacketNumberSpace.APPLICATION] = tx[PacketNumberSpace.APPLICATION].nextKeyPhase();
    txPhase = !txPhase;
    aead.onNewSendKey();
    keyGuard.onNewSendKeys(nextPn[PacketNumberSpace.APPLICATION]);
  }

  /**
   * RFC 9001 §6.6: initiates a key update before the send key reaches the confidentiality limit, or
   * closes with AEAD_LIMIT_REACHED when no update is possible in time (§6.1 forbids one before the
   * peer acknowledged a packet in the current phase).
   */
  private void checkAeadLimits(long now) {
    if (!aead.wantsKeyUpdate()) {
      return;
    }
    long acked = loss.ledger(PacketNumberSpace.APPLICATION).largestAcked();
    if (keyGuard.mayInitiate(acked, rxPhase == txPhase, rxPrev == null)) {
      switchSendKeys();
      if (rxNext == null) {
        rxNext = rx[PacketNumberSpace.APPLICATION].nextKeyPhase();
      }
      LOG.debug("key update initiated at packet {}", nextPn[PacketNumberSpace.APPLICATION]);
    } else if (aead.mustClose()) {
      closeTransport(
          TransportError.AEAD_LIMIT_REACHED, 0, "AEAD confidentiality limit, no key update", now);
    }
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
    c.peerTpReceived = true;
    c.peerMaxUdp = 1350;
    c.peerMaxDatagramFrame = 65535;
    c.peerActiveCidLimit = 4;
    c.discardSpace(PacketNumberSpace.INITIAL);
    c.onHandshakeComplete(now);
    return c;
  }

  /** Test/fuzz seam: runs the 1-RTT frame dispatcher over plaintext frames. */
  void onPlaintextFrames(byte[] buf, int off, int len, long now) {
    lastNow = now;
    bindScratch();
    if (state == ST_CLOSED || state == ST_DRAINING || state == ST_CLOSING) {
      return;
    }
    inBuf.wrap(buf);
    int res =
        processFrames(
            PacketNumberSpace.APPLICATION,
            PacketHeaderFlyweight.TYPE_SHORT,
            off,
            off + len,
            null,
            now);
    if (res >= 0 && state != ST_DRAINING && state != ST_CLOSED) {
      ReceivedPacketTracker t = trackers[PacketNumberSpace.APPLICATION];
      if (t.onReceived(t.largest() + 1, res > 0, now) && res > 0) {
        ackPending[PacketNumberSpace.APPLICATION] = true;
      }
    }
    afterProcessing(now);
  }

  /**
   * Dispatches the frames of one packet.
   *
   * @return -1 if the connection closed, 0 if nothing was ack-eliciting, 1 if ack-eliciting, 2 if
   *     ack-eliciting and non-probing
   */
  private int processFrames(
      int space, int packetType, int pos, int end, InetSocketAddress from, long now) {
    if (pos >= end) {
      closeTransport(TransportError.PROTOCOL_VIOLATION, 0, "packet without frames", now);
      return -1;
    }
    boolean ackEliciting = false;
    boolean nonProbing = false;
    while (pos < end) {
      int next = reader.read(inBuf, pos, end);
      if (next < 0) {
        long t = reader.type();
        closeTransport(FrameReader.transportError(next), t < 0 ? 0 : t, "malformed frame", now);
        return -1;
      }
      long type = reader.type();
      if (!FrameType.isAllowedIn(type, packetType)) {
        closeTransport(TransportError.PROTOCOL_VIOLATION, type, "frame not allowed", now);
        return -1;
      }
      if (FrameType.isAckEliciting(type)) {
        ackEliciting = true;
      }
      if (type != FrameType.PADDING
          && type != FrameType.PATH_CHALLENGE
          && type != FrameType.PATH_RESPONSE
          && type != FrameType.NEW_CONNECTION_ID) {
        nonProbing = true;
      }
      int r = onFrame(space, type, from, now);
      if (r < 0 || state == ST_CLOSING || state == ST_CLOSED) {
        return -1;
      }
      if (state == ST_DRAINING) {
        return 0;
      }
      pos = next;
    }
    return ackEliciting ? (nonProbing ? 2 : 1) : 0;
  }

  private int onFrame(int space, long type, InetSocketAddress from, long now) {
    if (type == FrameType.PADDING || type == FrameType.PING) {
      return 0;
    }
    if (FrameType.isAck(type)) {
      return onAck(space, now);
    }
    if (type == FrameType.CRYPTO) {
      return onCrypto(space, now);
    }
    if (FrameType.isDatagram(type)) {
      int frameSize = reader.dataOffset() + reader.dataLength() - reader.frameOffset();
      if (cfg.maxDatagramFrameSize == 0 || frameSize > cfg.maxDatagramFrameSize) {
        return fail(TransportError.PROTOCOL_VIOLATION, type, "DATAGRAM too large", now);
      }
      datagramFramesReceived++;
      listener.onDatagram(this, inBuf, reader.dataOffset(), reader.dataLength());
      return 0;
    }
    if (FrameType.isStream(type)) {
      int r =
          flow.onStreamData(reader.streamId(), reader.offset(), reader.dataLength(), reader.fin());
      if (r < 0) {
        return fail(ConnErrors.transportErrorCode(r), type, "stream frame rejected", now);
      }
      long upd = flow.streamMaxDataUpdate();
      if (upd >= 0) {
        queueStreamId(reader.streamId());
      }
      checkFlowUpdates();
      return 0;
    }
    if (FrameType.isConnectionClose(type)) {
      enterDraining(now);
      return 0;
    }
    switch ((int) type) {
      case 0x04: // RESET_STREAM
        {
          int r = flow.onStreamReset(reader.streamId(), reader.finalSize());
          if (r < 0) {
            return fail(ConnErrors.transportErrorCode(r), type, "RESET_STREAM rejected", now);
          }
          checkFlowUpdates();
          return 0;
        }
      case 0x05: // STOP_SENDING
      case 0x11: // MAX_STREAM_DATA
      case 0x15: // STREAM_DATA_BLOCKED
        {
          int r =
              type == FrameType.STREAM_DATA_BLOCKED
                  ? checkReceiveStream(reader.streamId())
                  : flow.onSendSideFrame(reader.streamId());
          if (r < 0) {
            return fail(ConnErrors.transportErrorCode(r), type, "stream frame rejected", now);
          }
          return 0;
        }
      case 0x07: // NEW_TOKEN: servers never receive it (RFC 9000 §19.7)
      case 0x1e: // HANDSHAKE_DONE: only a server sends it (RFC 9000 §19.20)
        return fail(TransportError.PROTOCOL_VIOLATION, type, "frame only a server sends", now);
      case 0x10: // MAX_DATA
      case 0x12: // MAX_STREAMS
      case 0x13:
      case 0x14: // DATA_BLOCKED
      case 0x16: // STREAMS_BLOCKED
      case 0x17:
        return 0;
      case 0x18:
        return onNewConnectionId(now);
      case 0x19:
        return onRetireConnectionId(now);
      case 0x1a: // PATH_CHALLENGE
        if (from == null || from.equals(peer)) {
          pathResponsePending = true;
          pathResponseData = reader.pathData();
        } else {
          probeResponsePending = true;
          probeResponseData = reader.pathData();
          if (!from.equals(probeResponseAddr)) {
            probeResponseAddr = from;
            probeResponseAmp.reset();
            probeResponseAmp.onDatagramReceived(currentDatagramLength);
          }
        }
        return 0;
      case 0x1b: // PATH_RESPONSE
        onPathResponse(reader.pathData(), now);
        return 0;
      default:
        return 0; // OBSERVED_ADDRESS from a client: ignored
    }
  }

  private int checkReceiveStream(long streamId) {
    if ((streamId & 1) != 0) {
      return ConnErrors.STREAM_STATE_ERROR; // server-initiated: we open none
    }
    return ConnErrors.OK;
  }

  private int fail(long code, long frameType, String reason, long now) {
    closeTransport(code, frameType, reason, now);
    return -1;
  }

  private void checkFlowUpdates() {
    if (flow.maxDataUpdateWanted()) {
      flow.commitMaxDataUpdate();
      maxDataPending = true;
    }
    if (flow.maxStreamsUpdateWanted(true)) {
      flow.commitMaxStreamsUpdate(true);
      maxStreamsBidiPending = true;
    }
    if (flow.maxStreamsUpdateWanted(false)) {
      flow.commitMaxStreamsUpdate(false);
      maxStreamsUniPending = true;
    }
  }

  private void queueStreamId(long id) {
    for (int i = 0; i < pendingStreamCount; i++) {
      if (pendingStreamIds[i] == id) {
        return;
      }
    }
    if (pendingStreamCount < PENDING_STREAMS) {
      pendingStreamIds[pendingStreamCount++] = id;
    }
  }

  private int onAck(int space, long now) {
    int n = reader.ackRangeCount();
    for (int i = 0; i < n; i++) {
      ackGaps[i] = reader.ackGap(i);
      ackLengths[i] = reader.ackRangeLength(i);
    }
    long delayNanos = 0;
    if (space != PacketNumberSpace.INITIAL) {
      long micros = reader.ackDelay();
      int shift = (int) peerAckDelayExponent;
      delayNanos =
          micros >= (Long.MAX_VALUE >> (shift + 10))
              ? Long.MAX_VALUE / 4
              : (micros << shift) * 1000L;
    }
    int r =
        loss.onAckReceived(
            space,
            reader.ackLargest(),
            delayNanos,
            reader.ackFirstRange(),
            n,
            ackGaps,
            ackLengths,
            now);
    if (r < 0) {
      return fail(ConnErrors.transportErrorCode(r), reader.type(), "invalid ACK", now);
    }
    return 0;
  }

  // ------------------------------------------------------------------------------------------
  // CRYPTO

  private static int spaceOf(EncryptionLevel level) {
    switch (level) {
      case INITIAL:
        return PacketNumberSpace.INITIAL;
      case HANDSHAKE:
        return PacketNumberSpace.HANDSHAKE;
      default:
        return PacketNumberSpace.APPLICATION;
    }
  }

  private static EncryptionLevel levelOf(int space) {
    return space == PacketNumberSpace.INITIAL
        ? EncryptionLevel.INITIAL
        : space == PacketNumberSpace.HANDSHAKE
            ? EncryptionLevel.HANDSHAKE
            : EncryptionLevel.APPLICATION;
  }

  private static int level(int space) {
    return space; // INITIAL=0, HANDSHAKE=1, APPLICATION=2 match EncryptionLevel ordinals
  }

  private int onCrypto(int space, long now) {
    int l = level(space);
    long off = reader.offset();
    int len = reader.dataLength();
    long end = off + len;
    if (cryptoIn[l] == null) {
      cryptoIn[l] = new byte[CRYPTO_BUFFER];
      cryptoInHave[l] = new BitSet();
    }
    long base = cryptoInOffset[l];
    if (end <= base) {
      return 0; // duplicate
    }
    if (end - base > CRYPTO_BUFFER) {
      return fail(
          TransportError.CRYPTO_BUFFER_EXCEEDED, FrameType.CRYPTO, "CRYPTO buffer exceeded", now);
    }
    int skip = off < base ? (int) (base - off) : 0;
    int dst = (int) (off + skip - base);
    int n = len - skip;
    inBuf.getBytes(reader.dataOffset() + skip, cryptoIn[l], dst, n);
    cryptoInHave[l].set(dst, dst + n);
    int ready = cryptoInHave[l].nextClearBit(0);
    if (ready == 0) {
      return 0;
    }
    if (tls == null) {
      // After completion the client has nothing to say in CRYPTO (no KeyUpdate in QUIC, RFC 9001
      // §6; no post-handshake authentication was requested).
      return fail(
          TransportError.cryptoError(dev.ztna.server.tls.TlsAlert.UNEXPECTED_MESSAGE),
          FrameType.CRYPTO,
          "post-handshake CRYPTO",
          now);
    }
    int r = tls.onCryptoData(levelOf(l), cryptoIn[l], 0, ready);
    if (cryptoIn[l] == null) {
      return 0; // the level was discarded during the call
    }
    byte[] b = cryptoIn[l];
    System.arraycopy(b, ready, b, 0, CRYPTO_BUFFER - ready);
    BitSet have = cryptoInHave[l];
    BitSet shifted = have.get(ready, Math.max(ready, have.length()));
    cryptoInHave[l] = shifted;
    cryptoInOffset[l] = base + ready;
    if (r == TlsServerHandshake.TRANSPORT_PARAMETER_ERROR) {
      return fail(
          TransportError.TRANSPORT_PARAMETER_ERROR, FrameType.CRYPTO, "transport parameters", now);
    }
    if (r > 0) {
      return fail(TransportError.cryptoError(r), FrameType.CRYPTO, "TLS alert", now);
    }
    return 0;
  }

  private void appendCrypto(int l, byte[] data, int off, int len) {
    byte[] b = cryptoOut[l];
    if (b == null) {
      b = new byte[Math.max(256, len)];
      cryptoPending[l] = new BitSet();
      cryptoAcked[l] = new BitSet();
    }
    int have = cryptoOutLen[l];
    if (have + len > b.length) {
      byte[] nb = new byte[Math.max(b.length * 2, have + len)];
      System.arraycopy(b, 0, nb, 0, have);
      b = nb;
    }
    cryptoOut[l] = b;
    System.arraycopy(data, off, b, have, len);
    cryptoPending[l].set(have, have + len);
    cryptoOutLen[l] = have + len;
  }

  // ------------------------------------------------------------------------------------------
  // TLS events

  private byte[] onClientTransportParameters(byte[] params) {
    UnsafeBuffer b = new UnsafeBuffer(params);
    int r = peerTp.decode(b, 0, params.length, true);
    if (r != TransportParameters.OK) {
      LOG.debug("client transport parameters rejected: {}", peerTp.errorReason());
      return null;
    }
    if (peerTp.initialSourceConnectionIdLength != clientScid.length
        || !java.util.Arrays.equals(
            peerTp.initialSourceConnectionId,
            0,
            clientScid.length,
            clientScid,
            0,
            clientScid.length)) {
      LOG.debug("initial_source_connection_id does not match the client's SCID");
      return null;
    }
    peerTpReceived = true;
    peerMaxUdp = peerTp.maxUdpPayloadSize;
    peerMaxDatagramFrame = peerTp.maxDatagramFrameSize;
    peerAckDelayExponent = peerTp.ackDelayExponent;
    peerActiveCidLimit = peerTp.activeConnectionIdLimit;
    observedAddressWanted =
        cfg.addressDiscovery
            && (peerTp.addressDiscovery == AD_RECEIVE_ONLY || peerTp.addressDiscovery == AD_BOTH);
    rtt.setMaxAckDelay(peerTp.maxAckDelay * 1_000_000L);
    long peerIdle = peerTp.maxIdleTimeout;
    long ours = cfg.idleTimeoutMs;
    long eff = ours == 0 ? peerIdle : (peerIdle == 0 ? ours : Math.min(ours, peerIdle));
    idleTimeoutNanos = eff * 1_000_000L;
    if (idleTimeoutNanos > 0) {
      idleDeadline = lastNow + idleTimeoutNanos;
    } else {
      idleDeadline = PacketNumberSpace.NO_TIME;
    }

    TransportParameters tp = new TransportParameters();
    tp.setOriginalDestinationConnectionId(new UnsafeBuffer(odcid), 0, odcid.length);
    if (retryScid != null) {
      tp.setRetrySourceConnectionId(new UnsafeBuffer(retryScid), 0, retryScid.length);
    }
    tp.setInitialSourceConnectionId(scidBuf, 0, cidLen);
    tp.setStatelessResetToken(new UnsafeBuffer(localTokens), 0);
    tp.maxIdleTimeout = cfg.idleTimeoutMs;
    tp.maxUdpPayloadSize = cfg.maxUdpPayloadSize;
    tp.initialMaxData = cfg.initialMaxData;
    tp.initialMaxStreamDataBidiLocal = cfg.initialMaxStreamData;
    tp.initialMaxStreamDataBidiRemote = cfg.initialMaxStreamData;
    tp.initialMaxStreamDataUni = cfg.initialMaxStreamData;
    tp.initialMaxStreamsBidi = cfg.initialMaxStreamsBidi;
    tp.initialMaxStreamsUni = cfg.initialMaxStreamsUni;
    tp.ackDelayExponent = ACK_DELAY_EXPONENT;
    tp.maxAckDelay = MAX_ACK_DELAY_MS;
    tp.activeConnectionIdLimit = cfg.activeConnectionIdLimit;
    tp.maxDatagramFrameSize = cfg.maxDatagramFrameSize;
    if (cfg.addressDiscovery) {
      tp.addressDiscovery = AD_PROVIDE_ONLY;
    }
    byte[] out = new byte[tp.encodedLength()];
    tp.encode(new UnsafeBuffer(out), 0);
    return out;
  }

  private void onSecrets(
      EncryptionLevel level, CipherSuite s, byte[] clientSecret, byte[] serverSecret) {
    int space = spaceOf(level);
    suite = s;
    if (space == PacketNumberSpace.APPLICATION) {
      aead.configure(s, cfg.aeadConfidentialityLimit, cfg.aeadIntegrityLimit);
    }
    rx[space] = PacketProtection.create(s, clientSecret);
    tx[space] = PacketProtection.create(s, serverSecret);
    qlog.keyUpdated(lastNow, space, QlogSink.KEY_TLS);
  }

  private void onHandshakeComplete(long now) {
    if (state != ST_HANDSHAKE) {
      return;
    }
    state = ST_ESTABLISHED;
    // RFC 9001 §4.1.2: the server's handshake is confirmed when it completes; §4.9.2 discards the
    // Handshake keys then.
    discardSpace(PacketNumberSpace.HANDSHAKE);
    loss.setHandshakeConfirmed();
    handshakeDonePending = true;
    observeAddress(peer);
    amp.markValidated();
    // The client's Initial DCID stays routed to this connection until it ends: a retransmitted
    // Initial that arrives after the handshake (its token is still valid) must reach this
    // connection, which drops it (Initial keys are gone), instead of creating a second one.
    long limit = Math.min(peerActiveCidLimit, localSlots);
    for (int i = 1; i < limit; i++) {
      issueLocalCid(true);
    }
    peerIdentity = tls.peerIdentity();
    tls = null; // the handshake state (transcript, key schedule) is no longer needed
    listener.onEstablished(this);
  }

  private void discardSpace(int space) {
    rx[space] = null;
    tx[space] = null;
    loss.discardSpace(space);
    trackers[space].reset();
    ackPending[space] = false;
    int l = level(space);
    cryptoOut[l] = null;
    cryptoPending[l] = null;
    cryptoAcked[l] = null;
    cryptoIn[l] = null;
    cryptoInHave[l] = null;
    recCryptoOff[space] = null;
    recCryptoLen[space] = null;
    recFlags[space] = null;
    recAckLargest[space] = null;
  }

  // ------------------------------------------------------------------------------------------
  // Connection IDs

  private void issueLocalCid(boolean announce) {
    int slot = -1;
    for (int i = 0; i < localSlots; i++) {
      if (!localActive[i]) {
        slot = i;
        break;
      }
    }
    if (slot < 0) {
      return;
    }
    int off = slot * cidLen;
    cfg.cids.next(localCids, off);
    cfg.resetTokens.token(
        localCids, off, cidLen, localTokens, slot * StatelessResetTokens.TOKEN_LENGTH);
    localSeq[slot] = nextLocalSeq++;
    localActive[slot] = true;
    localAnnounce[slot] = announce;
    localSent[slot] = !announce;
    listener.onLocalCidIssued(this, localCids, off, cidLen);
  }

  private int onRetireConnectionId(long now) {
    long seq = reader.sequence();
    if (seq >= nextLocalSeq) {
      return fail(
          TransportError.PROTOCOL_VIOLATION,
          FrameType.RETIRE_CONNECTION_ID,
          "retire of unissued CID",
          now);
    }
    for (int i = 0; i < localSlots; i++) {
      if (localActive[i] && localSeq[i] == seq) {
        if (!localSent[i]) {
          // Minted (after an earlier RETIRE) but not yet announced: the peer cannot know it, so
          // it guessed the sequence number; a RETIRE flood ends here.
          return fail(
              TransportError.PROTOCOL_VIOLATION,
              FrameType.RETIRE_CONNECTION_ID,
              "retire of a CID not yet issued to the peer",
              now);
        }
        int off = i * cidLen;
        if (inShortPacket
            && hdr.dcidLength() == cidLen
            && sameBytes(inBuf, hdr.dcidOffset(), localCids, off, cidLen)) {
          return fail(
              TransportError.PROTOCOL_VIOLATION,
              FrameType.RETIRE_CONNECTION_ID,
              "retire of the CID in use",
              now);
        }
        localActive[i] = false;
        localAnnounce[i] = false;
        listener.onLocalCidRetired(this, localCids, off, cidLen);
        if (state == ST_ESTABLISHED) {
          issueLocalCid(true);
        }
        return 0;
      }
    }
    return 0; // already retired
  }

  private static boolean sameBytes(DirectBuffer a, int aOff, byte[] b, int bOff, int len) {
    for (int i = 0; i < len; i++) {
      if (a.getByte(aOff + i) != b[bOff + i]) {
        return false;
      }
    }
    return true;
  }

  private int onNewConnectionId(long now) {
    if (clientScid.length == 0) {
      return fail(
          TransportError.PROTOCOL_VIOLATION,
          FrameType.NEW_CONNECTION_ID,
          "zero-length CID peer",
          now);
    }
    long seq = reader.sequence();
    long rpt = reader.retirePriorTo();
    int len = reader.cidLength();
    int cOff = reader.cidOffset();
    for (int i = 0; i < peerCidUsed.length; i++) {
      if (peerCidUsed[i] && peerCidSeq[i] == seq) {
        if (peerCidLen[i] != len || !sameBytes(inBuf, cOff, peerCids, i * 20, len)) {
          return fail(
              TransportError.PROTOCOL_VIOLATION,
              FrameType.NEW_CONNECTION_ID,
              "CID sequence reused",
              now);
        }
        return 0; // retransmission
      }
    }
    if (seq < peerRetirePriorTo) {
      // RFC 9000 §19.15: retire straight away.
      return queueRetire(seq) ? 0 : failRetireLimit(now);
    }
    if (rpt > peerRetirePriorTo) {
      peerRetirePriorTo = rpt;
      for (int i = 0; i < peerCidUsed.length; i++) {
        if (peerCidUsed[i] && peerCidSeq[i] < rpt && i != peerCur) {
          if (!queueRetire(peerCidSeq[i])) {
            return failRetireLimit(now);
          }
          peerCidUsed[i] = false;
        }
      }
    }
    int free = -1;
    for (int i = 0; i < peerCidUsed.length; i++) {
      if (!peerCidUsed[i]) {
        free = i;
        break;
      }
    }
    if (free < 0) {
      return fail(
          TransportError.CONNECTION_ID_LIMIT_ERROR,
          FrameType.NEW_CONNECTION_ID,
          "too many CIDs",
          now);
    }
    inBuf.getBytes(cOff, peerCids, free * 20, len);
    inBuf.getBytes(
        reader.resetTokenOffset(),
        peerTokens,
        free * StatelessResetTokens.TOKEN_LENGTH,
        StatelessResetTokens.TOKEN_LENGTH);
    peerCidLen[free] = len;
    peerCidSeq[free] = seq;
    peerCidUsed[free] = true;
    if (peerCidSeq[peerCur] < peerRetirePriorTo) {
      int old = peerCur;
      if (!queueRetire(peerCidSeq[old])) {
        return failRetireLimit(now);
      }
      peerCidUsed[old] = false;
      for (int i = 0; i < peerCidUsed.length; i++) {
        if (peerCidUsed[i]) {
          selectPeerCid(i);
          break;
        }
      }
    }
    return 0;
  }

  /**
   * Queues a RETIRE_CONNECTION_ID; false when the queue is full (RFC 9000 §5.1.2: a CID is never
   * forgotten without being retired, so callers then close with CONNECTION_ID_LIMIT_ERROR).
   */
  private boolean queueRetire(long seq) {
    for (int i = 0; i < pendingRetireCount; i++) {
      if (pendingRetires[i] == seq) {
        return true;
      }
    }
    if (pendingRetireCount < PENDING_RETIRES) {
      pendingRetires[pendingRetireCount++] = seq;
      return true;
    }
    return false;
  }

  private int failRetireLimit(long now) {
    return fail(
        TransportError.CONNECTION_ID_LIMIT_ERROR,
        FrameType.NEW_CONNECTION_ID,
        "too many connection IDs to retire",
        now);
  }

  /**
   * A RETIRE_CONNECTION_ID whose packet was lost goes back into the queue, growing it if need be:
   * it was already taken out of the bounded queue, so it must not be dropped now (§5.1.2).
   */
  private void requeueRetire(long seq) {
    for (int i = 0; i < pendingRetireCount; i++) {
      if (pendingRetires[i] == seq) {
        return;
      }
    }
    if (pendingRetireCount == pendingRetires.length) {
      pendingRetires = java.util.Arrays.copyOf(pendingRetires, pendingRetires.length * 2);
    }
    pendingRetires[pendingRetireCount++] = seq;
  }

  private void selectPeerCid(int i) {
    peerCur = i;
    dcidLen = peerCidLen[i];
    System.arraycopy(peerCids, i * 20, dcid, 0, dcidLen);
  }

  // ------------------------------------------------------------------------------------------
  // Paths (RFC 9000 §8.2, §9)

  private void onPacketFromNewAddress(
      InetSocketAddress from, boolean nonProbing, boolean largest, long now) {
    boolean migrate = nonProbing && largest;
    if (!migrate && candidate != null && candidate.equals(peer)) {
      return; // a late or probing packet must not abandon validating the path we now send on
    }
    if (candidate == null || !from.equals(candidate)) {
      candidate = from;
      candidateAmp = new AmplificationLimiter();
      candidateAmp.onDatagramReceived(currentDatagramLength);
      candidateChallenge = random.nextLong();
      candidateChallengePending = true;
      candidateChallengeTries = 0;
      candidateNonProbing = false;
      // Three times the larger of the current PTO and a new path's (kInitialRtt, RFC 9002 §6.2.2).
      long initialPto = 3 * RttEstimator.INITIAL_RTT_NANOS;
      candidateAbandonAt = now + 3 * Math.max(rtt.pto(true), initialPto);
      LOG.debug("packet from new address {}, validating the path", from);
    }
    if (migrate) {
      candidateNonProbing = true;
      migrateUnvalidated(from);
    }
  }

  /**
   * RFC 9000 §9.3: the peer's highest-numbered non-probing packet came from {@code to}, so the
   * server sends there at once, within 3x what it received from it until validated (§8.2, §9.4);
   * the PATH_CHALLENGE already pending for it validates it in parallel. A new IP address (not only
   * a new port) gets a fresh congestion controller and RTT estimator (§9.4), and, when the peer
   * supplied one, a new peer connection ID (§9.5).
   */
  private void migrateUnvalidated(InetSocketAddress to) {
    if (amp.isValidated()) {
      if (fallbackAmp == null) {
        fallbackAmp = new AmplificationLimiter(MIN_INITIAL_DATAGRAM);
      }
      fallbackAmp.copyFrom(amp);
      fallbackPeer = peer;
    }
    boolean portOnly = peer.getAddress() != null && peer.getAddress().equals(to.getAddress());
    peer = to;
    amp.copyFrom(candidateAmp);
    if (!portOnly) {
      cc.resetForNewPath();
      rtt.reset();
    }
    switchPeerCid();
    LOG.debug("non-probing packet from {}: sending there, validating it", to);
    listener.onPeerAddressChanged(this, to);
  }

  /**
   * §9.5: a new destination address gets a connection ID not used on another path when the peer
   * issued a spare one; the old one is retired (§5.1.2). Without a spare the current one stays.
   */
  private void switchPeerCid() {
    for (int i = 0; i < peerCidUsed.length; i++) {
      if (peerCidUsed[i] && i != peerCur) {
        int old = peerCur;
        if (!queueRetire(peerCidSeq[old])) {
          return; // no room to retire the old one: keep it rather than forget it unretired
        }
        peerCidUsed[old] = false;
        selectPeerCid(i);
        return;
      }
    }
  }

  /**
   * Records a new observation of the peer's address and, if the peer negotiated address discovery,
   * schedules an OBSERVED_ADDRESS frame with the next sequence number (rare: handshake completion
   * and validated path changes; extracting the address bytes allocates).
   */
  private void observeAddress(InetSocketAddress address) {
    if (!observedAddressWanted || address == null || address.getAddress() == null) {
      return;
    }
    byte[] raw = address.getAddress().getAddress();
    if (raw.length == 16 && isIpv4Mapped(raw)) {
      System.arraycopy(raw, 12, observedIp, 0, 4);
      observedIpLength = 4;
    } else {
      System.arraycopy(raw, 0, observedIp, 0, raw.length);
      observedIpLength = raw.length;
    }
    observedPort = address.getPort();
    observedAddressSequence++;
    observedAddressPending = true;
  }

  private static boolean isIpv4Mapped(byte[] raw) {
    for (int i = 0; i < 10; i++) {
      if (raw[i] != 0) {
        return false;
      }
    }
    return raw[10] == (byte) 0xff && raw[11] == (byte) 0xff;
  }

  /** True when the peer negotiated address discovery (draft-ietf-quic-address-discovery). */
  public boolean addressDiscoveryNegotiated() {
    return observedAddressWanted;
  }

  private void onPathResponse(long data, long now) {
    if (candidate != null && data == candidateChallenge) {
      InetSocketAddress validated = candidate;
      boolean migrate = candidateNonProbing;
      candidate = null;
      candidateAmp = null;
      candidateChallengePending = false;
      candidateChallengeDeadline = PacketNumberSpace.NO_TIME;
      if (validated.equals(peer)) {
        amp.markValidated();
        fallbackPeer = null;
      }
      if (migrate) {
        peer = validated;
        observeAddress(validated);
        LOG.debug("path to {} validated, migrating", validated);
        listener.onAddressChanged(this, validated);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Sending

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
    if (state != ST_HANDSHAKE && aead.sendKeyExhausted()) {
      return 0; // RFC 9001 §6.6: this key protects no more packets
    }
    outBuf.wrap(out);
    int maxLen = (int) Math.min(peerMaxUdp, cfg.maxUdpPayloadSize);
    maxLen = Math.min(maxLen, out.length - off);
    if (state == ST_CLOSING) {
      return sendClose(out, off, maxLen, nowNanos);
    }
    if (state == ST_ESTABLISHED && (candidateChallengePending || probeResponsePending)) {
      int n = sendProbe(out, off, maxLen, nowNanos);
      if (n > 0) {
        return n;
      }
    }
    destination = peer;
    int allowance = amp.sendAllowance();
    if (allowance < maxLen) {
      maxLen = allowance;
    }
    if (maxLen < 64) {
      return 0;
    }
    boolean wantInitial = wantsToSend(PacketNumberSpace.INITIAL, nowNanos);
    boolean wantHandshake = wantsToSend(PacketNumberSpace.HANDSHAKE, nowNanos);
    boolean wantApp =
        state == ST_ESTABLISHED && wantsToSend(PacketNumberSpace.APPLICATION, nowNanos);
    if (wantInitial && maxLen < MIN_INITIAL_DATAGRAM) {
      wantInitial = false; // cannot pad it (RFC 9000 §14.1): wait for more bytes from the client
    }
    int pos = off;
    int end = off + maxLen;
    int padTo = wantInitial ? off + MIN_INITIAL_DATAGRAM : 0;
    if (wantInitial) {
      boolean last = !wantHandshake && !wantApp;
      pos += buildPacket(PacketNumberSpace.INITIAL, out, pos, end, last ? padTo : 0, nowNanos);
    }
    if (wantHandshake) {
      boolean last = !wantApp;
      pos += buildPacket(PacketNumberSpace.HANDSHAKE, out, pos, end, last ? padTo : 0, nowNanos);
    }
    if (wantApp) {
      pos += buildPacket(PacketNumberSpace.APPLICATION, out, pos, end, padTo, nowNanos);
    }
    int n = pos - off;
    if (n > 0 && wantInitial && n < MIN_INITIAL_DATAGRAM) {
      // The packet meant to carry the padding had nothing to send: close the datagram with a
      // PADDING-only packet of the highest space with keys (RFC 9000 §14.1).
      int space =
          tx[PacketNumberSpace.APPLICATION] != null && state == ST_ESTABLISHED
              ? PacketNumberSpace.APPLICATION
              : tx[PacketNumberSpace.HANDSHAKE] != null
                  ? PacketNumberSpace.HANDSHAKE
                  : PacketNumberSpace.INITIAL;
      pos += controlPacket(space, out, pos, end, padTo, false);
      n = pos - off;
    }
    if (n > 0) {
      onDatagramSent(n, nowNanos);
    }
    return n;
  }

  private void onDatagramSent(int n, long now) {
    amp.onDatagramSent(n);
    bytesSent += n;
    datagramsSent++;
    qlog.recovery(now, cc, rtt);
  }

  /** Where the datagram last returned by {@link #pollDatagram} goes. */
  public InetSocketAddress pollDestination() {
    return destination;
  }

  private boolean wantsToSend(int space, long now) {
    PacketProtection keys = tx[space];
    if (keys == null) {
      return false;
    }
    ReceivedPacketTracker t = trackers[space];
    if (ackPending[space] && t.ackWanted(now)) {
      return true;
    }
    if (loss.probesPending() > 0 && loss.ptoSpace() == space) {
      return true;
    }
    if (space != PacketNumberSpace.APPLICATION) {
      BitSet p = cryptoPending[space];
      return p != null && !p.isEmpty() && loss.canSend(space, 1200);
    }
    if (handshakeDonePending
        || observedAddressPending
        || maxDataPending
        || maxStreamsBidiPending
        || maxStreamsUniPending
        || pendingStreamCount > 0
        || pendingRetireCount > 0
        || pathResponsePending
        || hasNcidPending()) {
      return !loss.isFull(space);
    }
    return dgCount > 0 && loss.canSend(space, 1200);
  }

  private boolean hasNcidPending() {
    for (int i = 0; i < localSlots; i++) {
      if (localAnnounce[i]) {
        return true;
      }
    }
    return false;
  }

  /**
   * Builds one packet of {@code space} at {@code out[start..end)}; returns its length (0 if it had
   * nothing to carry). When {@code padTo > 0} the packet is padded so that it ends at or after
   * {@code padTo}.
   */
  /**
   * Writes the header of a packet of {@code space} at {@code start} in {@code outBuf} (Initial
   * without a token, Handshake, or 1-RTT with the current key phase); returns the packet number
   * offset.
   */
  private int writeHeader(int space, int start, long pn, int pnLen) {
    if (space == PacketNumberSpace.INITIAL) {
      return PacketHeaderWriter.writeInitial(
          outBuf, start, VERSION, dcidBuf, 0, dcidLen, scidBuf, 0, cidLen, null, 0, 0, pn, pnLen);
    }
    if (space == PacketNumberSpace.HANDSHAKE) {
      return PacketHeaderWriter.writeHandshake(
          outBuf, start, VERSION, dcidBuf, 0, dcidLen, scidBuf, 0, cidLen, pn, pnLen);
    }
    return PacketHeaderWriter.writeShortHeader(
        outBuf, start, txPhase, dcidBuf, 0, dcidLen, pn, pnLen);
  }

  /**
   * Doubles the per-packet records of {@code space} (its ledger doubles in step when it records the
   * next packet), keeping every live record at its logical number: the live ones are the last
   * {@code recordCount()} records sent, one per ledger entry.
   */
  private void growRecords(int space) {
    int oldMask = recCap[space] - 1;
    int newCap = recCap[space] << 1;
    int newMask = newCap - 1;
    long[] cryptoOff = new long[newCap];
    int[] cryptoLen = new int[newCap];
    int[] flags = new int[newCap];
    long[] ackLargest = new long[newCap];
    boolean app = space == PacketNumberSpace.APPLICATION;
    long[] streamId = app ? new long[newCap] : null;
    long[] retireSeq = app ? new long[newCap] : null;
    int[] ncidMask = app ? new int[newCap] : null;
    long end = recordsSent[space];
    for (long r = end - loss.ledger(space).recordCount(); r < end; r++) {
      int from = (int) (r & oldMask);
      int to = (int) (r & newMask);
      cryptoOff[to] = recCryptoOff[space][from];
      cryptoLen[to] = recCryptoLen[space][from];
      flags[to] = recFlags[space][from];
      ackLargest[to] = recAckLargest[space][from];
      if (app) {
        streamId[to] = recStreamId[from];
        retireSeq[to] = recRetireSeq[from];
        ncidMask[to] = recNcidMask[from];
      }
    }
    recCryptoOff[space] = cryptoOff;
    recCryptoLen[space] = cryptoLen;
    recFlags[space] = flags;
    recAckLargest[space] = ackLargest;
    if (app) {
      recStreamId = streamId;
      recRetireSeq = retireSeq;
      recNcidMask = ncidMask;
    }
    recCap[space] = newCap;
  }

  private int buildPacket(int space, byte[] out, int start, int end, int padTo, long now) {
    PacketProtection keys = tx[space];
    if (keys == null || end - start < 64) {
      return 0;
    }
    long pn = nextPn[space];
    SentPacketLedger ledger = loss.ledger(space);
    int pnLen = Math.max(2, PacketNumber.encodedLength(pn, ledger.largestAcked()));
    int pnOff = writeHeader(space, start, pn, pnLen);
    int payload = pnOff + pnLen;
    int limit = end - TAG;
    int pos = payload;
    if (loss.ledger(space).recordCount() >= recCap[space] && recCap[space] < recMaxCap) {
      growRecords(space);
    }
    int rec = (int) (recordsSent[space] & (recCap[space] - 1));
    long cOff = -1;
    int cLen = 0;
    int flags = 0;
    long ackLargest = -1;
    long streamIdSent = -1;
    long retireSent = -1;
    int ncidMask = 0;
    boolean ackEliciting = false;
    boolean mayElicit = loss.canSend(space, end - start);

    ReceivedPacketTracker t = trackers[space];
    if (ackPending[space] && t.hasRanges() && limit - pos > 40) {
      int rc = Math.min(t.rangeCount(), (limit - pos - 40) / 16);
      for (int i = 0; i < rc; i++) {
        ackGaps[i] = t.gap(i);
        ackLengths[i] = t.rangeLength(i);
      }
      long delay = t.ackDelayMicros(now) >>> ACK_DELAY_EXPONENT;
      pos +=
          FrameWriter.writeAck(
              outBuf, pos, t.largest(), delay, t.firstRange(), ackGaps, ackLengths, rc);
      ackLargest = t.largest();
      flags |= F_ACK;
      t.onAckSent();
      ackPending[space] = false;
    }
    if (mayElicit && space != PacketNumberSpace.APPLICATION) {
      BitSet p = cryptoPending[space];
      if (p != null && limit - pos > 16) {
        int from = p.nextSetBit(0);
        if (from >= 0) {
          int to = p.nextClearBit(from);
          int room = limit - pos - FrameWriter.cryptoHeaderLength(from, to - from);
          int n = Math.min(to - from, room);
          if (n > 0) {
            int h = FrameWriter.writeCryptoHeader(outBuf, pos, from, n);
            outBuf.putBytes(pos + h, cryptoOut[space], from, n);
            pos += h + n;
            p.clear(from, from + n);
            cOff = from;
            cLen = n;
            ackEliciting = true;
          }
        }
      }
    }
    if (space == PacketNumberSpace.APPLICATION && !loss.isFull(space)) {
      if (handshakeDonePending && limit - pos > 1) {
        pos += FrameWriter.writeHandshakeDone(outBuf, pos);
        handshakeDonePending = false;
        flags |= F_HANDSHAKE_DONE;
        ackEliciting = true;
      }
      if (observedAddressPending && limit - pos > 4 + 8 + 16 + 2) {
        pos +=
            FrameWriter.writeObservedAddress(
                outBuf,
                pos,
                observedAddressSequence,
                observedIpView,
                0,
                observedIpLength,
                observedPort);
        observedAddressPending = false;
        flags |= F_OBSERVED_ADDRESS;
        ackEliciting = true;
      }
      if (pathResponsePending && limit - pos > 9) {
        pos += FrameWriter.writePathResponse(outBuf, pos, pathResponseData);
        pathResponsePending = false;
        ackEliciting = true;
      }
      if (maxDataPending && limit - pos > 9) {
        pos += FrameWriter.writeMaxData(outBuf, pos, flow.maxData());
        maxDataPending = false;
        flags |= F_MAX_DATA;
        ackEliciting = true;
      }
      if (maxStreamsBidiPending && limit - pos > 9) {
        pos += FrameWriter.writeMaxStreams(outBuf, pos, true, flow.maxStreams(true));
        maxStreamsBidiPending = false;
        flags |= F_MAX_STREAMS_BIDI;
        ackEliciting = true;
      }
      if (maxStreamsUniPending && limit - pos > 9) {
        pos += FrameWriter.writeMaxStreams(outBuf, pos, false, flow.maxStreams(false));
        maxStreamsUniPending = false;
        flags |= F_MAX_STREAMS_UNI;
        ackEliciting = true;
      }
      if (pendingStreamCount > 0 && limit - pos > 17) {
        long id = pendingStreamIds[--pendingStreamCount];
        long max = flow.maxStreamData(id);
        if (max >= 0) {
          pos += FrameWriter.writeMaxStreamData(outBuf, pos, id, max);
          flags |= F_MAX_STREAM_DATA;
          streamIdSent = id;
          ackEliciting = true;
        }
      }
      if (pendingRetireCount > 0 && limit - pos > 9) {
        long seq = pendingRetires[--pendingRetireCount];
        pos += FrameWriter.writeRetireConnectionId(outBuf, pos, seq);
        flags |= F_RETIRE_CID;
        retireSent = seq;
        ackEliciting = true;
      }
      for (int i = 0; i < localSlots; i++) {
        if (localAnnounce[i] && limit - pos > 1 + 8 + 8 + 1 + cidLen + 16) {
          pos +=
              FrameWriter.writeNewConnectionId(
                  outBuf, pos, localSeq[i], 0, scidBufAt(i), 0, cidLen, tokenBufAt(i), 0);
          localAnnounce[i] = false;
          localSent[i] = true;
          ncidMask |= 1 << i;
          ackEliciting = true;
        }
      }
      if (mayElicit && peerMaxDatagramFrame > 0) {
        while (dgCount > 0) {
          int len = dgLen[dgHead];
          int h = FrameWriter.datagramHeaderLength(len, true);
          if (limit - pos < h + len) {
            break;
          }
          pos += FrameWriter.writeDatagramHeader(outBuf, pos, len, true);
          outBuf.putBytes(pos, dgRing, dgHead * dgSlot, len);
          pos += len;
          dgHead = dgHead + 1 == dgLen.length ? 0 : dgHead + 1;
          dgCount--;
          datagramFramesSent++;
          ackEliciting = true;
        }
      }
    }
    if (!ackEliciting
        && loss.probesPending() > 0
        && loss.ptoSpace() == space
        && !loss.isFull(space)
        && limit - pos > 1) {
      pos += FrameWriter.writePing(outBuf, pos);
      ackEliciting = true;
    }
    if (pos == payload) {
      return 0;
    }
    // Header protection needs 4 bytes of packet number + payload before the sample (RFC 9001
    // §5.4.2); the Initial datagram padding goes into the last packet (RFC 9000 §14.1).
    int minPayloadEnd = pnOff + 4;
    if (padTo > 0) {
      minPayloadEnd = Math.max(minPayloadEnd, Math.min(padTo, end) - TAG);
    }
    if (pos < minPayloadEnd) {
      FrameWriter.writePadding(outBuf, pos, minPayloadEnd - pos);
      pos = minPayloadEnd;
    }
    int payloadLen = pos - payload;
    if (space != PacketNumberSpace.APPLICATION) {
      PacketHeaderWriter.patchLength(
          outBuf, PacketHeaderWriter.lengthFieldOffset(pnOff), pnLen + payloadLen + TAG);
    }
    qlog.packetSent(now, space, pn, pos + TAG - start, out, pnOff + pnLen, payloadLen);
    int n = keys.protect(out, start, pnOff, pnLen, payloadLen, pn);
    if (n < 0) {
      throw new IllegalStateException("packet protection failed: " + n);
    }
    nextPn[space] = pn + 1;
    if (space == PacketNumberSpace.APPLICATION) {
      aead.onProtected();
      if (ackLargest >= 0) {
        keyGuard.onAckSent(ackLargest);
      }
    }
    boolean inFlight = ackEliciting || padTo > 0;
    if (ackEliciting || inFlight) {
      recCryptoOff[space][rec] = cOff;
      recCryptoLen[space][rec] = cLen;
      recFlags[space][rec] = flags;
      recAckLargest[space][rec] = ackLargest;
      if (space == PacketNumberSpace.APPLICATION) {
        recStreamId[rec] = streamIdSent;
        recRetireSeq[rec] = retireSent;
        recNcidMask[rec] = ncidMask;
      }
      recordsSent[space]++;
    }
    loss.onPacketSent(space, pn, now, n, ackEliciting, inFlight, recordsSent[space] - 1);
    if (ackEliciting && !ackElicitingSentSinceRx && idleTimeoutNanos > 0) {
      // RFC 9000 §10.1: restart the idle timer when sending the first ack-eliciting packet after
      // receiving.
      ackElicitingSentSinceRx = true;
      idleDeadline = Math.max(idleDeadline, now + idleTimeoutNanos);
    }
    return n;
  }

  private final UnsafeBuffer cidView = new UnsafeBuffer(new byte[0]);
  private final UnsafeBuffer tokenView = new UnsafeBuffer(new byte[0]);

  private UnsafeBuffer scidBufAt(int slot) {
    cidView.wrap(localCids, slot * cidLen, cidLen);
    return cidView;
  }

  private UnsafeBuffer tokenBufAt(int slot) {
    tokenView.wrap(
        localTokens, slot * StatelessResetTokens.TOKEN_LENGTH, StatelessResetTokens.TOKEN_LENGTH);
    return tokenView;
  }

  /** A datagram to a path being validated: PATH_CHALLENGE / PATH_RESPONSE, padded (§8.2.1). */
  private int sendProbe(byte[] out, int off, int maxLen, long now) {
    InetSocketAddress to;
    AmplificationLimiter limiter = null;
    if (candidateChallengePending) {
      to = candidate;
      limiter = candidate.equals(peer) ? amp : candidateAmp;
    } else {
      to = probeResponseAddr;
      if (to.equals(peer)) {
        limiter = amp;
      } else if (candidate != null && to.equals(candidate)) {
        limiter = candidateAmp;
      }
    }
    if (limiter == null) {
      // Not the candidate: the current (validated) path, or an address that is no longer the
      // candidate, still unvalidated (RFC 9000 §9.3).
      limiter = to.equals(peer) ? amp : probeResponseAmp;
    }
    int allowance = limiter.sendAllowance();
    int len = Math.min(maxLen, Math.min(allowance, MIN_INITIAL_DATAGRAM));
    if (len < 64) {
      return 0;
    }
    PacketProtection keys = tx[PacketNumberSpace.APPLICATION];
    long pn = nextPn[PacketNumberSpace.APPLICATION];
    int pnLen = 4;
    int pnOff =
        PacketHeaderWriter.writeShortHeader(outBuf, off, txPhase, dcidBuf, 0, dcidLen, pn, pnLen);
    int pos = pnOff + pnLen;
    boolean challenge = false;
    if (candidateChallengePending && to == candidate) {
      pos += FrameWriter.writePathChallenge(outBuf, pos, candidateChallenge);
      candidateChallengePending = false;
      candidateChallengeTries++;
      candidateChallengeDeadline = now + 3 * rtt.pto(true);
      challenge = true;
    }
    if (probeResponsePending && to.equals(probeResponseAddr)) {
      pos += FrameWriter.writePathResponse(outBuf, pos, probeResponseData);
      probeResponsePending = false;
    }
    int payloadEnd = off + len - TAG;
    if (pos < payloadEnd) {
      FrameWriter.writePadding(outBuf, pos, payloadEnd - pos);
      pos = payloadEnd;
    }
    qlog.packetSent(
        now,
        PacketNumberSpace.APPLICATION,
        pn,
        pos + TAG - off,
        out,
        pnOff + pnLen,
        pos - pnOff - pnLen);
    int n = keys.protect(out, off, pnOff, pnLen, pos - pnOff - pnLen, pn);
    if (n < 0) {
      return 0;
    }
    aead.onProtected();
    nextPn[PacketNumberSpace.APPLICATION] = pn + 1;
    // Probing packets are not tracked for loss: the challenge has its own retry timer.
    loss.onPacketSent(PacketNumberSpace.APPLICATION, pn, now, n, false, false, 0);
    limiter.onDatagramSent(n);
    if (limiter == candidateAmp && to.equals(probeResponseAddr)) {
      probeResponseAmp.onDatagramSent(n);
    }
    bytesSent += n;
    datagramsSent++;
    destination = to;
    if (challenge) {
      LOG.debug("PATH_CHALLENGE to {}", to);
    }
    return n;
  }

  /** Closing state: CONNECTION_CLOSE at every level the peer may be able to read. */
  private int sendClose(byte[] out, int off, int maxLen, long now) {
    if (!closeSendPending) {
      return 0;
    }
    destination = peer;
    int allowance = amp.sendAllowance();
    maxLen = Math.min(maxLen, allowance);
    boolean initial = tx[PacketNumberSpace.INITIAL] != null && maxLen >= MIN_INITIAL_DATAGRAM;
    boolean handshake = tx[PacketNumberSpace.HANDSHAKE] != null;
    boolean app = tx[PacketNumberSpace.APPLICATION] != null && state != ST_HANDSHAKE;
    if (tx[PacketNumberSpace.APPLICATION] != null && !handshake && !initial) {
      app = true;
    }
    if (maxLen < 64) {
      return 0;
    }
    closeSendPending = false;
    int pos = off;
    int end = off + maxLen;
    int padTo = initial ? off + MIN_INITIAL_DATAGRAM : 0;
    if (initial) {
      pos +=
          controlPacket(
              PacketNumberSpace.INITIAL, out, pos, end, handshake || app ? 0 : padTo, true);
    }
    if (handshake) {
      pos += controlPacket(PacketNumberSpace.HANDSHAKE, out, pos, end, app ? 0 : padTo, true);
    }
    if (app) {
      pos += controlPacket(PacketNumberSpace.APPLICATION, out, pos, end, padTo, true);
    }
    int n = pos - off;
    if (n > 0) {
      onDatagramSent(n, now);
    }
    return n;
  }

  /** A CONNECTION_CLOSE packet ({@code close}) or a PADDING-only packet, not tracked for loss. */
  private int controlPacket(int space, byte[] out, int start, int end, int padTo, boolean close) {
    PacketProtection keys = tx[space];
    long pn = nextPn[space];
    int pnLen = 4;
    int pnOff = writeHeader(space, start, pn, pnLen);
    int pos = pnOff + pnLen;
    // RFC 9000 §10.2.3: an application close before the handshake is confirmed is sent as
    // APPLICATION_ERROR in Initial/Handshake packets, without revealing the reason.
    boolean app = closeApplication && space == PacketNumberSpace.APPLICATION;
    long code = closeApplication && !app ? TransportError.APPLICATION_ERROR : closeErrorCode;
    if (close) {
      // The reason phrase goes only into 1-RTT packets (§10.2.3), cut to what fits: some clients
      // (Netty's QUIC codec) never report a close with an empty reason (ZTNA-V1 §5).
      int room = space == PacketNumberSpace.APPLICATION ? end - TAG - pos - 20 : 0;
      pos +=
          FrameWriter.writeConnectionClose(
              outBuf, pos, app, code, app ? 0 : closeFrameType, closeReason, room);
    }
    int minEnd = pnOff + 4;
    if (padTo > 0) {
      minEnd = Math.max(minEnd, Math.min(padTo, end) - TAG);
    }
    if (pos < minEnd) {
      FrameWriter.writePadding(outBuf, pos, minEnd - pos);
      pos = minEnd;
    }
    int payloadLen = pos - pnOff - pnLen;
    if (space != PacketNumberSpace.APPLICATION) {
      PacketHeaderWriter.patchLength(
          outBuf, PacketHeaderWriter.lengthFieldOffset(pnOff), pnLen + payloadLen + TAG);
    }
    qlog.packetSent(lastNow, space, pn, pos + TAG - start, out, pnOff + pnLen, payloadLen);
    int n = keys.protect(out, start, pnOff, pnLen, payloadLen, pn);
    if (n < 0) {
      return 0;
    }
    nextPn[space] = pn + 1;
    if (space == PacketNumberSpace.APPLICATION) {
      aead.onProtected();
    }
    if (!close) {
      loss.onPacketSent(space, pn, lastNow, n, false, false, 0);
    }
    return n;
  }

  // ------------------------------------------------------------------------------------------
  // Timers

  /** The earliest deadline, {@link Long#MAX_VALUE} if none. */
  public long nextTimeoutNanos() {
    if (state == ST_CLOSED) {
      return Long.MAX_VALUE;
    }
    if (state == ST_CLOSING || state == ST_DRAINING) {
      return closeEnd;
    }
    long t = Math.min(idleDeadline, loss.timerDeadline());
    if (!amp.isBlocked()) {
      for (int s = 0; s < PacketNumberSpace.COUNT; s++) {
        if (tx[s] != null && ackPending[s]) {
          t = Math.min(t, trackers[s].ackDeadline());
        }
      }
    }
    t = Math.min(t, candidateChallengeDeadline);
    if (candidate != null) {
      t = Math.min(t, candidateAbandonAt);
    }
    t = Math.min(t, prevKeyDiscardTime);
    return t;
  }

  /** Handles expired timers; calling it early or spuriously is harmless. */
  public void onTimeout(long nowNanos) {
    lastNow = nowNanos;
    if (state == ST_CLOSED) {
      return;
    }
    if (state == ST_CLOSING || state == ST_DRAINING) {
      if (nowNanos >= closeEnd) {
        terminate();
      }
      return;
    }
    if (nowNanos >= idleDeadline) {
      notifyClosed(0, false, false, "idle timeout");
      terminate();
      return;
    }
    if (nowNanos >= prevKeyDiscardTime) {
      rxPrev = null;
      prevKeyDiscardTime = PacketNumberSpace.NO_TIME;
    }
    if (nowNanos >= candidateChallengeDeadline
        || (candidate != null && nowNanos >= candidateAbandonAt)) {
      candidateChallengeDeadline = PacketNumberSpace.NO_TIME;
      if (candidate != null) {
        if (candidateChallengeTries >= 3 || nowNanos >= candidateAbandonAt) {
          LOG.debug("path validation to {} failed", candidate);
          if (candidate.equals(peer) && fallbackPeer != null) {
            // RFC 9000 §9.3.2: back to the last validated path.
            peer = fallbackPeer;
            amp.copyFrom(fallbackAmp);
            fallbackPeer = null;
            listener.onPeerAddressChanged(this, peer);
          }
          candidate = null;
          candidateAmp = null;
          candidateChallengePending = false;
        } else {
          candidateChallengePending = true;
        }
      }
    }
    int r = loss.onLossDetectionTimeout(nowNanos);
    if (r == LossDetector.TIMEOUT_PTO) {
      int space = loss.ptoSpace();
      if (space != PacketNumberSpace.APPLICATION && cryptoPending[space] != null) {
        // Probe with the unacknowledged CRYPTO data (RFC 9002 §6.2.4).
        BitSet p = cryptoPending[space];
        p.set(0, cryptoOutLen[space]);
        p.andNot(cryptoAcked[space]);
      }
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
    closeErrorCode = code;
    closeApplication = application;
    closeFrameType = frameType;
    closeReason = reason;
    closeSendPending = true;
    closeEnd = now + 3 * rtt.pto(true);
    dgCount = 0;
    notifyClosed(code, application, false, reason);
  }

  private void enterDraining(long now) {
    if (state >= ST_CLOSING) {
      return;
    }
    state = ST_DRAINING;
    closeEnd = now + 3 * rtt.pto(true);
    dgCount = 0;
    long code = reader.errorCode();
    boolean app = reader.isApplicationClose();
    closeErrorCode = code;
    closeApplication = app;
    notifyClosed(code, app, true, "closed by peer");
  }

  /** Whether the packet ends with a stateless reset token the peer issued (RFC 9000 §10.3.1). */
  private boolean isStatelessReset(byte[] buf, int start, int end) {
    if (end - start < 21) {
      return false;
    }
    int t = end - StatelessResetTokens.TOKEN_LENGTH;
    for (int i = 0; i < peerCidUsed.length; i++) {
      if (!peerCidUsed[i] || peerCidSeq[i] == 0) {
        continue; // sequence 0 (the client's Initial SCID) carries no token
      }
      int off = i * StatelessResetTokens.TOKEN_LENGTH;
      int diff = 0;
      for (int k = 0; k < StatelessResetTokens.TOKEN_LENGTH; k++) {
        diff |= buf[t + k] ^ peerTokens[off + k];
      }
      if (diff == 0) {
        return true;
      }
    }
    return false;
  }

  private void enterDrainingAfterReset(long now) {
    if (state >= ST_CLOSING) {
      return;
    }
    state = ST_DRAINING;
    closeEnd = now + 3 * rtt.pto(true);
    dgCount = 0;
    closeErrorCode = 0;
    closeApplication = false;
    closeReason = "stateless reset";
    notifyClosed(0, false, true, "stateless reset");
  }

  private void notifyClosed(long code, boolean app, boolean byPeer, String reason) {
    if (!closedNotified) {
      closedNotified = true;
      listener.onClosed(this, code, app, byPeer, reason);
    }
  }

  private void terminate() {
    if (state == ST_CLOSED) {
      return;
    }
    // The trace's last event: after the closing/draining period (RFC 9000 §10.2), or at once on an
    // idle timeout (closeErrorCode is 0 then).
    qlog.connectionClosed(
        lastNow, state == ST_DRAINING, closeApplication, closeErrorCode, state < ST_CLOSING);
    state = ST_CLOSED;
    if (aliasRouted) {
      aliasRouted = false;
      listener.onLocalCidRetired(this, aliasCid, 0, aliasCid.length);
    }
    for (int i = 0; i < localSlots; i++) {
      if (localActive[i]) {
        localActive[i] = false;
        listener.onLocalCidRetired(this, localCids, i * cidLen, cidLen);
      }
    }
    dgRing = null;
    dgLen = null;
    dgCount = 0;
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
    if (peerMaxDatagramFrame == 0) {
      return SEND_UNSUPPORTED;
    }
    if (len < 0 || len > maxDatagramPayload()) {
      datagramFramesDropped++;
      return SEND_TOO_BIG;
    }
    if (dgRing == null) {
      dgSlot = cfg.maxUdpPayloadSize;
      int slots = Math.min(INITIAL_DATAGRAM_SLOTS, cfg.maxDatagramQueue);
      dgRing = new byte[slots * dgSlot];
      dgLen = new int[slots];
    }
    if (dgCount == dgLen.length) {
      if (dgLen.length >= cfg.maxDatagramQueue) {
        datagramFramesDropped++;
        return SEND_QUEUE_FULL;
      }
      growDatagramQueue();
    }
    int slot = dgHead + dgCount;
    if (slot >= dgLen.length) {
      slot -= dgLen.length;
    }
    src.getBytes(off, dgRing, slot * dgSlot, len);
    dgLen[slot] = len;
    dgCount++;
    return SEND_QUEUED;
  }

  /**
   * Doubles the full DATAGRAM queue (capped at {@link ConnectionConfig#maxDatagramQueue}), oldest
   * first at slot 0: a connection that bursts pays this once, one that never bursts keeps a small
   * queue (a full-size queue is {@code maxDatagramQueue} x the UDP payload size, 1.4 MB by
   * default).
   */
  private void growDatagramQueue() {
    int slots = Math.min(dgLen.length * 2, cfg.maxDatagramQueue);
    byte[] ring = new byte[slots * dgSlot];
    int[] lens = new int[slots];
    for (int n = 0; n < dgCount; n++) {
      int from = dgHead + n;
      if (from >= dgLen.length) {
        from -= dgLen.length;
      }
      System.arraycopy(dgRing, from * dgSlot, ring, n * dgSlot, dgLen[from]);
      lens[n] = dgLen[from];
    }
    dgRing = ring;
    dgLen = lens;
    dgHead = 0;
  }

  /** The largest DATAGRAM payload {@link #sendDatagram} accepts now (0 if none). */
  public int maxDatagramPayload() {
    if (peerMaxDatagramFrame == 0) {
      return 0;
    }
    int path = (int) Math.min(peerMaxUdp, cfg.maxUdpPayloadSize);
    // short header (1 + DCID + 4-byte packet number) + AEAD tag + DATAGRAM type and 2-byte length
    int p = path - 1 - dcidLen - 4 - TAG - 3;
    long byFrame = peerMaxDatagramFrame - 3;
    return (int) Math.max(0, Math.min(p, byFrame));
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
    return peer;
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
    return suite;
  }

  /** The error code of the close (ours or the peer's), 0 before. */
  public long closeErrorCode() {
    return closeErrorCode;
  }

  public boolean closeIsApplication() {
    return closeApplication;
  }

  public String closeReason() {
    return closeReason;
  }

  public long bytesReceived() {
    return bytesReceived;
  }

  public long bytesSent() {
    return bytesSent;
  }

  public long datagramsReceived() {
    return datagramsReceived;
  }

  public long datagramsSent() {
    return datagramsSent;
  }

  public long datagramFramesReceived() {
    return datagramFramesReceived;
  }

  public long datagramFramesSent() {
    return datagramFramesSent;
  }

  public long datagramFramesDropped() {
    return datagramFramesDropped;
  }

  public long packetsDropped() {
    return packetsDropped;
  }

  /** The AEAD usage counts (RFC 9001 §6.6), for tests. */
  AeadLimits aeadLimits() {
    return aead;
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
    return tx[space] != null || rx[space] != null;
  }

  int activeLocalCids() {
    int n = 0;
    for (boolean a : localActive) {
      if (a) {
        n++;
      }
    }
    return n;
  }

  /** The server's connection ID of sequence 0 (the SCID of its long headers). */
  byte[] localCid() {
    return java.util.Arrays.copyOf(localCids, cidLen);
  }

  String timers() {
    return "idle="
        + (idleDeadline - lastNow)
        + " loss="
        + (loss.timerDeadline() - lastNow)
        + " ack0="
        + (ackPending[0] ? trackers[0].ackDeadline() - lastNow : -1)
        + " ack1="
        + (ackPending[1] ? trackers[1].ackDeadline() - lastNow : -1)
        + " ack2="
        + (ackPending[2] ? trackers[2].ackDeadline() - lastNow : -1)
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

  // ------------------------------------------------------------------------------------------
  // Callbacks from TLS and the loss detector (one instance per connection).

  private final class Callbacks implements TlsListener, SentPacketListener {
    @Override
    public byte[] onClientTransportParameters(byte[] clientParameters) {
      return QuicConnection.this.onClientTransportParameters(clientParameters);
    }

    @Override
    public void onHandshakeData(EncryptionLevel level, byte[] data, int off, int len) {
      appendCrypto(spaceOf(level), data, off, len);
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
      if (recFlags[space] == null) {
        return;
      }
      int rec = (int) (token & (recCap[space] - 1));
      int flags = recFlags[space][rec];
      if ((flags & F_ACK) != 0) {
        trackers[space].onAckOfAckReceived(recAckLargest[space][rec]);
      }
      if ((flags & F_HANDSHAKE_DONE) != 0) {
        handshakeDoneAcked = true;
      }
      int cLen = recCryptoLen[space][rec];
      if (cLen > 0 && cryptoAcked[space] != null) {
        int from = (int) recCryptoOff[space][rec];
        cryptoAcked[space].set(from, from + cLen);
        cryptoPending[space].andNot(cryptoAcked[space]);
      }
    }

    @Override
    public void onPacketLost(
        int space, long pn, long token, int size, boolean inFlight, long timeSent) {
      qlog.packetLost(lastNow, space, pn);
      if (recFlags[space] == null) {
        return;
      }
      int rec = (int) (token & (recCap[space] - 1));
      int cLen = recCryptoLen[space][rec];
      if (cLen > 0 && cryptoPending[space] != null) {
        int from = (int) recCryptoOff[space][rec];
        for (int i = from; i < from + cLen; i++) {
          if (!cryptoAcked[space].get(i)) {
            cryptoPending[space].set(i);
          }
        }
      }
      int flags = recFlags[space][rec];
      if (space != PacketNumberSpace.APPLICATION || state != ST_ESTABLISHED) {
        return;
      }
      if ((flags & F_HANDSHAKE_DONE) != 0 && !handshakeDoneAcked) {
        handshakeDonePending = true;
      }
      if ((flags & F_OBSERVED_ADDRESS) != 0) {
        // Resend the newest observation (a lost older one is superseded by it).
        observedAddressPending = true;
      }
      if ((flags & F_MAX_DATA) != 0) {
        maxDataPending = true;
      }
      if ((flags & F_MAX_STREAMS_BIDI) != 0) {
        maxStreamsBidiPending = true;
      }
      if ((flags & F_MAX_STREAMS_UNI) != 0) {
        maxStreamsUniPending = true;
      }
      if ((flags & F_MAX_STREAM_DATA) != 0) {
        queueStreamId(recStreamId[rec]);
      }
      if ((flags & F_RETIRE_CID) != 0) {
        requeueRetire(recRetireSeq[rec]);
      }
      int mask = recNcidMask[rec];
      for (int i = 0; mask != 0 && i < localSlots; i++) {
        if ((mask & (1 << i)) != 0 && localActive[i]) {
          localAnnounce[i] = true;
        }
      }
    }

    @Override
    public void onPacketDiscarded(int space, long pn, long token, int size) {}
  }
}
