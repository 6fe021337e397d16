package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.wire.FrameWriter;
import dev.ztna.server.wire.TransportError;
import org.junit.jupiter.api.Test;

/**
 * Reason phrases on the wire (ZTNA-V1 §5, RFC 9000 §10.2.3, §19.19): every close in a 1-RTT packet
 * carries its reason, bounded and printable ASCII; an application close before the handshake
 * completes goes out as a transport APPLICATION_ERROR with an empty reason.
 */
class CloseReasonTest {

  @Test
  void applicationCloseCarriesItsReasonIn1Rtt() {
    Harness h = QuicConnectionTest.established(61);
    h.conn.close(0x101, "REGISTER with an empty service id");
    h.step();
    assertTrue(h.client.closeReceived);
    assertTrue(h.client.closeApplication);
    assertEquals(0x101, h.client.closeCode);
    assertEquals(TestClient.APP, h.client.closeSpace);
    assertEquals("REGISTER with an empty service id", h.client.closeReason);
  }

  @Test
  void transportErrorCarriesItsReason() {
    Harness h = QuicConnectionTest.established(62);
    // HANDSHAKE_DONE from a client is a PROTOCOL_VIOLATION (RFC 9000 §19.20).
    h.client.queueFrames(new byte[] {0x1e});
    assertTrue(h.runUntil(() -> h.client.closeReceived, 10));
    assertTrue(h.client.closeReceived);
    assertFalse(h.client.closeApplication);
    assertEquals(TransportError.PROTOCOL_VIOLATION, h.client.closeCode);
    assertEquals("frame only a server sends", h.client.closeReason);
  }

  @Test
  void longOrNonAsciiReasonsAreBoundedAndSanitised() {
    Harness h = QuicConnectionTest.established(63);
    StringBuilder r = new StringBuilder("caf\u00e9\n");
    while (r.length() < 200) {
      r.append('x');
    }
    h.conn.close(0x104, r.toString());
    h.step();
    assertEquals(FrameWriter.MAX_REASON_LENGTH, h.client.closeReason.length());
    assertTrue(h.client.closeReason.startsWith("caf??xx"), h.client.closeReason);
  }

  @Test
  void applicationCloseDuringTheHandshakeIsApplicationErrorWithoutReason() {
    Harness h = new Harness(64);
    h.start(false);
    h.conn.close(0x101, "must not leak before the handshake");
    h.step();
    assertTrue(h.client.closeReceived);
    assertFalse(h.client.closeApplication);
    assertEquals(TransportError.APPLICATION_ERROR, h.client.closeCode);
    assertEquals("", h.client.closeReason);
  }
}
