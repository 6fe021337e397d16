package dev.ztna.server.conn;

import dev.ztna.server.crypto.CipherSuite;
import dev.ztna.server.crypto.InitialKeys;
import dev.ztna.server.crypto.InitialSecrets;
import dev.ztna.server.crypto.PacketProtection;
import dev.ztna.server.tls.Agent15ClientStatus;
import dev.ztna.server.wire.FrameReader;
import dev.ztna.server.wire.FrameType;
import dev.ztna.server.wire.FrameWriter;
import dev.ztna.server.wire.PacketHeaderFlyweight;
import dev.ztna.server.wire.PacketHeaderWriter;
import dev.ztna.server.wire.PacketNumber;
import dev.ztna.server.wire.TransportParameters;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.net.ssl.X509TrustManager;
import org.agrona.concurrent.UnsafeBuffer;
import tech.kwik.agent15.ProtectionKeysType;
import tech.kwik.agent15.TlsConstants;
import tech.kwik.agent15.TlsConstants.NamedGroup;
import tech.kwik.agent15.TlsConstants.SignatureScheme;
import tech.kwik.agent15.engine.ClientMessageSender;
import tech.kwik.agent15.engine.TlsClientEngine;
import tech.kwik.agent15.engine.TlsClientEngineFactory;
import tech.kwik.agent15.engine.TlsMessageParser;
import tech.kwik.agent15.extension.ApplicationLayerProtocolNegotiationExtension;
import tech.kwik.agent15.extension.Extension;
import tech.kwik.agent15.extension.UnknownExtension;
import tech.kwik.agent15.handshake.CertificateMessage;
import tech.kwik.agent15.handshake.CertificateVerifyMessage;
import tech.kwik.agent15.handshake.ClientHello;
import tech.kwik.agent15.handshake.FinishedMessage;

/**
 * An in-memory QUIC client for tests: TLS by Kwik's agent15 client engine (an independent
 * implementation), packets by the project's own wire and crypto codecs. It does no loss recovery of
 * its own; tests call {@link #retransmitCrypto()} to emulate a client PTO.
 */
final class TestClient {
  static final int INITIAL = 0;
  static final int HANDSHAKE = 1;
  static final int APP = 2;

  final byte[] scid;
  byte[] dcid;
  final byte[] originalDcid;
  final TransportParameters serverTp = new TransportParameters();
  boolean serverTpReceived;

  private final TlsClientEngine engine;
  private final TlsMessageParser parser = new TlsMessageParser();
  private final Agent15ClientStatus status = new Agent15ClientStatus();
  private CipherSuite suite;
  private final PacketProtection[] txKeys = new PacketProtection[3];
  private final PacketProtection[] rxKeys = new PacketProtection[3];
  private PacketProtection rxNextApp;
  boolean txPhase;
  private boolean rxPhase;
  private final long[] nextPn = new long[3];
  final ReceivedPacketTracker[] received = new ReceivedPacketTracker[3];
  private final ByteArrayOutputStream[] cryptoOut = new ByteArrayOutputStream[3];
  private final long[] cryptoSent = new long[3];
  private final ByteArrayOutputStream[] cryptoIn = new ByteArrayOutputStream[3];
  private final long[] cryptoInOffset = new long[3];
  private final List<byte[]>[] cryptoPendingChunks;
  private final List<Long>[] cryptoPendingOffsets;

  final List<byte[]> datagramsReceived = new ArrayList<>();
  final List<byte[]> newCids = new ArrayList<>();
  final List<Long> newCidSeqs = new ArrayList<>();
  final List<Long> ackedByServer = new ArrayList<>();
  final List<Long> pathChallenges = new ArrayList<>();

  /**
   * OBSERVED_ADDRESS frames received (draft-ietf-quic-address-discovery): sequence, address, port.
   */
  record Observation(long sequence, java.net.InetSocketAddress address) {}

