package dev.ztna.server.conn;

import dev.ztna.server.tls.EncryptionLevel;
import dev.ztna.server.tls.TlsAlert;
import dev.ztna.server.tls.TlsServerHandshake;
import dev.ztna.server.wire.FrameReader;
import dev.ztna.server.wire.FrameType;
import dev.ztna.server.wire.TransportError;
import java.net.InetSocketAddress;
import org.agrona.DirectBuffer;

/**
 * Reads the frames of one decrypted packet and hands each to the part that owns it (RFC 9000 §12.4,
 * §19): ACK to the {@link LossDetector}, CRYPTO to the {@link CryptoStreams} and TLS, stream and
 * flow-control frames to {@link FlowCreditFrames}, connection IDs to {@link ConnectionIds}, path
 * probes to {@link Paths}. What only the connection can do (close, drain, deliver a DATAGRAM) goes
 * back through {@link Host}. Allocates nothing; the reader and the ACK range arrays are the
 * thread's scratch, bound before each packet.
 */
final class FrameDispatcher {
  private static final int INITIAL = PacketNumberSpace.INITIAL;
  private static final int HANDSHAKE = PacketNumberSpace.HANDSHAKE;

  /** What the dispatcher asks of its connection. */
  interface Host {
    /** Closes with a transport error (RFC 9000 §10.2); the dispatch stops. */
    void closeTransport(long code, long frameType, String reason, long now);

    /** True once the connection is closing or closed: the rest of the packet is ignored. */
    boolean closingOrClosed();

    /** True once the peer closed: the rest of the packet is ignored, without error. */
    boolean draining();

    /** The peer's CONNECTION_CLOSE (RFC 9000 §10.2.2). */
    void onPeerClose(long errorCode, boolean application, long now);

    /** A DATAGRAM frame's payload (RFC 9221 §5), valid during the call only. */
    void onDatagramFrame(DirectBuffer buffer, int offset, int length);

    /** A PATH_RESPONSE (RFC 9000 §8.2.2). */
    void onPathResponse(long data);

    /** The peer retired the local CID in {@code slot} (RFC 9000 §19.16). */
    void onLocalCidRetired(int slot);

    /** The handshake, or null once it completed. */
    TlsServerHandshake tls();
  }

  private final ConnectionConfig cfg;
  private final FlowCreditFrames credit;
  private final ConnectionIds cids;
  private final Paths paths;
  private final LossDetector loss;
  private final CryptoStreams crypto;
  private final Host host;

  private FrameReader reader;
  private long[] ackGaps;
  private long[] ackLengths;
  private DirectBuffer in;
  private long peerAckDelayExponent = 3;

  FrameDispatcher(
      ConnectionConfig cfg,
      FlowCreditFrames credit,
      ConnectionIds cids,
      Paths paths,
      LossDetector loss,
      CryptoStreams crypto,
      Host host) {
    this.cfg = cfg;
    this.credit = credit;
    this.cids = cids;
    this.paths = paths;
    this.loss = loss;
    this.crypto = crypto;
    this.host = host;
  }

  /** Binds the thread's scratch reader and ACK arrays and the buffer packets are read from. */
  void bind(FrameReader reader, long[] ackGaps, long[] ackLengths, DirectBuffer in) {
    this.reader = reader;
    this.ackGaps = ackGaps;
    this.ackLengths = ackLengths;
    this.in = in;
  }

  /** The peer's ack_delay_exponent transport parameter (RFC 9000 §18.2). */
  void peerAckDelayExponent(long exponent) {
    this.peerAckDelayExponent = exponent;
  }

