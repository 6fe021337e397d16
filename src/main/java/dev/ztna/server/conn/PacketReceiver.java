package dev.ztna.server.conn;

import dev.ztna.server.crypto.PacketProtection;
import dev.ztna.server.wire.FrameReader;
import dev.ztna.server.wire.PacketHeaderFlyweight;
import dev.ztna.server.wire.TransportError;
import java.net.InetSocketAddress;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The receive side of a connection, the counterpart of the {@link PacketAssembler}: splits a UDP
 * datagram into its coalesced packets (RFC 9000 §12.2), removes header protection and opens each
 * packet in place (RFC 9001 §5), drops what must be dropped (counted in {@link #packetsDropped}),
 * records the packet number for acknowledgement and hands the frames to the {@link
 * FrameDispatcher}. What changes the connection's state (closing, discarding a space, migrating)
 * goes back through {@link Host}. Receiving a 1-RTT packet allocates nothing.
 */
final class PacketReceiver {
  private static final int INITIAL = PacketNumberSpace.INITIAL;
  private static final int HANDSHAKE = PacketNumberSpace.HANDSHAKE;
  private static final int APP = PacketNumberSpace.APPLICATION;

  /** What the receive side asks of its connection, beyond what the frames do. */
  interface Host extends FrameDispatcher.Host {
    /** The {@link ConnectionState}. */
    int state();

    /** A stateless reset from the peer (RFC 9000 §10.3.1). */
    void onStatelessReset(long now);

    /** RFC 9001 §4.9: the keys of {@code space} go. */
    void discardSpace(int space);

    /** A 1-RTT packet from an address other than the peer's (RFC 9000 §9). */
    void onPacketFromNewAddress(
        InetSocketAddress from, boolean nonProbing, boolean largest, int datagramLength, long now);
  }

  /**
   * Receive-side scratch shared by the connections of one thread (the frame reader alone holds 8 KB
   * of ACK range arrays). Used only during {@link #onDatagram} / {@link #onPlaintextFrames}; a
   * listener callback must not feed another connection's {@link #onDatagram} re-entrantly.
   */
  private static final class Scratch {
    final PacketHeaderFlyweight hdr = new PacketHeaderFlyweight();
    final FrameReader reader = new FrameReader();
    final long[] ackGaps = new long[FrameReader.MAX_ACK_RANGES];
    final long[] ackLengths = new long[FrameReader.MAX_ACK_RANGES];
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final KeyPhases keys;
  private final PacketNumberSpaces spaces;
  private final ConnectionIds cids;
  private final Paths paths;
  private final AmplificationLimiter amp;
  private final IdleTimer idle;
  private final CloseState close;
  private final RttEstimator rtt;
  private final QlogSink qlog;
  private final FrameDispatcher frames;
  private final Host host;
  private final UnsafeBuffer inBuf = new UnsafeBuffer(new byte[0]);
  private PacketHeaderFlyweight hdr;

  private long bytesReceived;
  private long datagramsReceived;
  private long packetsDropped;
  private int datagramLength;

  PacketReceiver(
      KeyPhases keys,
      PacketNumberSpaces spaces,
      ConnectionIds cids,
      Paths paths,
      AmplificationLimiter amp,
      IdleTimer idle,
      CloseState close,
      RttEstimator rtt,
      QlogSink qlog,
      FrameDispatcher frames,
      Host host) {
    this.keys = keys;
    this.spaces = spaces;
    this.cids = cids;
    this.paths = paths;
    this.amp = amp;
    this.idle = idle;
    this.close = close;
    this.rtt = rtt;
    this.qlog = qlog;
    this.frames = frames;
    this.host = host;
  }

  private void bindScratch() {
    Scratch sc = SCRATCH.get();
    hdr = sc.hdr;
    frames.bind(sc.reader, sc.ackGaps, sc.ackLengths, inBuf);
  }

  /** Processes one datagram for {@link QuicConnection}; {@code first} may be null. */
  void onDatagram(
      byte[] buf,
      int off,
      int len,
      PacketHeaderFlyweight first,
      InetSocketAddress from,
      long nowNanos) {
    bindScratch();
    bytesReceived += len;
    datagramsReceived++;
    datagramLength = len;
    boolean fromPeer = paths.onDatagramReceived(from, len);
    inBuf.wrap(buf);
    int pos = off;
    int end = off + len;
    PacketHeaderFlyweight scratchHeader = hdr;
    while (pos < end && !stopped()) {
      if (pos == off && first != null) {
        hdr = first;
      } else {
        hdr = scratchHeader;
        if (hdr.wrap(inBuf, pos, end - pos, cids.localLength()) != PacketHeaderFlyweight.OK) {
          packetsDropped++;
          break;
        }
      }
      int next = hdr.packetEnd();
      int type = hdr.packetType();
      if (type == PacketHeaderFlyweight.TYPE_INITIAL
          && len < PacketHeaderFlyweight.MIN_INITIAL_DATAGRAM) {
        // RFC 9000 §14.1: no Initial from a datagram under 1200 bytes is processed (the loop
        // drops and counts those that start with one before they get here).
        packetsDropped++;
      } else if (type == PacketHeaderFlyweight.TYPE_INITIAL) {
        onProtectedPacket(INITIAL, type, buf, pos, next, from, fromPeer, nowNanos);
      } else if (type == PacketHeaderFlyweight.TYPE_HANDSHAKE) {
        onProtectedPacket(HANDSHAKE, type, buf, pos, next, from, fromPeer, nowNanos);
      } else if (type == PacketHeaderFlyweight.TYPE_SHORT) {
        onProtectedPacket(APP, type, buf, pos, next, from, fromPeer, nowNanos);
      } else {
        packetsDropped++; // 0-RTT (never accepted), Retry, VN, unknown versions
        if (!hdr.isLongHeader() || next <= pos) {
          break;
        }
      }
      pos = next;
    }
  }

  private boolean stopped() {
    int state = host.state();
    return state == ConnectionState.CLOSED || state == ConnectionState.DRAINING;
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
    // Header protection is removed once, with the current keys of the space (their header
    // protection key is that of every 1-RTT key phase, RFC 9001 §6.1); the key phase bit then picks
    // the keys that open the payload (§6.3).
    PacketProtection current = keys.receive(space);
    if (current == null) {
      packetsDropped++;
      return;
    }
    if (space == APP && host.state() == ConnectionState.HANDSHAKE) {
      packetsDropped++; // RFC 9001 §5.7: no 1-RTT processing before handshake completion
      return;
    }
    int pnOff = hdr.pnOffset();
    ReceivedPacketTracker tracker = spaces.tracker(space);
    long pn = current.removeHeaderProtection(buf, start, pnOff, end, tracker.largest());
    if (pn < 0) {
      packetsDropped++; // too short to hold the header protection sample
      return;
    }
    int first = current.lastFirstByte();
    boolean phase = PacketHeaderFlyweight.keyPhase(first);
    PacketProtection k = space == APP ? keys.selectReceive(pn, phase) : current;
    int payloadOff = pnOff + current.lastPacketNumberLength();
    int plaintext = k.openPayload(buf, start, payloadOff, end, pn);
    if (plaintext < 0) {
      packetsDropped++;
      if (keys.aead().onAuthenticationFailure()) {
        // RFC 9001 §6.6: past the integrity limit, close at once and process no more packets.
        host.closeTransport(TransportError.AEAD_LIMIT_REACHED, 0, "AEAD integrity limit", now);
        return;
      }
      if (space == APP && cids.isStatelessReset(buf, start, end)) {
        // RFC 9000 §10.3.1: the peer lost its state; enter the draining period silently.
        host.onStatelessReset(now);
      }
      return;
    }
    if (host.state() == ConnectionState.CLOSING) {
      close.onPacketWhileClosing(); // RFC 9000 §10.2.1
      return;
    }
    if (PacketHeaderFlyweight.reservedBits(first) != 0) {
      host.closeTransport(TransportError.PROTOCOL_VIOLATION, 0, "reserved bits set", now);
      return;
    }
    if (tracker.isDuplicate(pn)) {
      return;
    }
    if (space == APP && keys.isPeerUpdate(k, phase) && !onPeerKeyUpdate(pn, now)) {
      return;
    }
    int payloadEnd = payloadOff + plaintext;
    boolean shortHeader = space == APP;
    qlog.packetReceived(now, space, pn, end - start, buf, payloadOff, payloadEnd - payloadOff);
    int res =
        frames.dispatch(
            space,
            type,
            payloadOff,
            payloadEnd,
            from,
            shortHeader ? hdr.dcidOffset() : 0,
            shortHeader ? hdr.dcidLength() : -1,
            datagramLength,
            now);
    if (res < 0 || stopped()) {
      return; // closed by a frame error, or by the peer
    }
    if (tracker.onReceived(pn, res > 0, now) && res > 0) {
      spaces.setAckPending(space, true);
    }
    idle.onPacketReceived(now);
    if (space == HANDSHAKE) {
      // RFC 9000 §8.1: a Handshake packet proves the client received our Initial.
      amp.markValidated();
      if (keys.receive(INITIAL) != null) {
        host.discardSpace(INITIAL); // RFC 9001 §4.9.1
      }
    }
    // Re-check against the current peer: this very packet may have completed the migration to
    // `from` (its PATH_RESPONSE), and must not start a second validation of the same address.
    if (space == APP && !fromPeer && from != null && !from.equals(paths.peer())) {
      host.onPacketFromNewAddress(from, res == 2, pn == tracker.largest(), datagramLength, now);
    }
  }

  /** The peer's packet {@code pn} uses the next key phase; false if that closed the connection. */
  private boolean onPeerKeyUpdate(long pn, long now) {
    if (!keys.onPeerKeyUpdate(pn, spaces.nextPn(APP), now + 3 * rtt.pto(true))) {
      host.closeTransport(
          TransportError.KEY_UPDATE_ERROR, 0, "key update before the previous was acked", now);
      return false;
    }
    qlog.keyUpdated(now, APP, QlogSink.KEY_REMOTE_UPDATE);
    return true;
  }

  /** Test/fuzz seam: runs the frame dispatcher over plaintext 1-RTT frames. */
  void onPlaintextFrames(byte[] buf, int off, int len, long now) {
    bindScratch();
    inBuf.wrap(buf);
    int res =
        frames.dispatch(APP, PacketHeaderFlyweight.TYPE_SHORT, off, off + len, null, 0, -1, 0, now);
    if (res >= 0 && !stopped()) {
      ReceivedPacketTracker t = spaces.tracker(APP);
      if (t.onReceived(t.largest() + 1, res > 0, now) && res > 0) {
        spaces.setAckPending(APP, true);
      }
    }
  }

  long bytesReceived() {
    return bytesReceived;
  }

  long datagramsReceived() {
    return datagramsReceived;
  }

  long packetsDropped() {
    return packetsDropped;
  }
}
