package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import tech.kwik.agent15.TlsConstants;
import tech.kwik.agent15.TlsConstants.NamedGroup;

/**
 * A DATAGRAM of the largest size {@link QuicConnection#maxDatagramPayload()} allows must go out
 * even when an ACK is due at the same time (it then travels in the next packet), with a client
 * using 20-byte connection IDs.
 */
class DatagramBesideAckTest {
  @Test
  void largestDatagramIsSentWhileAnAckIsPending() {
    for (int scidLen : new int[] {8, 16, 20}) {
      Harness h = new Harness(900 + scidLen);
      h.client =
          new TestClient(
              h.random,
              TlsConstants.CipherSuite.TLS_AES_128_GCM_SHA256,
              "ztna-v1",
              scidLen,
              null,
              NamedGroup.x25519);
      h.start(false);
      assertTrue(h.handshake());
      h.settle();
      int max = h.conn.maxDatagramPayload();
      for (int size = max - 20; size <= max; size++) {
        int before = h.client.datagramsReceived.size();
        h.client.queueDatagram(new byte[] {0x45, 1, 2});
        h.step(); // the server receives an ack-eliciting packet: an ACK is now due
        assertEquals(
            QuicConnection.SEND_QUEUED,
            h.conn.sendDatagram(new UnsafeBuffer(new byte[size]), 0, size),
            "size " + size);
        for (int i = 0; i < 5 && h.client.datagramsReceived.size() == before; i++) {
          h.step();
        }
        assertEquals(
            before + 1,
            h.client.datagramsReceived.size(),
            "datagram of " + size + " (max " + max + ", client CID " + scidLen + ")");
      }
    }
  }
}