  final List<Observation> observations = new ArrayList<>();
  final List<Long> maxStreamData = new ArrayList<>();
  final List<Long> maxData = new ArrayList<>();
  final List<Long> maxStreams = new ArrayList<>();
  boolean handshakeDone;
  boolean closeReceived;
  long closeCode = -1;
  boolean closeApplication;
  String closeReason;
  private final List<Long> retired = new ArrayList<>();

  /** Sequence numbers of RETIRE_CONNECTION_ID frames the server sent. */
  List<Long> retiredByServer() {
    return retired;
  }

  int closeSpace = -1;
  int packetsReceived;
  int undecryptable;
  int keyPhaseFlipsSeen;

  /** Bytes the client appends to its Finished (null: none). */
  byte[] extraAfterFinished;

  /** Whether the client answers a key update by the server (RFC 9001 §6.2); real clients do. */
  boolean answerKeyUpdates;

  int packetsInRxPhase;
  int maxPacketsInRxPhase;
  private final List<byte[]> outQueue = new ArrayList<>();
  private final List<byte[]> pendingApp = new ArrayList<>();
  private boolean pingPending;
  private boolean txHandshakeFinishedSent;

  @SuppressWarnings("unchecked")
  TestClient(
      Random random,
      TlsConstants.CipherSuite cs,
      String alpn,
      int scidLen,
      TransportParameters tp,
      NamedGroup group) {
    scid = new byte[scidLen];
    random.nextBytes(scid);
    dcid = new byte[8];
    random.nextBytes(dcid);
    originalDcid = dcid.clone();
    for (int s = 0; s < 3; s++) {
      received[s] = new ReceivedPacketTracker(s, 0);
      cryptoOut[s] = new ByteArrayOutputStream();
      cryptoIn[s] = new ByteArrayOutputStream();
    }
    cryptoPendingChunks = new List[3];
    cryptoPendingOffsets = new List[3];
    for (int s = 0; s < 3; s++) {
      cryptoPendingChunks[s] = new ArrayList<>();
      cryptoPendingOffsets[s] = new ArrayList<>();
    }
    deriveInitial(dcid);
    if (tp == null) {
      tp = defaultTransportParameters();
    }
    tp.setInitialSourceConnectionId(new UnsafeBuffer(scid), 0, scid.length);
    byte[] tpBytes = new byte[tp.encodedLength()];
    tp.encode(new UnsafeBuffer(tpBytes), 0);

    engine = TlsClientEngineFactory.createClientEngine(new Sender(), status);
    engine.setServerName("localhost");
    engine.addSupportedCiphers(List.of(cs));
    engine.add(new ApplicationLayerProtocolNegotiationExtension(alpn));
    engine.add(new QuicTpExtension(tpBytes));
    engine.setTrustManager(TRUST_ALL);
    engine.setHostnameVerifier((host, cert) -> true);
    try {
      engine.startHandshake(
          group,
          List.of(SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.ecdsa_secp256r1_sha256));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static TransportParameters defaultTransportParameters() {
    TransportParameters tp = new TransportParameters();
    tp.maxIdleTimeout = 60_000;
    tp.maxUdpPayloadSize = 1350;
    tp.initialMaxData = 1_000_000;
    tp.initialMaxStreamDataBidiLocal = 100_000;
    tp.initialMaxStreamDataBidiRemote = 100_000;
    tp.initialMaxStreamDataUni = 100_000;
    tp.initialMaxStreamsBidi = 10;
    tp.initialMaxStreamsUni = 10;
    tp.activeConnectionIdLimit = 4;
    tp.maxDatagramFrameSize = 65535;
    return tp;
  }

  /** After a Retry: new DCID, Initial keys from it (RFC 9001 §5.2), ClientHello resent. */
  byte[] dcidAfterRetry;

  /** The token of a Retry, sent in every later Initial (RFC 9000 §17.2.5.2); null: none. */
  byte[] retryToken;

  void onRetry(byte[] retryScid) {
    dcid = retryScid.clone();
    dcidAfterRetry = retryScid.clone();
    deriveInitial(dcid);
    nextPn[INITIAL] = 1; // packet numbers continue (RFC 9000 §17.2.5.3)
  }

  private void deriveInitial(byte[] cid) {
    InitialKeys k = InitialSecrets.derive(cid, 0, cid.length);
    txKeys[INITIAL] = k.client;
    rxKeys[INITIAL] = k.server;
  }

  boolean isHandshakeComplete() {
    return status.isFinished();
  }

  boolean hasAppKeys() {
    return txKeys[APP] != null;
  }

  // ------------------------------------------------------------------------------------------
  // Output

  /** Builds the datagrams the client wants to send now (crypto data, ACKs, queued frames). */
  List<byte[]> flush() {
    List<byte[]> out = new ArrayList<>();
    // Initial (padded to 1200) possibly coalesced with Handshake.
    boolean initial =
        txKeys[INITIAL] != null
            && (hasCrypto(INITIAL) || received[INITIAL].ackWanted(Long.MAX_VALUE));
    boolean hs =
        txKeys[HANDSHAKE] != null
            && (hasCrypto(HANDSHAKE) || received[HANDSHAKE].ackWanted(Long.MAX_VALUE));
    if (initial || hs) {
      byte[] d = new byte[1500];
      int pos = 0;
      if (initial) {
        pos += packet(INITIAL, d, pos, hs ? 0 : 1200);
      }
      if (hs) {
        pos += packet(HANDSHAKE, d, pos, initial ? Math.max(0, 1200 - pos) : 0);
      }
      if (pos > 0) {
        out.add(Arrays.copyOf(d, pos));
      }
      if (hs && pos > 0) {
        dropInitialKeysIfHandshake();
      }
    }
    if (txKeys[APP] != null
        && (status.isFinished())
        && (!pendingApp.isEmpty() || pingPending || received[APP].ackWanted(Long.MAX_VALUE))) {
      while (true) {
        byte[] d = new byte[1500];
        int before = pendingApp.size();
        int n = packet(APP, d, 0, 0);
        if (n == 0) {
          break;
        }
        out.add(Arrays.copyOf(d, n));
        if (pendingApp.isEmpty() || (pendingApp.size() == before && out.size() > 64)) {
          break;
        }
      }
    }
    out.addAll(outQueue);
    outQueue.clear();
    return out;
  }

  private final boolean[] levelPing = new boolean[2];

  private boolean hasCrypto(int level) {
    return !cryptoPendingChunks[level].isEmpty() || levelPing[level];
  }

  /** Re-queues all CRYPTO data sent so far at every level with keys (emulates a client PTO). */
  void retransmitCrypto() {
    for (int l = 0; l < 2; l++) {
      if (txKeys[l] == null) {
        continue;
      }
      byte[] all = cryptoOut[l].toByteArray();
      if (all.length > 0) {
        cryptoPendingChunks[l].add(all);
        cryptoPendingOffsets[l].add(0L);
      } else {
        levelPing[l] = true; // RFC 9002 §6.2.2.1: the client's anti-deadlock probe
      }
    }
  }

  void queueDatagram(byte[] payload) {
    UnsafeBuffer b = new UnsafeBuffer(new byte[payload.length + 8]);
    int n = FrameWriter.writeDatagram(b, 0, new UnsafeBuffer(payload), 0, payload.length, true);
    pendingApp.add(Arrays.copyOf(b.byteArray(), n));
  }

  /** Queues an arbitrary pre-encoded frame sequence for the next 1-RTT packet. */
  void queueFrames(byte[] frames) {
    pendingApp.add(frames.clone());
  }

  void queuePing() {
    pingPending = true;
  }

  /** Starts a key update (RFC 9001 §6.1): the next 1-RTT packets use the next key phase. */
  void initiateKeyUpdate() {
    txKeys[APP] = txKeys[APP].nextKeyPhase();
    txPhase = !txPhase;
  }

  /** Builds a 1-RTT packet with the given frames right now (bypassing the queue). */
  byte[] appPacket(byte[] frames) {
    pendingApp.add(0, frames.clone());
    byte[] d = new byte[1500];
    int n = packet(APP, d, 0, 0);
    return Arrays.copyOf(d, n);
  }

  private int packet(int space, byte[] d, int start, int padPayloadTo) {
    UnsafeBuffer b = new UnsafeBuffer(d);
    long pn = nextPn[space];
    int pnLen = 4;
    int pnOff;
    UnsafeBuffer dc = new UnsafeBuffer(dcid);
    UnsafeBuffer sc = new UnsafeBuffer(scid);
    if (space == INITIAL) {
      pnOff =
          PacketHeaderWriter.writeInitial(
              b,
              start,
              1,
              dc,
              0,
              dcid.length,
              sc,
              0,
              scid.length,
              retryToken == null ? null : new UnsafeBuffer(retryToken),
              0,
              retryToken == null ? 0 : retryToken.length,
              pn,
              pnLen);
    } else if (space == HANDSHAKE) {
      pnOff =
          PacketHeaderWriter.writeHandshake(
              b, start, 1, dc, 0, dcid.length, sc, 0, scid.length, pn, pnLen);
    } else {
      pnOff = PacketHeaderWriter.writeShortHeader(b, start, txPhase, dc, 0, dcid.length, pn, pnLen);
    }
    int pos = pnOff + pnLen;
    int limit = start + 1350 - 16;
    ReceivedPacketTracker t = received[space];
    if (t.hasRanges() && t.ackWanted(Long.MAX_VALUE)) {
      int rc = t.rangeCount();
      long[] gaps = new long[rc];
      long[] lens = new long[rc];
      for (int i = 0; i < rc; i++) {
        gaps[i] = t.gap(i);
        lens[i] = t.rangeLength(i);
      }
      pos += FrameWriter.writeAck(b, pos, t.largest(), 0, t.firstRange(), gaps, lens, rc);
      t.onAckSent();
    }
    boolean any = pos > pnOff + pnLen;
    if (space != APP && levelPing[space]) {
      levelPing[space] = false;
      pos += FrameWriter.writePing(b, pos);
      any = true;
    }
    if (space != APP) {
      List<byte[]> chunks = cryptoPendingChunks[space];
      List<Long> offs = cryptoPendingOffsets[space];
      while (!chunks.isEmpty()) {
        byte[] c = chunks.get(0);
        long off = offs.get(0);
        int room = limit - pos - 12;
        if (room <= 0) {
          break;
        }
        int n = Math.min(room, c.length);
        pos += FrameWriter.writeCrypto(b, pos, off, new UnsafeBuffer(c), 0, n);
        if (n == c.length) {
          chunks.remove(0);
          offs.remove(0);
        } else {
          chunks.set(0, Arrays.copyOfRange(c, n, c.length));
          offs.set(0, off + n);
        }
        any = true;
      }
    } else {
      if (pingPending) {
        pos += FrameWriter.writePing(b, pos);
        pingPending = false;
        any = true;
      }
      while (!pendingApp.isEmpty() && pendingApp.get(0).length <= limit - pos) {
        byte[] f = pendingApp.remove(0);
        b.putBytes(pos, f);
        pos += f.length;
        any = true;
      }
    }
    if (!any) {
      return 0;
    }
    int minEnd = Math.max(pnOff + 4, start + padPayloadTo - 16);
    if (pos < minEnd) {
      FrameWriter.writePadding(b, pos, minEnd - pos);
      pos = minEnd;
    }
    int payloadLen = pos - pnOff - pnLen;
    if (space != APP) {
      PacketHeaderWriter.patchLength(
          b, PacketHeaderWriter.lengthFieldOffset(pnOff), pnLen + payloadLen + 16);
    }
    int n = txKeys[space].protect(d, start, pnOff, pnLen, payloadLen, pn);
    if (n < 0) {
      throw new IllegalStateException("protect " + n);
    }
    nextPn[space] = pn + 1;
    return n;
  }

  // ------------------------------------------------------------------------------------------
  // Input

  void receive(byte[] datagram) {
    byte[] buf = datagram.clone();
    UnsafeBuffer ub = new UnsafeBuffer(buf);
    PacketHeaderFlyweight h = new PacketHeaderFlyweight();
    int pos = 0;
    while (pos < buf.length) {
      if (h.wrap(ub, pos, buf.length - pos, scid.length) != PacketHeaderFlyweight.OK) {
        return;
      }
      int end = h.packetEnd();
      int type = h.packetType();
      int space =
          type == PacketHeaderFlyweight.TYPE_INITIAL
              ? INITIAL
              : type == PacketHeaderFlyweight.TYPE_HANDSHAKE ? HANDSHAKE : APP;
      if (type == PacketHeaderFlyweight.TYPE_INITIAL && h.scidLength() > 0) {
        byte[] serverScid = new byte[h.scidLength()];
        ub.getBytes(h.scidOffset(), serverScid);
        if (!Arrays.equals(serverScid, dcid) && received[INITIAL].largest() < 0) {
          dcid = serverScid; // RFC 9000 §7.2: switch to the server's SCID
        }
      }
      PacketProtection k = rxKeys[space];
      if (k == null) {
        undecryptable++;
        pos = end;
        continue;
      }
      if (space == APP) {
        byte[] mask = new byte[5];
        k.headerProtectionMask(buf, h.pnOffset() + 4, mask);
        boolean phase = (((buf[pos] ^ mask[0]) & 0x04) != 0);
        if (phase != rxPhase) {
          if (rxNextApp == null) {
            rxNextApp = k.nextKeyPhase();
          }
          k = rxNextApp;
        }
      }
      long pn = k.unprotect(buf, pos, h.pnOffset(), end, received[space].largest());
      if (pn < 0) {
        undecryptable++;
        pos = end;
        continue;
      }
      if (space == APP && k == rxNextApp) {
        rxKeys[APP] = rxNextApp;
        rxNextApp = null;
        rxPhase = !rxPhase;
        keyPhaseFlipsSeen++;
        packetsInRxPhase = 0;
        if (answerKeyUpdates && txPhase != rxPhase) {
          initiateKeyUpdate(); // RFC 9001 §6.2: answer the server's update
        }
      }
      if (space == APP) {
        packetsInRxPhase++;
        maxPacketsInRxPhase = Math.max(maxPacketsInRxPhase, packetsInRxPhase);
      }
      packetsReceived++;
      boolean eliciting =
          frames(space, ub, k.lastPayloadOffset(), k.lastPayloadOffset() + k.lastPayloadLength());
      received[space].onReceived(pn, eliciting, 0);
      pos = end;
    }
  }

  private boolean frames(int space, UnsafeBuffer b, int pos, int end) {
    FrameReader r = new FrameReader();
    boolean eliciting = false;
    while (pos < end) {
      int next = r.read(b, pos, end);
      if (next < 0) {
        throw new IllegalStateException("server sent a malformed frame: " + next);
      }
      long t = r.type();
      if (FrameType.isAckEliciting(t)) {
        eliciting = true;
      }
      if (FrameType.isAck(t)) {
        ackedByServer.add(r.ackLargest());
      } else if (t == FrameType.CRYPTO) {
        onCrypto(space, b, r.offset(), r.dataOffset(), r.dataLength());
      } else if (t == FrameType.HANDSHAKE_DONE) {
        handshakeDone = true;
        txKeys[HANDSHAKE] = null;
        rxKeys[HANDSHAKE] = null;
      } else if (FrameType.isDatagram(t)) {
        byte[] p = new byte[r.dataLength()];
        b.getBytes(r.dataOffset(), p);
        datagramsReceived.add(p);
      } else if (t == FrameType.NEW_CONNECTION_ID) {
        byte[] c = new byte[r.cidLength()];
        b.getBytes(r.cidOffset(), c);
        newCids.add(c);
        newCidSeqs.add(r.sequence());
      } else if (FrameType.isObservedAddress(t)) {
        byte[] ip = new byte[r.addressLength()];
        b.getBytes(r.addressOffset(), ip);
        try {
          observations.add(
              new Observation(
                  r.sequence(),
                  new java.net.InetSocketAddress(java.net.InetAddress.getByAddress(ip), r.port())));
        } catch (java.net.UnknownHostException e) {
          throw new IllegalStateException(e);
        }
      } else if (t == FrameType.PATH_CHALLENGE) {
        pathChallenges.add(r.pathData());
        if (autoPathResponse) {
          byte[] f = new byte[9];
          FrameWriter.writePathResponse(new UnsafeBuffer(f), 0, r.pathData());
          pendingApp.add(f);
        }
      } else if (t == FrameType.RETIRE_CONNECTION_ID) {
        retired.add(r.sequence());
      } else if (t == FrameType.MAX_STREAM_DATA) {
        maxStreamData.add(r.maximum());
      } else if (t == FrameType.MAX_DATA) {
        maxData.add(r.maximum());
      } else if (t == FrameType.MAX_STREAMS_BIDI || t == FrameType.MAX_STREAMS_UNI) {
        maxStreams.add(r.maximum());
      } else if (FrameType.isConnectionClose(t)) {
        closeReceived = true;
        closeCode = r.errorCode();
        closeApplication = r.isApplicationClose();
        byte[] reason = new byte[r.reasonLength()];
        b.getBytes(r.reasonOffset(), reason);
        closeReason = new String(reason, java.nio.charset.StandardCharsets.US_ASCII);
        closeSpace = space;
      }
      pos = next;
    }
    return eliciting;
  }

  private final java.util.TreeMap<Long, byte[]>[] cryptoHeld = newHeld();

  @SuppressWarnings("unchecked")
  private static java.util.TreeMap<Long, byte[]>[] newHeld() {
    java.util.TreeMap<Long, byte[]>[] m = new java.util.TreeMap[3];
    for (int i = 0; i < 3; i++) {
      m[i] = new java.util.TreeMap<>();
    }
    return m;
  }

  private void onCrypto(int level, UnsafeBuffer b, long off, int dataOff, int len) {
    if (off > cryptoInOffset[level]) {
      outOfOrderCrypto++;
    }
    byte[] chunk = new byte[len];
    b.getBytes(dataOff, chunk);
    cryptoHeld[level].merge(off, chunk, (a, c) -> a.length >= c.length ? a : c);
    while (!cryptoHeld[level].isEmpty()) {
      java.util.Map.Entry<Long, byte[]> e = cryptoHeld[level].firstEntry();
      long have = cryptoInOffset[level];
      if (e.getKey() > have) {
        break;
      }
      cryptoHeld[level].pollFirstEntry();
      byte[] c = e.getValue();
      long endOff = e.getKey() + c.length;
      if (endOff <= have) {
        continue;
      }
      int skip = (int) (have - e.getKey());
      cryptoIn[level].write(c, skip, c.length - skip);
      cryptoInOffset[level] = endOff;
    }
    byte[] all = cryptoIn[level].toByteArray();
    int p = 0;
    while (all.length - p >= 4) {
      int msgLen = ((all[p + 1] & 0xff) << 16) | ((all[p + 2] & 0xff) << 8) | (all[p + 3] & 0xff);
      if (all.length - p < 4 + msgLen) {
        break;
      }
      ByteBuffer m = ByteBuffer.wrap(all, p, 4 + msgLen).slice();
      try {
        parser.parseAndProcessHandshakeMessage(
            m, engine, level == INITIAL ? ProtectionKeysType.None : ProtectionKeysType.Handshake);
      } catch (Exception ex) {
        throw new IllegalStateException("client TLS error", ex);
      }
      p += 4 + msgLen;
      afterTls();
    }
    cryptoIn[level].reset();
    cryptoIn[level].write(all, p, all.length - p);
  }

  int outOfOrderCrypto;

  private void afterTls() {
    if (status.hasHandshakeSecrets() && txKeys[HANDSHAKE] == null && !status.isFinished()) {
      suite = CipherSuite.fromCode(engine.getSelectedCipher().value);
      txKeys[HANDSHAKE] = PacketProtection.create(suite, engine.getClientHandshakeTrafficSecret());
      rxKeys[HANDSHAKE] = PacketProtection.create(suite, engine.getServerHandshakeTrafficSecret());
    }
    if (status.isFinished() && txKeys[APP] == null) {
      txKeys[APP] = PacketProtection.create(suite, engine.getClientApplicationTrafficSecret());
      rxKeys[APP] = PacketProtection.create(suite, engine.getServerApplicationTrafficSecret());
      for (Extension e : status.serverExtensions()) {
        if (e instanceof UnknownExtension && ((UnknownExtension) e).getType() == 0x39) {
          byte[] whole = ((UnknownExtension) e).getData();
          byte[] body = Arrays.copyOfRange(whole, 4, whole.length);
          int r = serverTp.decode(new UnsafeBuffer(body), 0, body.length, false);
          if (r != TransportParameters.OK) {
            throw new IllegalStateException("server TP: " + serverTp.errorReason());
          }
          serverTpReceived = true;
        }
      }
    }
  }

  /** Stops sending Initial packets (the client got a Handshake packet, RFC 9001 §4.9.1). */
  void dropInitialKeysIfHandshake() {
    if (txKeys[HANDSHAKE] != null) {
      txKeys[INITIAL] = null;
      rxKeys[INITIAL] = null;
      cryptoPendingChunks[INITIAL].clear();
    }
  }

  boolean autoPathResponse = true;

  PacketProtection appTx() {
    return txKeys[APP];
  }

  PacketProtection appRx() {
    return rxKeys[APP];
  }

  /** Takes the next 1-RTT packet number (for tests that build packets themselves). */
  long takeAppPn() {
    return nextPn[APP]++;
  }

  CipherSuite suite() {
    return suite;
  }

  // ------------------------------------------------------------------------------------------

  private final class Sender implements ClientMessageSender {
    @Override
    public void send(ClientHello ch) {
      queueCrypto(INITIAL, ch.getBytes());
    }

    @Override
    public void send(FinishedMessage f) {
      byte[] fin = f.getBytes();
      if (extraAfterFinished != null) {
        // A valid Finished with bytes after it in the same CRYPTO frame (a tampering test).
        byte[] t = Arrays.copyOf(fin, fin.length + extraAfterFinished.length);
        System.arraycopy(extraAfterFinished, 0, t, fin.length, extraAfterFinished.length);
        fin = t;
      }
      queueCrypto(HANDSHAKE, fin);
      txHandshakeFinishedSent = true;
    }

    @Override
    public void send(CertificateMessage c) {
      queueCrypto(HANDSHAKE, c.getBytes());
    }

    @Override
    public void send(CertificateVerifyMessage cv) {
      queueCrypto(HANDSHAKE, cv.getBytes());
    }
  }

  private void queueCrypto(int level, byte[] bytes) {
    cryptoPendingChunks[level].add(bytes);
    cryptoPendingOffsets[level].add(cryptoSent[level]);
    cryptoSent[level] += bytes.length;
    cryptoOut[level].write(bytes, 0, bytes.length);
  }

  static final class QuicTpExtension extends Extension {
    private final byte[] body;

    QuicTpExtension(byte[] body) {
      this.body = body;
    }

    @Override
    public byte[] getBytes() {
      ByteBuffer b = ByteBuffer.allocate(4 + body.length);
      b.putShort((short) 0x39);
      b.putShort((short) body.length);
      b.put(body);
      return b.array();
    }
  }

  static final X509TrustManager TRUST_ALL =
      new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      };

  static long pnOf(long largest, long truncated, int bits) {
    return PacketNumber.decode(largest, truncated, bits);
  }
}
