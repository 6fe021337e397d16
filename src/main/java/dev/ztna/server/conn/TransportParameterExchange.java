package dev.ztna.server.conn;

import dev.ztna.server.wire.TransportParameters;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport parameters of the handshake (RFC 9000 §7.3, §7.4, §18): checks the client's (they
 * must decode, and their initial_source_connection_id must equal the SCID of the client's Initial,
 * §7.3) and encodes the server's from the configuration and the connection IDs that authenticate
 * the handshake (original_destination_connection_id, retry_source_connection_id after a Retry,
 * initial_source_connection_id) plus the stateless reset token of the first CID (§10.3). Used once
 * per connection, during the handshake; allocates.
 */
final class TransportParameterExchange {
  private static final Logger LOG = LoggerFactory.getLogger(TransportParameterExchange.class);

  private TransportParameterExchange() {}

  /**
   * Decodes the client's transport parameters.
   *
   * @return them, or null when they do not decode or do not authenticate the client's SCID (the
   *     handshake then fails with TRANSPORT_PARAMETER_ERROR)
   */
  static TransportParameters decodeClient(byte[] params, byte[] clientScid) {
    TransportParameters tp = new TransportParameters();
    int r = tp.decode(new UnsafeBuffer(params), 0, params.length, true);
    if (r != TransportParameters.OK) {
      LOG.debug("client transport parameters rejected: {}", tp.errorReason());
      return null;
    }
    if (tp.initialSourceConnectionIdLength != clientScid.length
        || !Arrays.equals(
            tp.initialSourceConnectionId, 0, clientScid.length, clientScid, 0, clientScid.length)) {
      LOG.debug("initial_source_connection_id does not match the client's SCID");
      return null;
    }
    return tp;
  }

  /**
   * Encodes the server's transport parameters.
   *
   * @param retryScid the SCID of our Retry, null when the client was not retried
   */
  static byte[] encodeServer(
      ConnectionConfig cfg, byte[] odcid, byte[] retryScid, ConnectionIds cids) {
    TransportParameters tp = new TransportParameters();
    tp.setOriginalDestinationConnectionId(new UnsafeBuffer(odcid), 0, odcid.length);
    if (retryScid != null) {
      tp.setRetrySourceConnectionId(new UnsafeBuffer(retryScid), 0, retryScid.length);
    }
    tp.setInitialSourceConnectionId(cids.initialLocalCid(), 0, cids.localLength());
    tp.setStatelessResetToken(cids.initialResetToken(), 0);
    tp.maxIdleTimeout = cfg.idleTimeoutMs;
    tp.maxUdpPayloadSize = cfg.maxUdpPayloadSize;
    tp.initialMaxData = cfg.initialMaxData;
    tp.initialMaxStreamDataBidiLocal = cfg.initialMaxStreamData;
    tp.initialMaxStreamDataBidiRemote = cfg.initialMaxStreamData;
    tp.initialMaxStreamDataUni = cfg.initialMaxStreamData;
    tp.initialMaxStreamsBidi = cfg.initialMaxStreamsBidi;
    tp.initialMaxStreamsUni = cfg.initialMaxStreamsUni;
    tp.ackDelayExponent = QuicConnection.ACK_DELAY_EXPONENT;
    tp.maxAckDelay = QuicConnection.MAX_ACK_DELAY_MS;
    tp.activeConnectionIdLimit = cfg.activeConnectionIdLimit;
    tp.maxDatagramFrameSize = cfg.maxDatagramFrameSize;
    if (cfg.addressDiscovery) {
      tp.addressDiscovery = ObservedAddress.PROVIDE_ONLY;
    }
    byte[] out = new byte[tp.encodedLength()];
    tp.encode(new UnsafeBuffer(out), 0);
    return out;
  }
}
