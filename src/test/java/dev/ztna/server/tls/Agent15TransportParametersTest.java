package dev.ztna.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials.KeyType;
import dev.ztna.server.wire.TransportParameters;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import tech.kwik.agent15.TlsConstants;
import tech.kwik.agent15.TlsConstants.NamedGroup;

/**
 * The connection-layer contract for transport parameters, with the wire codec on both sides: the
 * server decodes the client's raw parameters before encoding its own (which carry connection state
 * such as original_destination_connection_id), and rejects invalid ones.
 */
class Agent15TransportParametersTest {
  private static final byte[] ODCID = {0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11};
  private static final byte[] CLIENT_SCID = {1, 2, 3, 4, 5, 6, 7, 8};
  private static final byte[] SERVER_SCID = {9, 9, 9, 9};
  private static final byte[] RESET_TOKEN = new byte[16];

  static byte[] encode(TransportParameters tp) {
    byte[] out = new byte[tp.encodedLength()];
    int n = tp.encode(new UnsafeBuffer(out), 0);
    assertEquals(out.length, n);
    return out;
  }

  /** What a connection would do: decode the client's, then build its own. */
  static final class WireListener extends RecordingListener {
    final TransportParameters peer = new TransportParameters();
    String rejection;

    @Override
    public byte[] onClientTransportParameters(byte[] raw) {
      tpCalls++;
      clientTp = raw;
      int r = peer.decode(new UnsafeBuffer(raw), 0, raw.length, true);
      if (r != TransportParameters.OK) {
        rejection = peer.errorReason();
        return null;
      }
      TransportParameters ours = new TransportParameters();
      ours.setOriginalDestinationConnectionId(new UnsafeBuffer(ODCID), 0, ODCID.length);
      ours.setInitialSourceConnectionId(new UnsafeBuffer(SERVER_SCID), 0, SERVER_SCID.length);
      Arrays.fill(RESET_TOKEN, (byte) 0x77);
      ours.setStatelessResetToken(new UnsafeBuffer(RESET_TOKEN), 0);
      ours.maxIdleTimeout = 30_000;
      ours.initialMaxData = 10_000_000;
      ours.initialMaxStreamsBidi = 100;
      ours.maxDatagramFrameSize = 65_535;
      return encode(ours);
    }
  }

  private static byte[] clientParameters(boolean withServerOnlyParameter) {
    TransportParameters tp = new TransportParameters();
    tp.setInitialSourceConnectionId(new UnsafeBuffer(CLIENT_SCID), 0, CLIENT_SCID.length);
    tp.maxIdleTimeout = 20_000;
    tp.initialMaxData = 1_000_000;
    tp.maxDatagramFrameSize = 1_200;
    if (withServerOnlyParameter) {
      tp.setOriginalDestinationConnectionId(new UnsafeBuffer(ODCID), 0, ODCID.length);
    }
    return encode(tp);
  }

  @Test
  void parametersFlowBothWays() throws Exception {
    WireListener listener = new WireListener();
    Agent15HandshakeTest.Run run =
        new Agent15HandshakeTest.Run(
            TlsConstants.CipherSuite.TLS_AES_128_GCM_SHA256,
            NamedGroup.x25519,
            KeyType.EC_P256,
            clientParameters(false),
            listener);
    assertEquals(0, run.serverResult);
    assertTrue(run.server.isComplete());
    assertTrue(run.status.isFinished());

    // Server side: the client's parameters as decoded by the connection layer.
    assertEquals(1, listener.tpCalls);
    assertEquals(1_200, listener.peer.maxDatagramFrameSize);
    assertEquals(20_000, listener.peer.maxIdleTimeout);
    assertEquals(CLIENT_SCID.length, listener.peer.initialSourceConnectionIdLength);
    assertArrayEquals(
        CLIENT_SCID, Arrays.copyOf(listener.peer.initialSourceConnectionId, CLIENT_SCID.length));
    assertArrayEquals(clientParameters(false), run.server.peerTransportParameters());

    // Client side: the server's parameters decode as a client would (server-only ones allowed).
    byte[] serverRaw = run.serverTransportParameters();
    assertNotNull(serverRaw);
    TransportParameters seen = new TransportParameters();
    assertEquals(
        TransportParameters.OK,
        seen.decode(new UnsafeBuffer(serverRaw), 0, serverRaw.length, false));
    assertEquals(ODCID.length, seen.originalDestinationConnectionIdLength);
    assertArrayEquals(ODCID, Arrays.copyOf(seen.originalDestinationConnectionId, ODCID.length));
    assertTrue(seen.hasStatelessResetToken);
    assertEquals(65_535, seen.maxDatagramFrameSize);
    assertEquals(100, seen.initialMaxStreamsBidi);
  }

  @Test
  void invalidClientParametersFailTheHandshakeBeforeAnyServerFlight() throws Exception {
    WireListener listener = new WireListener();
    Agent15HandshakeTest.Run run =
        new Agent15HandshakeTest.Run(
            TlsConstants.CipherSuite.TLS_AES_128_GCM_SHA256,
            NamedGroup.x25519,
            KeyType.RSA,
            clientParameters(true),
            listener);
    assertEquals(TlsServerHandshake.TRANSPORT_PARAMETER_ERROR, run.serverResult);
    assertNotNull(listener.rejection);
    assertTrue(run.server.isFailed());
    assertFalse(run.status.isFinished());
    assertTrue(listener.secrets.isEmpty());
    assertNull(run.serverTransportParameters());
    assertEquals(0, listener.take(EncryptionLevel.INITIAL).length);
  }
}
