package dev.ztna.server.loop;

import dev.ztna.server.crypto.CipherSuite;
import dev.ztna.server.crypto.InitialSecrets;
import dev.ztna.server.crypto.PacketProtection;
import dev.ztna.server.wire.FrameType;
import dev.ztna.server.wire.FrameWriter;
import dev.ztna.server.wire.PacketHeaderFlyweight;
import dev.ztna.server.wire.PacketHeaderWriter;
import dev.ztna.server.wire.TransportError;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes the stateless answer to a new client the server will not admit: an Initial packet carrying
 * CONNECTION_CLOSE with CONNECTION_REFUSED (RFC 9000 §5.2.2: "a server that decides not to accept a
 * connection ... SHOULD send an Initial packet containing a CONNECTION_CLOSE frame with error code
 * CONNECTION_REFUSED"). No connection is created: the server's Initial keys are derived from the
 * client's Destination Connection ID (RFC 9001 §5.2), the packet is addressed to the client's
 * Source Connection ID, and packet number 0 is used.
 *
 * <p>The frame is type 0x1c (a transport close, the only kind allowed in an Initial: RFC 9000
 * §10.2.3) with a short reason phrase naming the limit. CONNECTION_CLOSE is not ack-eliciting, so
 * the datagram needs no padding to 1200 bytes (RFC 9000 §14.1) and stays far below 3x the client's
 * Initial (at least 1200 bytes): no amplification (RFC 9000 §8.1).
 *
 * <p>Deriving the Initial keys allocates (HKDF and AES key schedules: about 14 KB per refusal for a
 * new DCID, measured by {@code AdmissionAllocationTest}); the loop rate-limits refusals ({@link
 * AdmissionControl#REFUSALS_PER_SECOND}), which bounds this garbage. A retransmitted Initial (same
 * DCID) reuses the last keys.
 */
final class ConnectionRefusal {
  /** Largest datagram {@link #write} produces (20-byte CIDs, the longest reason). */
  static final int MAX_LENGTH = 1 + 4 + 1 + 20 + 1 + 20 + 1 + 2 + 1 + 4 + 64 + 16;

  private static final int PN_LENGTH = 1;

  private final DirectBuffer[] reasons;
  private final byte[] rx;
  private final UnsafeBuffer rxView;
  private final byte[] tx;
  private final UnsafeBuffer txView;
  private final byte[] lastDcid = new byte[20];
  private int lastDcidLength;
  private PacketProtection lastKeys;

  /**
   * @param reasons reason phrases (ASCII, at most 64 bytes each) by index
   * @param rx the working receive array holding the client's Initial
   * @param tx the working transmit array the refusal is written to (from offset 0)
   */
  ConnectionRefusal(String[] reasons, byte[] rx, byte[] tx) {
    this.reasons = new DirectBuffer[reasons.length];
    for (int i = 0; i < reasons.length; i++) {
      byte[] b = reasons[i].getBytes(StandardCharsets.US_ASCII);
      if (b.length > 64) {
        throw new IllegalArgumentException("reason too long: " + reasons[i]);
      }
      this.reasons[i] = new UnsafeBuffer(b);
    }
    this.rx = rx;
    this.rxView = new UnsafeBuffer(rx);
    this.tx = tx;
    this.txView = new UnsafeBuffer(tx);
  }

  /**
   * Writes the refusal of the Initial whose CIDs are at the given offsets of the receive array.
   *
   * @param serverCid the Source Connection ID to use (a fresh server CID)
   * @return the datagram length in the transmit array, or a negative value if protection failed
   */
  int write(
      int dcidOff,
      int dcidLen,
      int scidOff,
      int scidLen,
      DirectBuffer serverCid,
      int serverCidLen,
      int reason) {
    // RFC 9000 §17.2.2: DCID = the client's SCID; SCID = a CID of ours.
    int pnOff =
        PacketHeaderWriter.writeInitial(
            txView,
            0,
            PacketHeaderFlyweight.VERSION_1,
            rxView,
            scidOff,
            scidLen,
            serverCid,
            0,
            serverCidLen,
            null,
            0,
            0,
            0,
            PN_LENGTH);
    int payloadOff = pnOff + PN_LENGTH;
    DirectBuffer phrase = reasons[reason];
    int payloadLen =
        FrameWriter.writeConnectionClose(
            txView,
            payloadOff,
            false,
            TransportError.CONNECTION_REFUSED,
            FrameType.PADDING,
            phrase,
            0,
            phrase.capacity());
    // RFC 9001 §5.4.2: the header protection sample starts 4 bytes after the packet number.
    while (PN_LENGTH + payloadLen < 4) {
      tx[payloadOff + payloadLen++] = 0; // PADDING
    }
    PacketHeaderWriter.patchLength(
        txView,
        PacketHeaderWriter.lengthFieldOffset(pnOff),
        PN_LENGTH + payloadLen + PacketProtection.TAG_LENGTH);
    return serverKeys(dcidOff, dcidLen).protect(tx, 0, pnOff, PN_LENGTH, payloadLen, 0);
  }

  /**
   * The server's Initial protection for the client DCID at {@code rx[off, off+len)}: only the
   * server direction is derived, and the last one is kept, since a client retransmits its Initial
   * with the same DCID before it sees the refusal.
   */
  private PacketProtection serverKeys(int off, int len) {
    if (lastKeys == null
        || len != lastDcidLength
        || !Arrays.equals(rx, off, off + len, lastDcid, 0, len)) {
      byte[] initial = InitialSecrets.initialSecret(rx, off, len);
      lastKeys =
          PacketProtection.create(
              CipherSuite.TLS_AES_128_GCM_SHA256, InitialSecrets.serverSecret(initial));
      System.arraycopy(rx, off, lastDcid, 0, len);
      lastDcidLength = len;
    }
    return lastKeys;
  }
}
