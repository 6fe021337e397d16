package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials.KeyType;
import dev.ztna.server.wire.FrameWriter;
import dev.ztna.server.wire.TransportParameters;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import tech.kwik.agent15.TlsConstants;

/**
 * The QUIC address-discovery extension (draft-ietf-quic-address-discovery): a client that sends
 * transport parameter 0x9f81a176 asking for observations gets OBSERVED_ADDRESS frames with
 * increasing sequence numbers, at handshake completion and after a validated path change; the
 * server advertises the parameter (value 0: willing to provide).
 */
class AddressDiscoveryTest {
  private static Harness handshake(long seed, long clientValue) {
    Harness h = new Harness(seed);
    TransportParameters tp = TestClient.defaultTransportParameters();
    tp.addressDiscovery = clientValue;
    h.newClient(TlsConstants.CipherSuite.TLS_AES_128_GCM_SHA256, "ztna-v1", tp);
    h.start(false);
    assertTrue(h.handshake(), "handshake");
    h.settle();
    return h;
  }

  @Test
  void observedAddressFramesFollowTheHandshakeAndPathChanges() {
    Harness h = handshake(501, 1);
    assertTrue(h.conn.addressDiscoveryNegotiated());
    assertEquals(1, h.client.observations.size(), "one observation after the handshake");
    assertEquals(0, h.client.observations.get(0).sequence());
    assertEquals(Harness.CLIENT, h.client.observations.get(0).address());

    h.clientAddr = Harness.CLIENT2;
    h.client.autoPathResponse = false;
    h.client.queueDatagram(new byte[] {0x45});
    h.step();
    h.step();
    byte[] resp = new byte[9];
    FrameWriter.writePathResponse(new UnsafeBuffer(resp), 0, h.client.pathChallenges.get(0));
    h.client.queueFrames(resp);
    h.step();
    h.settle();
    assertEquals(List.of(Harness.CLIENT2), h.addressChanges);
    TestClient.Observation last = h.client.observations.get(h.client.observations.size() - 1);
    assertEquals(1, last.sequence(), "sequence numbers increase");
    assertEquals(Harness.CLIENT2, last.address());
  }

  @Test
  void clientWillingToProvideOnlyGetsNoFrames() {
    Harness h = handshake(502, 0);
    assertFalse(h.conn.addressDiscoveryNegotiated());
    assertTrue(h.client.observations.isEmpty());
  }

  @Test
  void clientWithoutTheParameterGetsNoFrames() {
    Harness h = handshake(503, -1);
    assertFalse(h.conn.addressDiscoveryNegotiated());
    assertTrue(h.client.observations.isEmpty());
  }

  @Test
  void serverCanTurnItOff() {
    Harness h =
        new Harness(
            504,
            Harness.config(Harness.credentials(KeyType.EC_P256)).addressDiscovery(false).build());
    TransportParameters tp = TestClient.defaultTransportParameters();
    tp.addressDiscovery = 2;
    h.newClient(TlsConstants.CipherSuite.TLS_AES_128_GCM_SHA256, "ztna-v1", tp);
    h.start(false);
    assertTrue(h.handshake());
    h.settle();
    assertTrue(h.client.observations.isEmpty());
  }
}
