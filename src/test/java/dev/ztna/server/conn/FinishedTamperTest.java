package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.ztna.server.tls.TlsAlert;
import dev.ztna.server.wire.TransportError;
import org.junit.jupiter.api.Test;

/**
 * A valid client Finished followed by one extra byte in the Handshake CRYPTO stream (the long fuzz
 * run's failure, issue 9 §4): the connection never becomes established and closes with CRYPTO_ERROR
 * unexpected_message (RFC 8446 §5.1, RFC 9001 §4.1.3, §4.8).
 */
class FinishedTamperTest {
  @Test
  void validFinishedFollowedByOneByteNeverEstablishes() {
    Harness h = new Harness(401);
    h.newClient(tech.kwik.agent15.TlsConstants.CipherSuite.TLS_AES_128_GCM_SHA256, "ztna-v1", null);
    h.client.extraAfterFinished = new byte[] {0x14};
    h.start(false);
    h.runUntil(() -> h.closedCalls > 0, 200);
    assertEquals(0, h.established);
    assertFalse(h.conn.isEstablished());
    assertEquals(TransportError.cryptoError(TlsAlert.UNEXPECTED_MESSAGE), h.closedCode);
  }
}
