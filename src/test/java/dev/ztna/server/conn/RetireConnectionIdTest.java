package dev.ztna.server.conn;

import static dev.ztna.server.conn.QuicConnectionTest.established;
import static dev.ztna.server.conn.QuicConnectionTest.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.wire.FrameWriter;
import dev.ztna.server.wire.TransportError;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** RETIRE_CONNECTION_ID (RFC 9000 §19.16): bounded work, refusals with PROTOCOL_VIOLATION. */
class RetireConnectionIdTest {

  private static byte[] retires(long from, long to) {
    UnsafeBuffer b = new UnsafeBuffer(new byte[16 * (int) (to - from + 1)]);
    int pos = 0;
    for (long seq = from; seq <= to; seq++) {
      pos += FrameWriter.writeRetireConnectionId(b, pos, seq);
    }
    return Arrays.copyOf(b.byteArray(), pos);
  }

  @Test
  void retireFloodInOnePacketMintsAtMostTheLimitThenIsProtocolViolation() {
    Harness h = established(201);
    assertEquals(java.util.List.of(1L, 2L, 3L), h.client.newCidSeqs);
    int issuedBefore = h.issued;
    // Seqs 1..3 are the client's; 4.. are predictable but were never sent to it. Before the fix
    // each RETIRE minted a CID (AES + reset token + routing) and 4, 5, ... were accepted as they
    // appeared: one 1350-byte packet made the server mint hundreds.
    h.toServer(h.client.appPacket(retires(1, 300)));
    assertEquals(TransportError.PROTOCOL_VIOLATION, h.closedCode);
    assertTrue(h.closedReason.contains("not yet issued"), h.closedReason);
    assertTrue(
        h.issued - issuedBefore <= 4, "CIDs minted by one packet: " + (h.issued - issuedBefore));
  }

  @Test
  void retireOfANeverIssuedSequenceNumberIsProtocolViolation() {
    Harness h = established(202);
    h.toServer(h.client.appPacket(retires(7, 7)));
    assertEquals(TransportError.PROTOCOL_VIOLATION, h.closedCode);
  }

  @Test
  void retireOfTheCidThePacketWasSentToIsProtocolViolation() {
    Harness h = established(203);
    h.client.dcid = h.client.newCids.get(0); // seq 1
    h.toServer(h.client.appPacket(retires(1, 1)));
    assertEquals(TransportError.PROTOCOL_VIOLATION, h.closedCode);
  }

  @Test
  void retiringEveryAnnouncedCidRoundAfterRoundKeepsWorking() {
    Harness h = established(204);
    long next = 1;
    for (int round = 0; round < 20; round++) {
      long last = h.client.newCidSeqs.get(h.client.newCidSeqs.size() - 1);
      // The client moves to its newest CID and retires every older one it was given.
      h.client.dcid = h.client.newCids.get(h.client.newCids.size() - 1);
      h.client.queueFrames(retires(next, last - 1));
      h.client.queueDatagram(pattern(8, round));
      h.step();
      h.settle();
      next = last;
      assertTrue(h.conn.isEstablished(), "round " + round + ": " + h.closedReason);
      assertEquals(4, h.conn.activeLocalCids());
    }
    assertEquals(20, h.serverReceivedDatagrams.size());
  }
}
