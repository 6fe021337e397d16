package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials.KeyType;
import dev.ztna.server.crypto.CipherSuite;
import dev.ztna.server.wire.PacketHeaderFlyweight;
import dev.ztna.server.wire.TransportError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tech.kwik.agent15.TlsConstants;

/** Handshakes of {@link QuicConnection} against the agent15-based {@link TestClient}. */
class QuicConnectionHandshakeTest {

  static Stream<Arguments> suites() {
    List<Arguments> a = new ArrayList<>();
    for (TlsConstants.CipherSuite cs :
        new TlsConstants.CipherSuite[] {
          TlsConstants.CipherSuite.TLS_AES_128_GCM_SHA256,
          TlsConstants.CipherSuite.TLS_AES_256_GCM_SHA384,
          TlsConstants.CipherSuite.TLS_CHACHA20_POLY1305_SHA256
        }) {
      for (boolean retry : new boolean[] {false, true}) {
        for (KeyType k : KeyType.values()) {
          a.add(Arguments.of(cs, retry, k));
        }
      }
    }
    return a.stream();
  }

  @ParameterizedTest(name = "{0} retry={1} {2}")
  @MethodSource("suites")
  void fullHandshake(TlsConstants.CipherSuite cs, boolean retry, KeyType key) {
    Harness h = new Harness(42, Harness.config(Harness.credentials(key)).build());
    h.newClient(cs, "ztna-v1", null);
    h.start(retry);
    assertTrue(h.handshake(), "handshake completes");
    assertEquals(1, h.established);
    assertEquals(CipherSuite.fromCode(cs.value), h.conn.cipherSuite());
    assertEquals(CipherSuite.fromCode(cs.value), h.client.suite());
    // Transport parameters the client authenticated (RFC 9000 §7.3).
    TestClient c = h.client;
    assertTrue(c.serverTpReceived);
    assertArrayEquals(
        c.originalDcid,
        Arrays.copyOf(
            c.serverTp.originalDestinationConnectionId,
            c.serverTp.originalDestinationConnectionIdLength));
    assertArrayEquals(
        h.conn.localCid(),
        Arrays.copyOf(
            c.serverTp.initialSourceConnectionId, c.serverTp.initialSourceConnectionIdLength));
    if (retry) {
      assertArrayEquals(
          c.dcidAfterRetry,
          Arrays.copyOf(
              c.serverTp.retrySourceConnectionId, c.serverTp.retrySourceConnectionIdLength));
    } else {
      assertEquals(-1, c.serverTp.retrySourceConnectionIdLength);
    }
    assertTrue(c.serverTp.hasStatelessResetToken);
    assertEquals(65535, c.serverTp.maxDatagramFrameSize);
    assertEquals(4, c.serverTp.activeConnectionIdLimit);
    // Keys: Initial and Handshake discarded on the server.
    assertFalse(h.conn.hasKeys(PacketNumberSpace.INITIAL));
    assertFalse(h.conn.hasKeys(PacketNumberSpace.HANDSHAKE));
    // Every datagram with an Initial packet was padded to >= 1200 bytes.
    for (byte[] d : h.serverDatagrams) {
      if ((d[0] & 0xb0) == 0x80) {
        assertTrue(d.length >= 1200, "Initial datagram of " + d.length);
      }
    }
    h.settle();
    assertEquals(0, h.closedCalls);
  }

  @Test
  void wrongAlpnClosesWithNoApplicationProtocol() {
    Harness h = new Harness(7);
    h.newClient(TlsConstants.CipherSuite.TLS_AES_128_GCM_SHA256, "h3", null);
    h.start(false);
    h.runUntil(() -> h.client.closeReceived, 20);
    assertTrue(h.client.closeReceived);
    assertEquals(0x178, h.client.closeCode);
    assertEquals(1, h.closedCalls);
    assertEquals(0x178, h.closedCode);
    assertFalse(h.closedByPeer);
    for (byte[] d : h.serverDatagrams) {
      if ((d[0] & 0xb0) == 0x80) {
        assertTrue(d.length >= 1200);
      }
    }
    // Closing ends after 3 PTO; the loop then frees the connection.
    for (int i = 0; i < 5 && !h.conn.isClosed(); i++) {
      h.advance();
    }
    assertTrue(h.conn.isClosed());
    assertTrue(h.routed.isEmpty(), "all CIDs retired");
  }

  @Test
  void clientInitialSourceConnectionIdMismatchIsTransportParameterError() {
    Harness h = new Harness(8);
    dev.ztna.server.wire.TransportParameters tp = TestClient.defaultTransportParameters();
    h.newClient(TlsConstants.CipherSuite.TLS_AES_128_GCM_SHA256, "ztna-v1", tp);
    // Corrupt the client's SCID after the ClientHello was built: the header SCID differs.
    h.client.scid[0] ^= 1;
    h.start(false);
    h.runUntil(() -> h.client.closeReceived, 20);
    assertEquals(TransportError.TRANSPORT_PARAMETER_ERROR, h.closedCode);
  }

  static boolean isLong(byte[] d) {
    return new PacketHeaderFlyweight().wrap(new UnsafeBuffer(d), 0, d.length, 8)
            == PacketHeaderFlyweight.OK
        && (d[0] & 0x80) != 0;
  }
}