  /**
   * Dispatches the frames of one packet in {@code [pos, end)} of the bound buffer.
   *
   * @param dcidOffset where the packet's DCID is, for RETIRE_CONNECTION_ID (RFC 9000 §19.16)
   * @param dcidLength its length, or -1 for a long-header packet
   * @param datagramLength the size of the datagram carrying the packet (PATH_CHALLENGE, §8.2.2)
   * @return -1 if the connection closed, 0 if nothing was ack-eliciting, 1 if ack-eliciting, 2 if
   *     ack-eliciting and non-probing (RFC 9000 §9.1)
   */
  int dispatch(
      int space,
      int packetType,
      int pos,
      int end,
      InetSocketAddress from,
      int dcidOffset,
      int dcidLength,
      int datagramLength,
      long now) {
    if (pos >= end) {
      host.closeTransport(TransportError.PROTOCOL_VIOLATION, 0, "packet without frames", now);
      return -1;
    }
    boolean ackEliciting = false;
    boolean nonProbing = false;
    while (pos < end) {
      int next = reader.read(in, pos, end);
      if (next < 0) {
        long t = reader.type();
        host.closeTransport(
            FrameReader.transportError(next), t < 0 ? 0 : t, "malformed frame", now);
        return -1;
      }
      long type = reader.type();
      if (!FrameType.isAllowedIn(type, packetType)) {
        host.closeTransport(TransportError.PROTOCOL_VIOLATION, type, "frame not allowed", now);
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
      int r = onFrame(space, type, from, dcidOffset, dcidLength, datagramLength, now);
      if (r < 0 || host.closingOrClosed()) {
        return -1;
      }
      if (host.draining()) {
        return 0;
      }
      pos = next;
    }
    return ackEliciting ? (nonProbing ? 2 : 1) : 0;
  }

  private int onFrame(
      int space,
      long type,
      InetSocketAddress from,
      int dcidOffset,
      int dcidLength,
      int datagramLength,
      long now) {
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
      host.onDatagramFrame(in, reader.dataOffset(), reader.dataLength());
      return 0;
    }
    if (FrameType.isStream(type)) {
      FlowControl flow = credit.flow();
      int r =
          flow.onStreamData(reader.streamId(), reader.offset(), reader.dataLength(), reader.fin());
      if (r < 0) {
        return fail(ConnErrors.transportErrorCode(r), type, "stream frame rejected", now);
      }
      if (flow.streamMaxDataUpdate() >= 0) {
        credit.queueStream(reader.streamId());
      }
      credit.checkUpdates();
      return 0;
    }
    if (FrameType.isConnectionClose(type)) {
      host.onPeerClose(reader.errorCode(), reader.isApplicationClose(), now);
      return 0;
    }
    switch ((int) type) {
      case 0x04: // RESET_STREAM
        {
          int r = credit.flow().onStreamReset(reader.streamId(), reader.finalSize());
          if (r < 0) {
            return fail(ConnErrors.transportErrorCode(r), type, "RESET_STREAM rejected", now);
          }
          credit.checkUpdates();
          return 0;
        }
      case 0x05: // STOP_SENDING
      case 0x11: // MAX_STREAM_DATA
      case 0x15: // STREAM_DATA_BLOCKED
        {
          int r =
              type == FrameType.STREAM_DATA_BLOCKED
                  ? checkReceiveStream(reader.streamId())
                  : credit.flow().onSendSideFrame(reader.streamId());
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
        return onRetireConnectionId(dcidOffset, dcidLength, now);
      case 0x1a: // PATH_CHALLENGE
        paths.onPathChallenge(from, reader.pathData(), datagramLength);
        return 0;
      case 0x1b: // PATH_RESPONSE
        host.onPathResponse(reader.pathData());
        return 0;
      default:
        return 0; // OBSERVED_ADDRESS from a client: ignored
    }
  }

  private static int checkReceiveStream(long streamId) {
    if ((streamId & 1) != 0) {
      return ConnErrors.STREAM_STATE_ERROR; // server-initiated: we open none
    }
    return ConnErrors.OK;
  }

  private int fail(long code, long frameType, String reason, long now) {
    host.closeTransport(code, frameType, reason, now);
    return -1;
  }

  private int onAck(int space, long now) {
    int n = reader.ackRangeCount();
    for (int i = 0; i < n; i++) {
      ackGaps[i] = reader.ackGap(i);
      ackLengths[i] = reader.ackRangeLength(i);
    }
    long delayNanos = 0;
    if (space != INITIAL) {
      // RFC 9000 §19.3: ack_delay is scaled by 2^ack_delay_exponent; Initial ACKs carry none
      // that counts (RFC 9002 §5.3).
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

  private int onCrypto(int space, long now) {
    int l = space; // INITIAL=0, HANDSHAKE=1, APPLICATION=2 match EncryptionLevel ordinals
    int ready = crypto.receive(l, in, reader.dataOffset(), reader.offset(), reader.dataLength());
    if (ready == CryptoStreams.RX_BUFFER_EXCEEDED) {
      return fail(
          TransportError.CRYPTO_BUFFER_EXCEEDED, FrameType.CRYPTO, "CRYPTO buffer exceeded", now);
    }
    if (ready == 0) {
      return 0; // a duplicate, or nothing contiguous yet
    }
    TlsServerHandshake tls = host.tls();
    if (tls == null) {
      // After completion the client has nothing to say in CRYPTO (no KeyUpdate in QUIC, RFC 9001
      // §6; no post-handshake authentication was requested).
      return fail(
          TransportError.cryptoError(TlsAlert.UNEXPECTED_MESSAGE),
          FrameType.CRYPTO,
          "post-handshake CRYPTO",
          now);
    }
    int r = tls.onCryptoData(levelOf(l), crypto.inBuffer(l), 0, ready);
    if (crypto.inBuffer(l) == null) {
      return 0; // the level was discarded during the call
    }
    crypto.consume(l, ready);
    if (r == TlsServerHandshake.TRANSPORT_PARAMETER_ERROR) {
      return fail(
          TransportError.TRANSPORT_PARAMETER_ERROR, FrameType.CRYPTO, "transport parameters", now);
    }
    if (r > 0) {
      return fail(TransportError.cryptoError(r), FrameType.CRYPTO, "TLS alert", now);
    }
    return 0;
  }

  static EncryptionLevel levelOf(int space) {
    return space == INITIAL
        ? EncryptionLevel.INITIAL
        : space == HANDSHAKE ? EncryptionLevel.HANDSHAKE : EncryptionLevel.APPLICATION;
  }

  private int onNewConnectionId(long now) {
    int r =
        cids.onNewConnectionId(
            reader.sequence(),
            reader.retirePriorTo(),
            in,
            reader.cidOffset(),
            reader.cidLength(),
            reader.resetTokenOffset());
    switch (r) {
      case ConnectionIds.NEW_OK:
        return 0;
      case ConnectionIds.NEW_ZERO_LENGTH_PEER:
        return failNcid(TransportError.PROTOCOL_VIOLATION, "zero-length CID peer", now);
      case ConnectionIds.NEW_SEQUENCE_REUSED:
        return failNcid(TransportError.PROTOCOL_VIOLATION, "CID sequence reused", now);
      case ConnectionIds.NEW_TOO_MANY:
        return failNcid(TransportError.CONNECTION_ID_LIMIT_ERROR, "too many CIDs", now);
      default:
        return failNcid(
            TransportError.CONNECTION_ID_LIMIT_ERROR, "too many connection IDs to retire", now);
    }
  }

  private int failNcid(long code, String reason, long now) {
    return fail(code, FrameType.NEW_CONNECTION_ID, reason, now);
  }

  private int onRetireConnectionId(int dcidOffset, int dcidLength, long now) {
    int r = cids.onRetire(reader.sequence(), in, dcidOffset, dcidLength);
    if (r >= 0) {
      host.onLocalCidRetired(r);
      return 0;
    }
    String reason;
    switch (r) {
      case ConnectionIds.RETIRE_ALREADY:
        return 0;
      case ConnectionIds.RETIRE_UNISSUED:
        reason = "retire of unissued CID";
        break;
      case ConnectionIds.RETIRE_NOT_SENT:
        reason = "retire of a CID not yet issued to the peer";
        break;
      default:
        reason = "retire of the CID in use";
        break;
    }
    return fail(TransportError.PROTOCOL_VIOLATION, FrameType.RETIRE_CONNECTION_ID, reason, now);
  }
}
