package dev.ztna.server.conn;

import dev.ztna.server.wire.FrameWriter;
import java.util.Arrays;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The connection IDs of one connection (RFC 9000 §5.1), in the manner of quiche's {@code cid.rs}:
 *
 * <ul>
 *   <li>local: the CIDs the server issued, at most {@code active_connection_id_limit} at a time,
 *       each with its sequence number and stateless reset token (§10.3), whether it still has to be
 *       announced in a NEW_CONNECTION_ID and whether the peer can know it (§19.16);
 *   <li>peer: the CIDs the peer issued with NEW_CONNECTION_ID (§19.15), their reset tokens, the one
 *       in use as the DCID of our packets, {@code retire_prior_to}, and the RETIRE_CONNECTION_ID
 *       frames still to send (§5.1.2).
 * </ul>
 *
 * <p>Routing is the caller's: {@link #issue} and {@link #onRetire} return the slot whose CID it
 * (un)routes ({@link #localCids()} at {@link #localOffset}). Single-threaded; nothing here
 * allocates except a retire queue that has to grow ({@link #requeueRetire}).
 */
final class ConnectionIds {
  /** The longest connection ID (RFC 9000 §17.2). */
  static final int MAX_LENGTH = 20;

  /** RETIRE_CONNECTION_ID frames queued at most, before one is lost. */
  static final int PENDING_RETIRES = 16;

  /** {@link #onRetire}: the sequence number was already retired. */
  static final int RETIRE_ALREADY = -1;

  /** {@link #onRetire}: no CID with that sequence number was ever issued. */
  static final int RETIRE_UNISSUED = -2;

  /** {@link #onRetire}: the CID was minted but not yet announced to the peer. */
  static final int RETIRE_NOT_SENT = -3;

  /** {@link #onRetire}: the CID is the DCID of the packet carrying the frame (§19.16). */
  static final int RETIRE_IN_USE = -4;

  /** {@link #onNewConnectionId}: accepted (or a retransmission). */
  static final int NEW_OK = 0;

  /** {@link #onNewConnectionId}: the peer uses zero-length CIDs (§19.15). */
  static final int NEW_ZERO_LENGTH_PEER = -1;

  /** {@link #onNewConnectionId}: a sequence number reused for a different CID. */
  static final int NEW_SEQUENCE_REUSED = -2;

  /** {@link #onNewConnectionId}: more CIDs than our active_connection_id_limit. */
  static final int NEW_TOO_MANY = -3;

  /** {@link #onNewConnectionId}: the retire queue is full. */
  static final int NEW_TOO_MANY_RETIRES = -4;

  private static final int TOKEN = StatelessResetTokens.TOKEN_LENGTH;

  private final ConnectionIdGenerator generator;
  private final StatelessResetTokens resetTokens;
  private final int cidLen;
  private final int slots;

  // Local CIDs, slot i at [i * cidLen].
  private final byte[] localCids;
  private final long[] localSeq;
  private final boolean[] localActive;
  private final boolean[] localAnnounce;
  // Whether the peer can know the CID of a slot: sent in a NEW_CONNECTION_ID (or, seq 0, as the
  // SCID of the handshake). A RETIRE_CONNECTION_ID for any other sequence number retires one that
  // was never issued to the peer (RFC 9000 §19.16), which also bounds the CIDs a single packet can
  // make us mint to the active_connection_id_limit.
  private final boolean[] localSent;
  private final byte[] localTokens;
  private long nextLocalSeq;
  private final UnsafeBuffer scidBuf;
  private final UnsafeBuffer cidView = new UnsafeBuffer(new byte[0]);
  private final UnsafeBuffer tokenView = new UnsafeBuffer(new byte[0]);
  private int lastAnnounced;

  // Peer CIDs, slot i at [i * MAX_LENGTH].
  private final boolean peerZeroLength;
  private final byte[] peerCids;
  private final int[] peerCidLen;
  private final long[] peerCidSeq;
  private final boolean[] peerCidUsed;
  private final byte[] peerTokens;
  private int peerCur;
  private long peerRetirePriorTo;
  private final byte[] dcid = new byte[MAX_LENGTH];
  private int dcidLen;
  private final UnsafeBuffer dcidBuf = new UnsafeBuffer(dcid);
  private long[] pendingRetires = new long[PENDING_RETIRES];
  private int pendingRetireCount;

  /**
   * @param limit our active_connection_id_limit: local CIDs issued and peer CIDs kept at most
   * @param clientScid the client's Initial SCID, the peer CID of sequence 0 (no reset token)
   */
  ConnectionIds(
      ConnectionIdGenerator generator,
      StatelessResetTokens resetTokens,
      int limit,
      byte[] clientScid) {
    this.generator = generator;
    this.resetTokens = resetTokens;
    this.cidLen = generator.length();
    this.slots = limit;
    this.localCids = new byte[limit * cidLen];
    this.localSeq = new long[limit];
    this.localActive = new boolean[limit];
    this.localAnnounce = new boolean[limit];
    this.localSent = new boolean[limit];
    this.localTokens = new byte[limit * TOKEN];
    this.scidBuf = new UnsafeBuffer(localCids, 0, cidLen);
    this.peerZeroLength = clientScid.length == 0;
    this.peerCids = new byte[limit * MAX_LENGTH];
    this.peerCidLen = new int[limit];
    this.peerCidSeq = new long[limit];
    this.peerCidUsed = new boolean[limit];
    this.peerTokens = new byte[limit * TOKEN];
    System.arraycopy(clientScid, 0, peerCids, 0, clientScid.length);
    peerCidLen[0] = clientScid.length;
    peerCidUsed[0] = true;
    selectPeerCid(0);
  }

  // ------------------------------------------------------------------------------------------
  // Local CIDs

  /** Length of every local CID. */
  int localLength() {
    return cidLen;
  }

  /** The local CIDs, slot {@code i} at {@link #localOffset}{@code (i)}. */
  byte[] localCids() {
    return localCids;
  }

  int localOffset(int slot) {
    return slot * cidLen;
  }

  /** The CID of sequence 0, the SCID of our long headers. */
  UnsafeBuffer initialLocalCid() {
    return scidBuf;
  }

  /** The stateless reset token of sequence 0 (for the transport parameter, RFC 9000 §18.2). */
  UnsafeBuffer initialResetToken() {
    tokenView.wrap(localTokens, 0, TOKEN);
    return tokenView;
  }

  /**
   * Mints a CID with the next sequence number into a free slot.
   *
   * @param announce send it in a NEW_CONNECTION_ID (false: sequence 0, the handshake SCID)
   * @return its slot, or -1 when active_connection_id_limit CIDs are active
   */
  int issue(boolean announce) {
    int slot = -1;
    for (int i = 0; i < slots; i++) {
      if (!localActive[i]) {
        slot = i;
        break;
      }
    }
    if (slot < 0) {
      return -1;
    }
    int off = slot * cidLen;
    generator.next(localCids, off);
    resetTokens.token(localCids, off, cidLen, localTokens, slot * TOKEN);
    localSeq[slot] = nextLocalSeq++;
    localActive[slot] = true;
    localAnnounce[slot] = announce;
    localSent[slot] = !announce;
    return slot;
  }

  /** Local slots (the active_connection_id_limit). */
  int localSlots() {
    return slots;
  }

  boolean isLocalActive(int slot) {
    return localActive[slot];
  }

  /** Stops using {@code slot} (the connection ends; the caller unroutes it). */
  void deactivate(int slot) {
    localActive[slot] = false;
    localAnnounce[slot] = false;
  }

  int activeLocal() {
    int n = 0;
    for (boolean a : localActive) {
      if (a) {
        n++;
      }
    }
    return n;
  }

  /**
   * A RETIRE_CONNECTION_ID for {@code seq} arrived (RFC 9000 §19.16). {@code dcid[dcidOff,
   * +dcidLength)} is the DCID of the short-header packet carrying it ({@code dcidLength < 0} for a
   * long header), which it must not retire.
   *
   * @return the retired slot (the caller unroutes it and may issue a replacement), or one of the
   *     {@code RETIRE_*} codes (an error except {@link #RETIRE_ALREADY})
   */
  int onRetire(long seq, DirectBuffer dcidSrc, int dcidOff, int dcidLength) {
    if (seq >= nextLocalSeq) {
      return RETIRE_UNISSUED;
    }
    for (int i = 0; i < slots; i++) {
      if (localActive[i] && localSeq[i] == seq) {
        if (!localSent[i]) {
          // Minted (after an earlier RETIRE) but not yet announced: the peer cannot know it, so
          // it guessed the sequence number; a RETIRE flood ends here.
          return RETIRE_NOT_SENT;
        }
        int off = i * cidLen;
        if (dcidLength == cidLen && sameBytes(dcidSrc, dcidOff, localCids, off, cidLen)) {
          return RETIRE_IN_USE;
        }
        localActive[i] = false;
        localAnnounce[i] = false;
        return i;
      }
    }
    return RETIRE_ALREADY;
  }

  /** Whether a NEW_CONNECTION_ID is due. */
  boolean hasAnnouncements() {
    for (int i = 0; i < slots; i++) {
      if (localAnnounce[i]) {
        return true;
      }
    }
    return false;
  }

  /**
   * Writes the due NEW_CONNECTION_ID frames that fit in {@code out[pos, limit)}; {@link
   * #lastAnnounced()} is the mask of their slots (for the sent-packet record).
   *
   * @return bytes written
   */
  int writeNewConnectionIds(MutableDirectBuffer out, int pos, int limit) {
    int start = pos;
    int mask = 0;
    for (int i = 0; i < slots; i++) {
      if (localAnnounce[i] && limit - pos > 1 + 8 + 8 + 1 + cidLen + TOKEN) {
        cidView.wrap(localCids, i * cidLen, cidLen);
        tokenView.wrap(localTokens, i * TOKEN, TOKEN);
        pos +=
            FrameWriter.writeNewConnectionId(
                out, pos, localSeq[i], 0, cidView, 0, cidLen, tokenView, 0);
        localAnnounce[i] = false;
        localSent[i] = true;
        mask |= 1 << i;
      }
    }
    lastAnnounced = mask;
    return pos - start;
  }

  int lastAnnounced() {
    return lastAnnounced;
  }

  /**
   * The packet announcing the slots of {@code mask} was lost: announce those still active again.
   */
  void onAnnouncementLost(int mask) {
    for (int i = 0; mask != 0 && i < slots; i++) {
      if ((mask & (1 << i)) != 0 && localActive[i]) {
        localAnnounce[i] = true;
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Peer CIDs

  /** The DCID of our packets. */
  UnsafeBuffer dcid() {
    return dcidBuf;
  }

  int dcidLength() {
    return dcidLen;
  }

  /**
   * A NEW_CONNECTION_ID (RFC 9000 §19.15): CID {@code src[cidOff, +len)}, reset token at {@code
   * src[tokenOff]}.
   *
   * @return {@link #NEW_OK} or a {@code NEW_*} error
   */
  int onNewConnectionId(
      long seq, long retirePriorTo, DirectBuffer src, int cidOff, int len, int tokenOff) {
    if (peerZeroLength) {
      return NEW_ZERO_LENGTH_PEER;
    }
    for (int i = 0; i < peerCidUsed.length; i++) {
      if (peerCidUsed[i] && peerCidSeq[i] == seq) {
        if (peerCidLen[i] != len || !sameBytes(src, cidOff, peerCids, i * MAX_LENGTH, len)) {
          return NEW_SEQUENCE_REUSED;
        }
        return NEW_OK; // retransmission
      }
    }
    if (seq < peerRetirePriorTo) {
      // RFC 9000 §19.15: retire straight away.
      return queueRetire(seq) ? NEW_OK : NEW_TOO_MANY_RETIRES;
    }
    if (retirePriorTo > peerRetirePriorTo) {
      peerRetirePriorTo = retirePriorTo;
      for (int i = 0; i < peerCidUsed.length; i++) {
        if (peerCidUsed[i] && peerCidSeq[i] < retirePriorTo && i != peerCur) {
          if (!queueRetire(peerCidSeq[i])) {
            return NEW_TOO_MANY_RETIRES;
          }
          peerCidUsed[i] = false;
        }
      }
    }
    int free = -1;
    for (int i = 0; i < peerCidUsed.length; i++) {
      if (!peerCidUsed[i]) {
        free = i;
        break;
      }
    }
    if (free < 0) {
      return NEW_TOO_MANY;
    }
    src.getBytes(cidOff, peerCids, free * MAX_LENGTH, len);
    src.getBytes(tokenOff, peerTokens, free * TOKEN, TOKEN);
    peerCidLen[free] = len;
    peerCidSeq[free] = seq;
    peerCidUsed[free] = true;
    if (peerCidSeq[peerCur] < peerRetirePriorTo) {
      int old = peerCur;
      if (!queueRetire(peerCidSeq[old])) {
        return NEW_TOO_MANY_RETIRES;
      }
      peerCidUsed[old] = false;
      for (int i = 0; i < peerCidUsed.length; i++) {
        if (peerCidUsed[i]) {
          selectPeerCid(i);
          break;
        }
      }
    }
    return NEW_OK;
  }

  /**
   * §9.5: a new destination address gets a connection ID not used on another path when the peer
   * issued a spare one; the old one is retired (§5.1.2). Without a spare the current one stays.
   */
  void switchPeerCid() {
    for (int i = 0; i < peerCidUsed.length; i++) {
      if (peerCidUsed[i] && i != peerCur) {
        int old = peerCur;
        if (!queueRetire(peerCidSeq[old])) {
          return; // no room to retire the old one: keep it rather than forget it unretired
        }
        peerCidUsed[old] = false;
        selectPeerCid(i);
        return;
      }
    }
  }

  private void selectPeerCid(int i) {
    peerCur = i;
    dcidLen = peerCidLen[i];
    System.arraycopy(peerCids, i * MAX_LENGTH, dcid, 0, dcidLen);
  }

  /** Whether the packet ends with a stateless reset token the peer issued (RFC 9000 §10.3.1). */
  boolean isStatelessReset(byte[] buf, int start, int end) {
    if (end - start < 21) {
      return false;
    }
    int t = end - TOKEN;
    for (int i = 0; i < peerCidUsed.length; i++) {
      if (!peerCidUsed[i] || peerCidSeq[i] == 0) {
        continue; // sequence 0 (the client's Initial SCID) carries no token
      }
      int off = i * TOKEN;
      int diff = 0;
      for (int k = 0; k < TOKEN; k++) {
        diff |= buf[t + k] ^ peerTokens[off + k];
      }
      if (diff == 0) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------------------------------
  // RETIRE_CONNECTION_ID queue

  /**
   * Queues a RETIRE_CONNECTION_ID; false when the queue is full (RFC 9000 §5.1.2: a CID is never
   * forgotten without being retired, so callers then close with CONNECTION_ID_LIMIT_ERROR).
   */
  private boolean queueRetire(long seq) {
    for (int i = 0; i < pendingRetireCount; i++) {
      if (pendingRetires[i] == seq) {
        return true;
      }
    }
    if (pendingRetireCount < PENDING_RETIRES) {
      pendingRetires[pendingRetireCount++] = seq;
      return true;
    }
    return false;
  }

  /**
   * A RETIRE_CONNECTION_ID whose packet was lost goes back into the queue, growing it if need be:
   * it was already taken out of the bounded queue, so it must not be dropped now (§5.1.2).
   */
  void requeueRetire(long seq) {
    for (int i = 0; i < pendingRetireCount; i++) {
      if (pendingRetires[i] == seq) {
        return;
      }
    }
    if (pendingRetireCount == pendingRetires.length) {
      pendingRetires = Arrays.copyOf(pendingRetires, pendingRetires.length * 2);
    }
    pendingRetires[pendingRetireCount++] = seq;
  }

  boolean hasPendingRetires() {
    return pendingRetireCount > 0;
  }

  /** Takes the next RETIRE_CONNECTION_ID to send (most recently queued first). */
  long takeRetire() {
    return pendingRetires[--pendingRetireCount];
  }

  private static boolean sameBytes(DirectBuffer a, int aOff, byte[] b, int bOff, int len) {
    for (int i = 0; i < len; i++) {
      if (a.getByte(aOff + i) != b[bOff + i]) {
        return false;
      }
    }
    return true;
  }
}
