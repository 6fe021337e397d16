package dev.ztna.server.conn;

import dev.ztna.server.crypto.PacketProtection;
import dev.ztna.server.wire.FrameWriter;
import dev.ztna.server.wire.PacketHeaderFlyweight;
import dev.ztna.server.wire.PacketHeaderWriter;
import dev.ztna.server.wire.PacketNumber;
import dev.ztna.server.wire.TransportError;
import java.net.InetSocketAddress;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The send side of a {@link QuicConnection}: which packets go into the next datagram (coalesced
 * Initial, Handshake and 1-RTT packets, padded to 1200 bytes when one is an Initial, RFC 9000
 * §14.1), a probe datagram to a path being validated (§8.2.1), or CONNECTION_CLOSE while closing
 * (§10.2); the frames of each packet, one writer per frame kind, in a fixed order; protection, the
 * sent-frame record ({@link SentFrames}) and the loss detector's ledger. What was acknowledged or
 * lost comes back here too ({@link #onPacketAcked}, {@link #onPacketLost}): lost frames are queued
 * again in the part that owns them (RFC 9000 §13.3).
 *
 * <p>Single-threaded; assembling 1-RTT packets with ACK and DATAGRAM frames allocates nothing.
 */
final class PacketAssembler {
  private static final Logger LOG = LoggerFactory.getLogger(PacketAssembler.class);

  private static final int TAG = PacketProtection.TAG_LENGTH;
  private static final int VERSION = PacketHeaderFlyweight.VERSION_1;
  private static final int INITIAL = PacketNumberSpace.INITIAL;
  private static final int HANDSHAKE = PacketNumberSpace.HANDSHAKE;
  private static final int APP = PacketNumberSpace.APPLICATION;
  private static final int MIN_INITIAL = QuicConnection.MIN_INITIAL_DATAGRAM;

  /** ACK range scratch shared by the connections of one thread (used only inside a call). */
  private static final ThreadLocal<long[][]> ACK_SCRATCH =
      ThreadLocal.withInitial(
          () ->
              new long[][] {
                new long[ReceivedPacketTracker.MAX_RANGES],
                new long[ReceivedPacketTracker.MAX_RANGES]
              });

  private final int maxUdpPayload;
  private final PacketNumberSpaces spaces;
  private final KeyPhases keys;
  private final ConnectionIds cids;
  private final Paths paths;
  private final AmplificationLimiter amp;
  private final LossDetector loss;
  private final SentFrames sent;
  private final CryptoStreams crypto;
  private final FlowCreditFrames credit;
  private final ObservedAddress observed;
  private final DatagramQueue datagrams;
  private final CloseState close;
  private final IdleTimer idle;
  private final RttEstimator rtt;
  private final NewRenoCongestionController cc;
  private final QlogSink qlog;
  private final UnsafeBuffer outBuf = new UnsafeBuffer(new byte[0]);

  private long peerMaxUdp = 65527;
  private long peerMaxDatagramFrame;
  private boolean established;
  private boolean handshakeDonePending;
  private boolean handshakeDoneAcked;
  private long bytesSent;
  private long datagramsSent;
  private long datagramFramesSent;

  PacketAssembler(
      int maxUdpPayload,
      PacketNumberSpaces spaces,
      KeyPhases keys,
      ConnectionIds cids,
      Paths paths,
      LossDetector loss,
      SentFrames sent,
      CryptoStreams crypto,
      FlowCreditFrames credit,
      ObservedAddress observed,
      DatagramQueue datagrams,
      CloseState close,
      IdleTimer idle,
      RttEstimator rtt,
      NewRenoCongestionController cc,
      QlogSink qlog) {
    this.maxUdpPayload = maxUdpPayload;
    this.spaces = spaces;
    this.keys = keys;
    this.cids = cids;
    this.paths = paths;
    this.amp = paths.amplification();
    this.loss = loss;
    this.sent = sent;
    this.crypto = crypto;
    this.credit = credit;
    this.observed = observed;
    this.datagrams = datagrams;
    this.close = close;
    this.idle = idle;
    this.rtt = rtt;
    this.cc = cc;
    this.qlog = qlog;
  }

  /** The peer's max_udp_payload_size and max_datagram_frame_size (RFC 9000 §18.2, RFC 9221 §3). */
  void onPeerParameters(long maxUdp, long maxDatagramFrame) {
    peerMaxUdp = maxUdp;
    peerMaxDatagramFrame = maxDatagramFrame;
  }

  long peerMaxDatagramFrame() {
    return peerMaxDatagramFrame;
  }

  /** The handshake is confirmed: 1-RTT data may go, starting with HANDSHAKE_DONE (§4.1.2). */
  void onEstablished() {
    established = true;
    handshakeDonePending = true;
  }

  /** The connection is closing or draining: nothing but CONNECTION_CLOSE goes any more. */
  void onClosing() {
    established = false;
  }

  /** The largest DATAGRAM payload that fits in one packet now (0 if the peer takes none). */
  int maxDatagramPayload() {
    if (peerMaxDatagramFrame == 0) {
      return 0;
    }
    int path = (int) Math.min(peerMaxUdp, maxUdpPayload);
    // short header (1 + DCID + 4-byte packet number) + AEAD tag + DATAGRAM type and 2-byte length
    int p = path - 1 - cids.dcidLength() - 4 - TAG - 3;
    long byFrame = peerMaxDatagramFrame - 3;
    return (int) Math.max(0, Math.min(p, byFrame));
  }

  /** Where the datagram written last goes. */
  InetSocketAddress destination() {
    return paths.destination();
  }

  long bytesSent() {
    return bytesSent;
  }

  long datagramsSent() {
    return datagramsSent;
  }

  long datagramFramesSent() {
    return datagramFramesSent;
  }

  private int maxLength(byte[] out, int off) {
    outBuf.wrap(out);
    int maxLen = (int) Math.min(peerMaxUdp, maxUdpPayload);
    return Math.min(maxLen, out.length - off);
  }

  // ------------------------------------------------------------------------------------------
  // Datagrams

  /**
   * Writes the next datagram of a connection that is not closing into {@code out[off..]}: a path
   * probe if one is due, else the coalesced packets of every space with something to send.
   *
   * @return its length, or 0 when nothing is due now
   */
  int poll(byte[] out, int off, long now) {
    int maxLen = maxLength(out, off);
    if (established && paths.hasProbe()) {
      int n = sendProbe(out, off, maxLen, now);
      if (n > 0) {
        return n;
      }
    }
    paths.sendToPeer();
    maxLen = Math.min(maxLen, amp.sendAllowance());
    if (maxLen < 64) {
      return 0;
    }
    boolean wantInitial = wantsToSend(INITIAL, now);
    boolean wantHandshake = wantsToSend(HANDSHAKE, now);
    boolean wantApp = established && wantsToSend(APP, now);
    if (wantInitial && maxLen < MIN_INITIAL) {
      wantInitial = false; // cannot pad it (RFC 9000 §14.1): wait for more bytes from the client
    }
    int pos = off;
    int end = off + maxLen;
    int padTo = wantInitial ? off + MIN_INITIAL : 0;
    if (wantInitial) {
      boolean last = !wantHandshake && !wantApp;
      pos += buildPacket(INITIAL, out, pos, end, last ? padTo : 0, now);
    }
    if (wantHandshake) {
      pos += buildPacket(HANDSHAKE, out, pos, end, wantApp ? 0 : padTo, now);
    }
    if (wantApp) {
      pos += buildPacket(APP, out, pos, end, padTo, now);
    }
    int n = pos - off;
    if (n > 0 && wantInitial && n < MIN_INITIAL) {
      // The packet meant to carry the padding had nothing to send: close the datagram with a
      // PADDING-only packet of the highest space with keys (RFC 9000 §14.1).
      int space =
          keys.send(APP) != null && established
              ? APP
              : keys.send(HANDSHAKE) != null ? HANDSHAKE : INITIAL;
      pos += controlPacket(space, out, pos, end, padTo, false, now);
      n = pos - off;
    }
    if (n > 0) {
      onDatagramSent(n, now);
    }
    return n;
  }

  /** Closing state: CONNECTION_CLOSE at every level the peer may be able to read. */
  int pollClose(byte[] out, int off, long now) {
    if (!close.isSendPending()) {
      return 0;
    }
    int maxLen = maxLength(out, off);
    paths.sendToPeer();
    maxLen = Math.min(maxLen, amp.sendAllowance());
    boolean initial = keys.send(INITIAL) != null && maxLen >= MIN_INITIAL;
    boolean handshake = keys.send(HANDSHAKE) != null;
    boolean app = keys.send(APP) != null;
    if (maxLen < 64) {
      return 0;
    }
    close.onSent();
    int pos = off;
    int end = off + maxLen;
    int padTo = initial ? off + MIN_INITIAL : 0;
    if (initial) {
      pos += controlPacket(INITIAL, out, pos, end, handshake || app ? 0 : padTo, true, now);
    }
    if (handshake) {
      pos += controlPacket(HANDSHAKE, out, pos, end, app ? 0 : padTo, true, now);
    }
    if (app) {
      pos += controlPacket(APP, out, pos, end, padTo, true, now);
    }
    int n = pos - off;
    if (n > 0) {
      onDatagramSent(n, now);
    }
    return n;
  }

  private void onDatagramSent(int n, long now) {
    amp.onDatagramSent(n);
    bytesSent += n;
    datagramsSent++;
    qlog.recovery(now, cc, rtt);
  }

  private boolean wantsToSend(int space, long now) {
    if (keys.send(space) == null) {
      return false;
    }
    if (spaces.ackPending(space) && spaces.tracker(space).ackWanted(now)) {
      return true;
    }
    if (loss.probesPending() > 0 && loss.ptoSpace() == space) {
      return true;
    }
    if (space != APP) {
      return crypto.hasPending(space) && loss.canSend(space, 1200);
    }
    if (handshakeDonePending
        || observed.isPending()
        || credit.hasPending()
        || cids.hasPendingRetires()
        || paths.hasPathResponse()
        || cids.hasAnnouncements()) {
      return !loss.isFull(space);
    }
    return !datagrams.isEmpty() && loss.canSend(space, 1200);
  }

  // ------------------------------------------------------------------------------------------
  // Packets

  /**
   * Writes the header of a packet of {@code space} at {@code start} (Initial without a token,
   * Handshake, or 1-RTT with the current key phase); returns the packet number offset.
   */
  private int writeHeader(int space, int start, long pn, int pnLen) {
    UnsafeBuffer dcid = cids.dcid();
    int dcidLen = cids.dcidLength();
    UnsafeBuffer scid = cids.initialLocalCid();
    int scidLen = cids.localLength();
    if (space == INITIAL) {
      return PacketHeaderWriter.writeInitial(
          outBuf, start, VERSION, dcid, 0, dcidLen, scid, 0, scidLen, null, 0, 0, pn, pnLen);
    }
    if (space == HANDSHAKE) {
      return PacketHeaderWriter.writeHandshake(
          outBuf, start, VERSION, dcid, 0, dcidLen, scid, 0, scidLen, pn, pnLen);
    }
    return PacketHeaderWriter.writeShortHeader(
        outBuf, start, keys.sendPhase(), dcid, 0, dcidLen, pn, pnLen);
  }

  /**
   * Builds one packet of {@code space} at {@code out[start..end)}; returns its length (0 if it had
   * nothing to carry). When {@code padTo > 0} the packet is padded so that it ends at or after
   * {@code padTo}. The frames go in a fixed order, each kind by its writer below: ACK, CRYPTO,
   * 1-RTT control frames, DATAGRAM, and a PING when a probe has nothing else to carry.
   */
  private int buildPacket(int space, byte[] out, int start, int end, int padTo, long now) {
    if (keys.send(space) == null || end - start < 64) {
      return 0;
    }
    long pn = spaces.nextPn(space);
    SentPacketLedger ledger = loss.ledger(space);
    int pnLen = Math.max(2, PacketNumber.encodedLength(pn, ledger.largestAcked()));
    int pnOff = writeHeader(space, start, pn, pnLen);
    int payload = pnOff + pnLen;
    int limit = end - TAG;
    sent.beginPacket(space, ledger.recordCount());
    boolean mayElicit = loss.canSend(space, end - start);
    int pos = payload + writeAckFrame(space, payload, limit, now);
    int elicit = pos;
    if (mayElicit && space != APP) {
      pos += writeCryptoFrame(space, pos, limit);
    }
    if (space == APP && !loss.isFull(space)) {
      pos += writeControlFrames(pos, limit);
      if (mayElicit && peerMaxDatagramFrame > 0) {
        pos += writeDatagramFrames(pos, limit);
      }
    }
    boolean ackEliciting = pos > elicit;
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
    return finishPacket(space, out, start, pnOff, pnLen, pos, end, padTo, ackEliciting, now);
  }

  /** An ACK frame when one is due ({@link ReceivedPacketTracker}, RFC 9000 §13.2). */
  private int writeAckFrame(int space, int pos, int limit, long now) {
    ReceivedPacketTracker t = spaces.tracker(space);
    if (!spaces.ackPending(space) || !t.hasRanges() || limit - pos <= 40) {
      return 0;
    }
    long[][] scratch = ACK_SCRATCH.get();
    long[] gaps = scratch[0];
    long[] lengths = scratch[1];
    int rc = Math.min(Math.min(t.rangeCount(), gaps.length), (limit - pos - 40) / 16);
    for (int i = 0; i < rc; i++) {
      gaps[i] = t.gap(i);
      lengths[i] = t.rangeLength(i);
    }
    long delay = t.ackDelayMicros(now) >>> QuicConnection.ACK_DELAY_EXPONENT;
    int n =
        FrameWriter.writeAck(outBuf, pos, t.largest(), delay, t.firstRange(), gaps, lengths, rc);
    sent.carriedAck(t.largest());
    t.onAckSent();
    spaces.setAckPending(space, false);
    return n;
  }

  /** The next pending CRYPTO bytes of an Initial or Handshake packet. */
  private int writeCryptoFrame(int space, int pos, int limit) {
    int n = crypto.writeFrame(space, outBuf, pos, limit);
    if (n > 0) {
      sent.carriedCrypto(crypto.lastFrameOffset(), crypto.lastFrameLength());
    }
    return n;
  }

  /**
   * The one-shot 1-RTT control frames that are due: HANDSHAKE_DONE, OBSERVED_ADDRESS,
   * PATH_RESPONSE, flow credit, RETIRE_CONNECTION_ID, NEW_CONNECTION_ID.
   */
  private int writeControlFrames(int start, int limit) {
    int pos = start;
    if (handshakeDonePending && limit - pos > 1) {
      pos += FrameWriter.writeHandshakeDone(outBuf, pos);
      handshakeDonePending = false;
      sent.carried(SentFrames.HANDSHAKE_DONE);
    }
    int n = observed.write(outBuf, pos, limit);
    if (n > 0) {
      pos += n;
      sent.carried(SentFrames.OBSERVED_ADDRESS);
    }
    if (paths.hasPathResponse() && limit - pos > 9) {
      pos += FrameWriter.writePathResponse(outBuf, pos, paths.takePathResponse());
    }
    n = credit.write(outBuf, pos, limit);
    if (n > 0) {
      pos += n;
      sent.carried(credit.lastFlags() & ~SentFrames.MAX_STREAM_DATA);
      if (credit.lastStreamId() >= 0) {
        sent.carriedMaxStreamData(credit.lastStreamId());
      }
    }
    if (cids.hasPendingRetires() && limit - pos > 9) {
      long seq = cids.takeRetire();
      pos += FrameWriter.writeRetireConnectionId(outBuf, pos, seq);
      sent.carriedRetire(seq);
    }
    n = cids.writeNewConnectionIds(outBuf, pos, limit);
    if (n > 0) {
      pos += n;
      sent.carriedNewConnectionIds(cids.lastAnnounced());
    }
    return pos - start;
  }

  /** As many queued DATAGRAM frames as fit (RFC 9221 §5), oldest first. */
  private int writeDatagramFrames(int start, int limit) {
    int pos = start;
    while (!datagrams.isEmpty()) {
      int len = datagrams.peekLength();
      int h = FrameWriter.datagramHeaderLength(len, true);
      if (limit - pos < h + len) {
        break;
      }
      pos += FrameWriter.writeDatagramHeader(outBuf, pos, len, true);
      datagrams.copyHead(outBuf, pos);
      pos += len;
      datagrams.removeHead();
      datagramFramesSent++;
    }
    return pos - start;
  }

  /**
   * Pads {@code [pos, minEnd)} where {@code minEnd} keeps the header protection sample inside the
   * packet (RFC 9001 §5.4.2: 4 bytes of packet number + payload before it) and, with {@code padTo >
   * 0}, makes the datagram reach {@code padTo} (RFC 9000 §14.1); returns the payload end.
   */
  private int pad(int pnOff, int pos, int end, int padTo) {
    int minEnd = pnOff + 4;
    if (padTo > 0) {
      minEnd = Math.max(minEnd, Math.min(padTo, end) - TAG);
    }
    if (pos < minEnd) {
      FrameWriter.writePadding(outBuf, pos, minEnd - pos);
      return minEnd;
    }
    return pos;
  }

  /** Patches the Length of a long header, traces and protects; returns the length or < 0. */
  private int seal(
      int space, byte[] out, int start, int pnOff, int pnLen, int pos, long pn, long now) {
    int payloadLen = pos - pnOff - pnLen;
    if (space != APP) {
      PacketHeaderWriter.patchLength(
          outBuf, PacketHeaderWriter.lengthFieldOffset(pnOff), pnLen + payloadLen + TAG);
    }
    qlog.packetSent(now, space, pn, pos + TAG - start, out, pnOff + pnLen, payloadLen);
    return keys.send(space).protect(out, start, pnOff, pnLen, payloadLen, pn);
  }

  /**
   * Pads, protects and records the packet whose frames end at {@code pos}: the sent-frame record,
   * the loss detector's ledger, the AEAD usage and the idle timer.
   */
  private int finishPacket(
      int space,
      byte[] out,
      int start,
      int pnOff,
      int pnLen,
      int pos,
      int end,
      int padTo,
      boolean ackEliciting,
      long now) {
    long pn = spaces.nextPn(space);
    pos = pad(pnOff, pos, end, padTo);
    int n = seal(space, out, start, pnOff, pnLen, pos, pn, now);
    if (n < 0) {
      throw new IllegalStateException("packet protection failed: " + n);
    }
    spaces.onPacketNumberUsed(space);
    if (space == APP) {
      keys.onProtected(sent.currentAckLargest());
    }
    boolean inFlight = ackEliciting || padTo > 0;
    long token = sent.commit(inFlight);
    loss.onPacketSent(space, pn, now, n, ackEliciting, inFlight, token);
    if (ackEliciting) {
      idle.onAckElicitingSent(now); // RFC 9000 §10.1
    }
    return n;
  }

  /** A datagram to a path being validated: PATH_CHALLENGE / PATH_RESPONSE, padded (§8.2.1). */
  private int sendProbe(byte[] out, int off, int maxLen, long now) {
    int len = paths.prepareProbe(maxLen);
    if (len < 64) {
      return 0;
    }
    long pn = spaces.nextPn(APP);
    int pnLen = 4;
    int pnOff = writeHeader(APP, off, pn, pnLen);
    int pos = pnOff + pnLen;
    boolean challenge = paths.probeCarriesChallenge();
    if (challenge) {
      long data = paths.takeChallenge(now + 3 * rtt.pto(true));
      pos += FrameWriter.writePathChallenge(outBuf, pos, data);
    }
    if (paths.probeCarriesResponse()) {
      pos += FrameWriter.writePathResponse(outBuf, pos, paths.takeProbeResponse());
    }
    int payloadEnd = off + len - TAG;
    if (pos < payloadEnd) {
      FrameWriter.writePadding(outBuf, pos, payloadEnd - pos);
      pos = payloadEnd;
    }
    int n = seal(APP, out, off, pnOff, pnLen, pos, pn, now);
    if (n < 0) {
      return 0;
    }
    keys.onProtected(-1);
    spaces.onPacketNumberUsed(APP);
    // Probing packets are not tracked for loss: the challenge has its own retry timer.
    loss.onPacketSent(APP, pn, now, n, false, false, 0);
    paths.onProbeSent(n);
    bytesSent += n;
    datagramsSent++;
    if (challenge) {
      LOG.debug("PATH_CHALLENGE to {}", paths.destination());
    }
    return n;
  }

  /** A CONNECTION_CLOSE packet ({@code isClose}) or a PADDING-only packet, not tracked for loss. */
  private int controlPacket(
      int space, byte[] out, int start, int end, int padTo, boolean isClose, long now) {
    long pn = spaces.nextPn(space);
    int pnLen = 4;
    int pnOff = writeHeader(space, start, pn, pnLen);
    int pos = pnOff + pnLen;
    if (isClose) {
      // RFC 9000 §10.2.3: an application close before the handshake is confirmed is sent as
      // APPLICATION_ERROR in Initial/Handshake packets, without revealing the reason.
      boolean app = close.isApplication() && space == APP;
      long code =
          close.isApplication() && !app ? TransportError.APPLICATION_ERROR : close.errorCode();
      // The reason phrase goes only into 1-RTT packets (§10.2.3), cut to what fits: some clients
      // (Netty's QUIC codec) never report a close with an empty reason (ZTNA-V1 §5).
      int room = space == APP ? end - TAG - pos - 20 : 0;
      pos +=
          FrameWriter.writeConnectionClose(
              outBuf, pos, app, code, app ? 0 : close.frameType(), close.reason(), room);
    }
    pos = pad(pnOff, pos, end, padTo);
    int n = seal(space, out, start, pnOff, pnLen, pos, pn, now);
    if (n < 0) {
      return 0;
    }
    spaces.onPacketNumberUsed(space);
    if (space == APP) {
      keys.onProtected(-1);
    }
    if (!isClose) {
      loss.onPacketSent(space, pn, now, n, false, false, 0);
    }
    return n;
  }

  // ------------------------------------------------------------------------------------------
  // Acknowledged and lost packets (from the loss detector, by sent-frame record token)

  void onPacketAcked(int space, long token) {
    if (!sent.has(space)) {
      return;
    }
    int flags = sent.flags(space, token);
    if ((flags & SentFrames.ACK) != 0) {
      spaces.tracker(space).onAckOfAckReceived(sent.ackLargest(space, token));
    }
    if ((flags & SentFrames.HANDSHAKE_DONE) != 0) {
      handshakeDoneAcked = true;
    }
    int cLen = sent.cryptoLength(space, token);
    if (cLen > 0) {
      crypto.onAcked(space, sent.cryptoOffset(space, token), cLen);
    }
  }

  void onPacketLost(int space, long token) {
    if (!sent.has(space)) {
      return;
    }
    int cLen = sent.cryptoLength(space, token);
    if (cLen > 0) {
      crypto.onLost(space, sent.cryptoOffset(space, token), cLen);
    }
    if (space != APP || !established) {
      return;
    }
    int flags = sent.flags(space, token);
    if ((flags & SentFrames.HANDSHAKE_DONE) != 0 && !handshakeDoneAcked) {
      handshakeDonePending = true;
    }
    if ((flags & SentFrames.OBSERVED_ADDRESS) != 0) {
      observed.onLost(); // resend the newest observation (it supersedes a lost older one)
    }
    credit.onLost(flags, sent.streamId(token));
    if ((flags & SentFrames.RETIRE_CID) != 0) {
      cids.requeueRetire(sent.retiredSequence(token));
    }
    cids.onAnnouncementLost(sent.newConnectionIdMask(token));
  }
}
