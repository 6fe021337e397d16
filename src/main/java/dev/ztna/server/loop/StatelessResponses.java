package dev.ztna.server.loop;

import dev.ztna.server.conn.ConnectionIdGenerator;
import dev.ztna.server.conn.RandomConnectionIdGenerator;
import dev.ztna.server.conn.StatelessResetTokens;
import dev.ztna.server.crypto.RetryIntegrity;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.wire.PacketHeaderFlyweight;
import dev.ztna.server.wire.RetryPacket;
import dev.ztna.server.wire.VersionNegotiation;
import java.security.SecureRandom;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The packets the loop answers without any connection state: Version Negotiation, Retry, stateless
 * reset and the CONNECTION_REFUSED Initial. Each method writes its packet into the loop's transmit
 * buffer, answering the datagram whose header {@code header} has parsed from the receive buffer,
 * and returns its length (0: nothing to send, counted). The loop sends it and counts the send.
 * Allocation-free; loop thread only.
 */
final class StatelessResponses {
  /** Versions offered in Version Negotiation: v1 plus a reserved one (RFC 9000 §6.3, §15). */
  private final int[] supportedVersions = {PacketHeaderFlyweight.VERSION_1, 0x1a2a3a4a};

  private final ServerCounters counters;
  private final ConnectionIdGenerator cids;
  private final RetryTokens tokens;
  private final StatelessResetTokens resetTokens;
  private final PacketHeaderFlyweight header;
  private final byte[] rx;
  private final UnsafeBuffer rxView;
  private final byte[] tx;
  private final UnsafeBuffer txView;
  private final ConnectionRefusal refusal;
  private final RetryIntegrity retryIntegrity = new RetryIntegrity();
  private final byte[] newCid = new byte[20];
  private final UnsafeBuffer newCidView = new UnsafeBuffer(newCid);
  private final byte[] token = new byte[RetryTokens.MAX_LENGTH];
  private final UnsafeBuffer tokenView = new UnsafeBuffer(token);

  // RFC 9000 §10.3, §17.2.1, §17.2.5: stateless reset padding and the unused bits of Version
  // Negotiation and Retry must not be predictable: an AES-128 keystream (AES over a counter) under
  // a key drawn from SecureRandom at start (the connection config's seeded generator in tests),
  // allocation-free per use.
  private final RandomConnectionIdGenerator unpredictable;
  private final byte[] randomBlock = new byte[16];
  private long resetBudget = ServerAgent.STATELESS_RESETS_PER_MS * 100L;
  private long resetBudgetNanos;

  StatelessResponses(
      ServerCounters counters,
      ConnectionIdGenerator cids,
      RetryTokens tokens,
      StatelessResetTokens resetTokens,
      SecureRandom random,
      PacketHeaderFlyweight header,
      byte[] rx,
      byte[] tx,
      long nowNanos) {
    this.counters = counters;
    this.cids = cids;
    this.tokens = tokens;
    this.resetTokens = resetTokens;
    this.unpredictable = new RandomConnectionIdGenerator(16, random);
    this.header = header;
    this.rx = rx;
    this.rxView = new UnsafeBuffer(rx);
    this.tx = tx;
    this.txView = new UnsafeBuffer(tx);
    this.refusal = new ConnectionRefusal(AdmissionControl.REASONS, rx, tx);
    this.resetBudgetNanos = nowNanos;
  }

  /** Version Negotiation for a long header of another version, in a datagram of {@code len}. */
  int versionNegotiation(int len) {
    // RFC 9000 §6.1 / §14.1: never answer a datagram that could not have carried a full Initial.
    if (len < PacketHeaderFlyweight.MIN_INITIAL_DATAGRAM) {
      counters.increment(Counter.DROP_UNKNOWN_VERSION_TOO_SMALL);
      return 0;
    }
    // The VN packet echoes the client's CIDs swapped (RFC 9000 §17.2.1).
    return VersionNegotiation.write(
        txView,
        0,
        nextRandomInt(),
        rxView,
        header.scidOffset(),
        header.scidLength(),
        rxView,
        header.dcidOffset(),
        header.dcidLength(),
        supportedVersions,
        supportedVersions.length);
  }

  /** A Retry whose token binds {@code peer}, the original DCID and the Retry's own SCID. */
  int retry(PeerAddress peer, long epochMillis) {
    cids.next(newCid, 0);
    int tokenLen =
        tokens.mint(
            peer.ip(),
            peer.ipLength(),
            peer.port(),
            rx,
            header.dcidOffset(),
            header.dcidLength(),
            newCid,
            0,
            cids.length(),
            epochMillis,
            token,
            0);
    // RFC 9000 §17.2.5: DCID = the client's SCID, SCID = a fresh server CID, then the token and the
    // tag.
    int n =
        RetryPacket.writeWithoutTag(
            txView,
            0,
            nextRandomInt(),
            PacketHeaderFlyweight.VERSION_1,
            rxView,
            header.scidOffset(),
            header.scidLength(),
            newCidView,
            0,
            cids.length(),
            tokenView,
            0,
            tokenLen);
    retryIntegrity.computeTag(rx, header.dcidOffset(), header.dcidLength(), tx, 0, n, tx, n);
    return n + 16;
  }

  /**
   * RFC 9000 §10.3: a short-header packet for no connection we know may come from a client whose
   * connection we lost; a stateless reset with the token derived from its DCID lets it close at
   * once instead of timing out. The reset is smaller than the packet that triggered it (so two
   * endpoints cannot loop, and never 3x larger), and a token bucket bounds how many are sent.
   */
  int statelessReset(int len, long nowNanos) {
    if (len <= ServerAgent.MIN_STATELESS_RESET) {
      counters.increment(Counter.DROP_STATELESS_RESET_TOO_SMALL);
      return 0;
    }
    long elapsedMs = (nowNanos - resetBudgetNanos) / 1_000_000L;
    if (elapsedMs > 0) {
      resetBudget =
          Math.min(
              ServerAgent.STATELESS_RESETS_PER_MS * 100L,
              resetBudget + elapsedMs * ServerAgent.STATELESS_RESETS_PER_MS);
      resetBudgetNanos = nowNanos;
    }
    if (resetBudget <= 0) {
      counters.increment(Counter.DROP_STATELESS_RESET_RATE);
      return 0;
    }
    resetBudget--;
    int size = Math.min(len - 1, ServerAgent.MAX_STATELESS_RESET);
    for (int i = 0; i < size - 16; i += 16) {
      unpredictable.next(tx, i); // may write past size - 16: the token below overwrites it
    }
    tx[0] =
        (byte) (0x40 | (tx[0] & 0x3f)); // looks like a short header: fixed bit set, form bit clear
    resetTokens.token(rx, header.dcidOffset(), header.dcidLength(), tx, size - 16);
    return size;
  }

  /**
   * A stateless Initial with CONNECTION_CLOSE CONNECTION_REFUSED (RFC 9000 §5.2.2) and the reason
   * phrase of {@code reason} ({@link AdmissionControl#REASONS}).
   */
  int connectionRefused(int reason) {
    cids.next(newCid, 0);
    return refusal.write(
        header.dcidOffset(),
        header.dcidLength(),
        header.scidOffset(),
        header.scidLength(),
        newCidView,
        cids.length(),
        reason);
  }

  private int nextRandomInt() {
    unpredictable.next(randomBlock, 0);
    return ((randomBlock[0] & 0xff) << 24)
        | ((randomBlock[1] & 0xff) << 16)
        | ((randomBlock[2] & 0xff) << 8)
        | (randomBlock[3] & 0xff);
  }
}
