package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.certs.ServerCredentials.KeyType;
import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.wire.FrameType;
import dev.ztna.server.wire.FrameWriter;
import dev.ztna.server.wire.TransportError;
import dev.ztna.server.wire.VarInt;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Post-handshake behaviour of {@link QuicConnection} against the in-memory {@link TestClient}. */
class QuicConnectionTest {

  static Harness established(long seed) {
    Harness h = new Harness(seed);
    h.start(false);
    assertTrue(h.handshake(), "handshake");
    h.settle();
    return h;
  }

  static Harness established(long seed, ConnectionConfig cfg) {
    Harness h = new Harness(seed, cfg);
    h.start(false);
    assertTrue(h.handshake(), "handshake");
    h.settle();
    return h;
  }

  static byte[] pattern(int len, int seed) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (i * 31 + seed);
    }
    return b;
  }

  @Test
  void datagramQueueGrowsOnDemandKeepsOrderAndStopsAtItsCap() {
    Harness h = established(7, Harness.config(TestCredentials.ec()).maxDatagramQueue(100).build());
    // The queue starts at 4 slots and doubles (4, 8, ..., 64, then the cap of 100) while the
    // connection sends nothing: every datagram up to the cap is accepted, in order.
    for (int i = 0; i < 100; i++) {
      byte[] p = pattern(200, i);
      assertEquals(QuicConnection.SEND_QUEUED, h.conn.sendDatagram(new UnsafeBuffer(p), 0, 200));
    }
    assertEquals(
        QuicConnection.SEND_QUEUE_FULL,
        h.conn.sendDatagram(new UnsafeBuffer(new byte[200]), 0, 200));
    for (int round = 0; round < 200 && h.client.datagramsReceived.size() < 100; round++) {
      if (h.step() == 0) {
        h.settle();
      }
    }
    List<byte[]> got = h.client.datagramsReceived;
    assertEquals(100, got.size());
    for (int i = 0; i < 100; i++) {
      assertArrayEquals(pattern(200, i), got.get(i), "datagram " + i);
    }
  }

  @Test
  void datagramsServerToClientAllSizes() {
    Harness h = established(1);
    int max = h.conn.maxDatagramPayload();
    assertTrue(max > 1200, "max " + max);
    assertEquals(
        QuicConnection.SEND_TOO_BIG,
        h.conn.sendDatagram(new UnsafeBuffer(new byte[max + 1]), 0, max + 1));
    int next = 1;
    for (int round = 0; round < 10_000 && next <= max; round++) {
      while (next <= max) {
        byte[] p = pattern(next, next);
        int r = h.conn.sendDatagram(new UnsafeBuffer(p), 0, p.length);
        if (r == QuicConnection.SEND_QUEUE_FULL) {
          break;
        }
        assertEquals(QuicConnection.SEND_QUEUED, r);
        next++;
      }
      h.step();
    }
    h.settle();
    List<byte[]> got = h.client.datagramsReceived;
    assertEquals(max, got.size());
    for (int i = 0; i < max; i++) {
      assertArrayEquals(pattern(i + 1, i + 1), got.get(i), "size " + (i + 1));
    }
    assertEquals(max, h.conn.datagramFramesSent());
    assertTrue(h.conn.datagramFramesDropped() > 0, "queue-full and too-big are counted");
    // Every server datagram fits the path.
    for (byte[] d : h.serverDatagrams) {
      assertTrue(d.length <= 1350);
    }
  }

  @Test
  void datagramsClientToServerAllSizes() {
    Harness h = established(2);
    int max = 1350 - 1 - 8 - 4 - 16 - 3;
    for (int len = 1; len <= max; len++) {
      h.client.queueDatagram(pattern(len, len));
      if (len % 16 == 0) {
        h.step();
      }
    }
    h.settle();
    assertEquals(max, h.serverReceivedDatagrams.size());
    for (int i = 0; i < max; i++) {
      assertArrayEquals(pattern(i + 1, i + 1), h.serverReceivedDatagrams.get(i));
    }
    assertEquals(max, h.conn.datagramFramesReceived());
    assertEquals(0, h.closedCalls);
  }

  @Test
  void sendDatagramStates() {
    Harness h = new Harness(3);
    h.start(false);
    assertEquals(
        QuicConnection.SEND_NOT_ESTABLISHED,
        h.conn.sendDatagram(new UnsafeBuffer(new byte[10]), 0, 10));
    assertTrue(h.handshake());
    assertEquals(
        QuicConnection.SEND_QUEUED, h.conn.sendDatagram(new UnsafeBuffer(new byte[10]), 0, 10));
    h.conn.close(0x103, "shutting down");
    assertEquals(
        QuicConnection.SEND_CLOSED, h.conn.sendDatagram(new UnsafeBuffer(new byte[10]), 0, 10));
  }

  @Test
  void peerWithoutDatagramSupport() {
    Harness h = new Harness(4);
    dev.ztna.server.wire.TransportParameters tp = TestClient.defaultTransportParameters();
    tp.maxDatagramFrameSize = 0;
    h.newClient(tech.kwik.agent15.TlsConstants.CipherSuite.TLS_AES_128_GCM_SHA256, "ztna-v1", tp);
    h.start(false);
    assertTrue(h.handshake());
    assertEquals(0, h.conn.maxDatagramPayload());
    assertEquals(
        QuicConnection.SEND_UNSUPPORTED,
        h.conn.sendDatagram(new UnsafeBuffer(new byte[10]), 0, 10));
  }

  @ParameterizedTest
  @ValueSource(longs = {11, 12, 13, 14, 15, 16, 17, 18})
  void lossReorderDuplicationDuringAndAfterHandshake(long seed) {
    Harness h = new Harness(seed);
    h.lossToClient = 0.3;
    h.lossToServer = 0.3;
    h.duplicate = 0.1;
    h.reorder = true;
    h.start(false);
    assertTrue(h.handshake(), "handshake completes despite loss (seed " + seed + ")");
    // After: datagrams still flow (lossy, never retransmitted), the connection stays up.
    for (int i = 0; i < 200; i++) {
      h.conn.sendDatagram(new UnsafeBuffer(pattern(100, i)), 0, 100);
      h.client.queueDatagram(pattern(50, i));
      h.step();
    }
    h.lossToClient = 0;
    h.lossToServer = 0;
    h.settle();
    assertTrue(h.conn.isEstablished());
    assertTrue(h.client.datagramsReceived.size() > 50);
    assertTrue(h.client.datagramsReceived.size() <= 200 * 2);
    assertTrue(h.serverReceivedDatagrams.size() > 50);
    assertEquals(0, h.closedCalls);
  }

  @Test
  void lostServerFlightIsRetransmittedOnPto() {
    Harness h = new Harness(21);
    h.start(false);
    // Drop everything the server sends at first: its whole first flight.
    h.lossToClient = 1.0;
    h.step();
    long firstFlight = h.toClientBytes;
    assertTrue(firstFlight >= 1200);
    h.lossToClient = 0;
    h.advance(); // PTO
    assertTrue(h.handshake());
    assertTrue(h.toClientBytes >= 2 * firstFlight, "CRYPTO data retransmitted");
  }

  static ServerCredentials nineCertificateChain() throws Exception {
    ServerCredentials leaf = ServerCredentials.generateSelfSigned("localhost", KeyType.RSA);
    List<X509Certificate> chain = new ArrayList<>(leaf.certificateChain());
    for (int i = 0; i < 8; i++) {
      chain.add(
          ServerCredentials.generateSelfSigned("intermediate" + i, KeyType.RSA)
              .certificateChain()
              .get(0));
    }
    return ServerCredentials.of(leaf.privateKey(), chain);
  }

  @Test
  void amplificationLimitWithLargeChainAndSilentClient() throws Exception {
    Harness h = new Harness(31, Harness.config(nineCertificateChain()).build());
    h.start(false);
    long received = h.toServerBytes;
    assertEquals(1200, received);
    for (int i = 0; i < 50 && !h.conn.isClosed(); i++) {
      h.step0();
      assertTrue(h.toClientBytes <= 3 * received, "sent " + h.toClientBytes);
      h.advance();
    }
    assertTrue(h.toClientBytes > 2 * received, "used its allowance: " + h.toClientBytes);
    assertTrue(h.toClientBytes <= 3 * received);
    assertFalse(h.conn.isEstablished());
  }

  @Test
  void handshakeCompletesWithLargeChain() throws Exception {
    Harness h = new Harness(32, Harness.config(nineCertificateChain()).build());
    h.start(false);
    assertTrue(h.handshake());
    for (byte[] d : h.serverDatagrams) {
      if ((d[0] & 0xb0) == 0x80) {
        assertTrue(d.length >= 1200);
      }
    }
  }

  @Test
  void idleTimeoutCloses() {
    Harness h = established(41);
    long last = h.now;
    long deadline = h.conn.nextTimeoutNanos();
    assertTrue(deadline > last);
    for (int i = 0; i < 100 && !h.conn.isClosed(); i++) {
      h.advance();
    }
    assertTrue(h.conn.isClosed());
    assertEquals(1, h.closedCalls);
    assertEquals("idle timeout", h.closedReason);
    assertTrue(h.now - last >= 30_000_000_000L, "effective idle timeout is min(30 s, 60 s)");
    assertTrue(h.routed.isEmpty());
    assertEquals(0, h.conn.pollDatagram(h.out, 0, h.now));
  }

  @Test
  void peerConnectionCloseDrains() {
    Harness h = established(42);
    byte[] f = new byte[32];
    int n = FrameWriter.writeConnectionClose(new UnsafeBuffer(f), 0, true, 0x101, 0, null, 0, 0);
    h.client.queueFrames(java.util.Arrays.copyOf(f, n));
    h.step();
    assertEquals(1, h.closedCalls);
    assertTrue(h.closedByPeer);
    assertTrue(h.closedApp);
    assertEquals(0x101, h.closedCode);
    assertFalse(h.conn.isClosed());
    assertEquals(0, h.conn.pollDatagram(h.out, 0, h.now), "draining sends nothing");
    h.advance();
    assertTrue(h.conn.isClosed());
    assertTrue(h.routed.isEmpty());
    assertEquals(1, h.closedCalls);
  }

  @Test
  void applicationCloseAndClosingState() {
    Harness h = established(43);
    h.conn.close(0x102, "replaced");
    assertEquals(1, h.closedCalls);
    assertFalse(h.closedByPeer);
    h.step();
    assertTrue(h.client.closeReceived);
    assertTrue(h.client.closeApplication);
    assertEquals(0x102, h.client.closeCode);
    // Further client packets get CONNECTION_CLOSE again, rate limited.
    int before = h.serverDatagrams.size();
    for (int i = 0; i < 8; i++) {
      h.client.queuePing();
      h.step();
    }
    int answers = h.serverDatagrams.size() - before;
    assertTrue(answers >= 2 && answers <= 4, "answers " + answers);
    h.advance();
    assertTrue(h.conn.isClosed());
    assertEquals(1, h.closedCalls);
  }

  @Test
  void keyUpdateByClientKeepsTheConnection() {
    Harness h = established(51);
    for (int update = 0; update < 3; update++) {
      h.client.initiateKeyUpdate();
      h.client.queueDatagram(pattern(20, update));
      h.conn.sendDatagram(new UnsafeBuffer(pattern(30, update)), 0, 30);
      h.step();
      h.step();
      h.settle();
      assertEquals(update + 1, h.serverReceivedDatagrams.size());
      assertEquals(update + 1, h.client.keyPhaseFlipsSeen, "server answered in the new phase");
      assertEquals(update + 1, h.client.datagramsReceived.size());
    }
    assertTrue(h.conn.isEstablished());
    // Old keys are dropped after a while (3 PTO); the connection keeps working.
    h.now += 1_000_000_000L;
    h.conn.onTimeout(h.now);
    h.client.queueDatagram(pattern(5, 9));
    h.step();
    assertEquals(4, h.serverReceivedDatagrams.size());
  }

  @Test
  void newConnectionIdsUpToTheLimitAndRetirement() {
    Harness h = established(61);
    // active_connection_id_limit 4 both ways: seq 0 plus three NEW_CONNECTION_ID.
    assertEquals(3, h.client.newCids.size());
    assertEquals(List.of(1L, 2L, 3L), h.client.newCidSeqs);
    // Four issued CIDs plus the client's Initial DCID, kept routed so that late Initials reach
    // this connection instead of creating another (retired when the connection ends).
    assertEquals(5, h.routed.size(), "issued CIDs and the initial DCID alias");
    assertEquals(4, h.conn.activeLocalCids());
    // Retire seq 1: a replacement (seq 4) is issued, still 4 routed.
    byte[] f = new byte[8];
    int n = FrameWriter.writeRetireConnectionId(new UnsafeBuffer(f), 0, 1);
    h.client.queueFrames(java.util.Arrays.copyOf(f, n));
    h.step();
    h.settle();
    assertEquals(4, h.client.newCids.size());
    assertEquals(4L, h.client.newCidSeqs.get(3));
    assertEquals(5, h.routed.size());
    // The client moves to one of the new CIDs: packets still processed.
    h.client.dcid = h.client.newCids.get(1);
    h.client.queueDatagram(pattern(10, 1));
    h.step();
    assertEquals(1, h.serverReceivedDatagrams.size());
    // Retiring a never-issued sequence number is a PROTOCOL_VIOLATION.
    n = FrameWriter.writeRetireConnectionId(new UnsafeBuffer(f), 0, 99);
    h.client.queueFrames(java.util.Arrays.copyOf(f, n));
    h.step();
    assertEquals(TransportError.PROTOCOL_VIOLATION, h.closedCode);
  }

  @Test
  void clientNewConnectionIdsBeyondOurLimit() {
    Harness h = established(62);
    UnsafeBuffer b = new UnsafeBuffer(new byte[256]);
    byte[] token = new byte[16];
    int pos = 0;
    for (int seq = 1; seq <= 4; seq++) {
      byte[] cid = pattern(8, seq);
      pos +=
          FrameWriter.writeNewConnectionId(
              b, pos, seq, 0, new UnsafeBuffer(cid), 0, 8, new UnsafeBuffer(token), 0);
    }
    h.client.queueFrames(java.util.Arrays.copyOf(b.byteArray(), pos));
    h.step();
    assertEquals(TransportError.CONNECTION_ID_LIMIT_ERROR, h.closedCode);
  }

  @Test
  void statelessResetFromThePeerDrains() {
    Harness h = established(63);
    UnsafeBuffer b = new UnsafeBuffer(new byte[64]);
    byte[] token = pattern(16, 77);
    int n =
        FrameWriter.writeNewConnectionId(
            b, 0, 1, 0, new UnsafeBuffer(pattern(8, 5)), 0, 8, new UnsafeBuffer(token), 0);
    h.client.queueFrames(java.util.Arrays.copyOf(b.byteArray(), n));
    h.step();
    assertEquals(0, h.closedCalls);
    // A stateless reset: looks like a short header packet, ends with the token (§10.3).
    byte[] reset = new byte[43];
    new java.util.Random(5).nextBytes(reset);
    reset[0] = (byte) (0x40 | (reset[0] & 0x3f));
    System.arraycopy(token, 0, reset, reset.length - 16, 16);
    h.toServer(reset);
    assertEquals(1, h.closedCalls);
    assertTrue(h.closedByPeer);
    assertEquals("stateless reset", h.closedReason);
    assertEquals(0, h.conn.pollDatagram(h.out, 0, h.now));
    h.advance();
    assertTrue(h.conn.isClosed());
    assertTrue(h.routed.isEmpty());
  }

  @Test
  void pathChangeIsAdoptedAtOnceAndValidatedInParallel() {
    Harness h = established(71);
    h.clientAddr = Harness.CLIENT2;
    h.client.queueDatagram(pattern(10, 7));
    h.step(); // server: datagram delivered
    assertEquals(1, h.serverReceivedDatagrams.size());
    h.client.autoPathResponse = false;
    h.step(); // PATH_CHALLENGE to the new address
    assertEquals(1, h.client.pathChallenges.size());
    // RFC 9000 §9.3: a non-probing packet moves the server's sending at once; validation (and
    // the validated-change callback that sends QAD) follows.
    assertTrue(h.addressChanges.isEmpty(), "not reported as validated before validation");
    assertEquals(List.of(Harness.CLIENT2), h.peerAddressChanges);
    assertEquals(Harness.CLIENT2, h.conn.peerAddress());
    assertFalse(h.conn.isAddressValidated(), "the new path is not validated yet");
    int idx = h.serverDestinations.indexOf(Harness.CLIENT2);
    assertTrue(idx >= 0, "challenge sent to the new path");
    assertTrue(
        h.serverDatagrams.get(idx).length >= 1200 || h.serverDatagrams.get(idx).length <= 3 * 1200);
    byte[] resp = new byte[9];
    FrameWriter.writePathResponse(new UnsafeBuffer(resp), 0, h.client.pathChallenges.get(0));
    h.client.queueFrames(resp);
    h.step(); // client answers with PATH_RESPONSE from the new address
    h.settle();
    assertEquals(List.of(Harness.CLIENT2), h.addressChanges);
    assertEquals(Harness.CLIENT2, h.conn.peerAddress());
    h.conn.sendDatagram(new UnsafeBuffer(pattern(10, 8)), 0, 10);
    h.step();
    assertEquals(Harness.CLIENT2, h.serverDestinations.get(h.serverDestinations.size() - 1));
  }

  @Test
  void pathChallengeFromPeerIsAnswered() {
    Harness h = established(72);
    byte[] f = new byte[9];
    FrameWriter.writePathChallenge(new UnsafeBuffer(f), 0, 0x1122334455667788L);
    h.client.queueFrames(f);
    h.step();
    h.settle();
    assertTrue(h.conn.isEstablished());
  }

  static ConnectionConfig smallWindows() {
    return Harness.config(Harness.credentials(KeyType.EC_P256))
        .initialMaxData(8000)
        .initialMaxStreamData(4000)
        .initialMaxStreamsBidi(4)
        .initialMaxStreamsUni(4)
        .build();
  }

  static byte[] streamFrame(long id, long off, int len, boolean fin) {
    UnsafeBuffer b = new UnsafeBuffer(new byte[len + 32]);
    int n =
        FrameWriter.writeStream(b, 0, id, off, new UnsafeBuffer(new byte[len]), 0, len, fin, true);
    return java.util.Arrays.copyOf(b.byteArray(), n);
  }

  @Test
  void streamDataIsAcceptedAndCreditReturned() {
    Harness h = established(81, smallWindows());
    long off = 0;
    // 40 KB on one stream: far beyond the initial 4000-byte stream and 8000-byte connection
    // windows.
    for (int i = 0; i < 40; i++) {
      h.client.queueFrames(streamFrame(0, off, 1000, false));
      off += 1000;
      h.step();
      h.settle();
    }
    assertEquals(0, h.closedCalls, "never exceeded the advertised credit");
    assertFalse(h.client.maxStreamData.isEmpty());
    assertFalse(h.client.maxData.isEmpty());
    assertTrue(h.client.maxStreamData.get(h.client.maxStreamData.size() - 1) >= off);
    // Many short streams: MAX_STREAMS is raised.
    for (int s = 1; s <= 12; s++) {
      h.client.queueFrames(streamFrame(4L * s, 0, 10, true));
      h.step();
      h.settle();
    }
    assertEquals(0, h.closedCalls);
    assertFalse(h.client.maxStreams.isEmpty());
  }

  @Test
  void streamDataBeyondCreditIsFlowControlError() {
    Harness h = established(82, smallWindows());
    h.client.queueFrames(streamFrame(0, 0, 1000, false));
    h.client.queueFrames(streamFrame(0, 4000, 10, false));
    h.step();
    assertEquals(TransportError.FLOW_CONTROL_ERROR, h.closedCode);
  }

  @Test
  void handshakeDoneFromClientIsProtocolViolation() {
    Harness h = established(91);
    h.client.queueFrames(new byte[] {(byte) FrameType.HANDSHAKE_DONE});
    h.step();
    h.step();
    assertEquals(TransportError.PROTOCOL_VIOLATION, h.closedCode);
    assertTrue(h.client.closeReceived);
    assertEquals(TransportError.PROTOCOL_VIOLATION, h.client.closeCode);
  }

  @Test
  void oversizedDatagramIsProtocolViolation() {
    ConnectionConfig cfg =
        Harness.config(Harness.credentials(KeyType.EC_P256)).maxDatagramFrameSize(100).build();
    Harness h = established(92, cfg);
    assertEquals(100, h.client.serverTp.maxDatagramFrameSize);
    h.client.queueDatagram(new byte[97]); // 0x31 + 1-byte length + 97 = 99 bytes: fine
    h.step();
    assertEquals(1, h.serverReceivedDatagrams.size());
    h.client.queueDatagram(new byte[200]);
    h.step();
    assertEquals(TransportError.PROTOCOL_VIOLATION, h.closedCode);
  }

  @Test
  void unknownFrameIsFrameEncodingError() {
    Harness h = established(93);
    byte[] f = new byte[2];
    VarInt.put(new UnsafeBuffer(f), 0, 0x40);
    h.client.queueFrames(f);
    h.step();
    assertEquals(TransportError.FRAME_ENCODING_ERROR, h.closedCode);
  }

  @Test
  void cryptoBufferExceeded() {
    Harness h = established(94);
    UnsafeBuffer b = new UnsafeBuffer(new byte[64]);
    int n = FrameWriter.writeCrypto(b, 0, 100_000, new UnsafeBuffer(new byte[4]), 0, 4);
    h.client.queueFrames(java.util.Arrays.copyOf(b.byteArray(), n));
    h.step();
    assertEquals(TransportError.CRYPTO_BUFFER_EXCEEDED, h.closedCode);
  }

  @Test
  void countersAndAccessors() {
    Harness h = established(95);
    assertNotNull(h.conn.peerAddress());
    assertTrue(h.conn.bytesReceived() > 0);
    assertTrue(h.conn.bytesSent() > 0);
    assertTrue(h.conn.datagramsReceived() > 0);
    assertTrue(h.conn.datagramsSent() > 0);
  }
}
