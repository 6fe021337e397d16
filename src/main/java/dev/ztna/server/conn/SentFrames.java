package dev.ztna.server.conn;

/**
 * What each sent packet carried that may need retransmission (RFC 9000 §13.3), kept beside the
 * {@link SentPacketLedger} the way quiche keeps the frames with each sent packet: the CRYPTO range,
 * which one-shot control frames it held, the largest packet number its ACK frame acknowledged (for
 * ACK-of-ACK pruning, RFC 9000 §13.2.4), the stream of its MAX_STREAM_DATA, the sequence number of
 * its RETIRE_CONNECTION_ID, and which local CID slots it announced with NEW_CONNECTION_ID.
 *
 * <p>A record is addressed by a token, its logical number (the count of records stored before it);
 * the ledger hands the token back on acknowledgement or loss. The arrays per packet number space
 * hold a power of two of records and double in step with the space's ledger (see {@link
 * #beginPacket}) up to the configured sent-packet capacity, so idle connections stay small; a
 * record's slot is {@code token & (capacity - 1)}. A space's records go when the space is
 * discarded.
 *
 * <p>Writing a packet: {@link #beginPacket}, then one {@code carried*} call per retransmittable
 * frame written, then {@link #commit}. Allocates only when growing.
 */
final class SentFrames {
  /** The packet carried HANDSHAKE_DONE. */
  static final int HANDSHAKE_DONE = 1;

  /** The packet carried MAX_DATA. */
  static final int MAX_DATA = 2;

  /** The packet carried MAX_STREAMS (bidirectional). */
  static final int MAX_STREAMS_BIDI = 4;

  /** The packet carried MAX_STREAMS (unidirectional). */
  static final int MAX_STREAMS_UNI = 8;

  /** The packet carried MAX_STREAM_DATA ({@link #streamId}). */
  static final int MAX_STREAM_DATA = 16;

  /** The packet carried RETIRE_CONNECTION_ID ({@link #retiredSequence}). */
  static final int RETIRE_CID = 32;

  /** The packet carried an ACK frame ({@link #ackLargest}). */
  static final int ACK = 64;

  /** The packet carried OBSERVED_ADDRESS. */
  static final int OBSERVED_ADDRESS = 128;

  private static final int SPACES = PacketNumberSpace.COUNT;
  private static final int APP = PacketNumberSpace.APPLICATION;

  private final int maxCapacity;
  private final int[] capacity = new int[SPACES];
  private final long[][] cryptoOffset = new long[SPACES][];
  private final int[][] cryptoLength = new int[SPACES][];
  private final int[][] flags = new int[SPACES][];
  private final long[][] ackLargest = new long[SPACES][];
  private final long[] stored = new long[SPACES];
  // 1-RTT only.
  private long[] streamId;
  private long[] retireSeq;
  private int[] ncidMask;

  // The packet being written.
  private int curSpace;
  private int curSlot;
  private long curCryptoOffset;
  private int curCryptoLength;
  private int curFlags;
  private long curAckLargest;
  private long curStreamId;
  private long curRetireSeq;
  private int curNcidMask;

  /**
   * @param initialCapacity records per space to start with (a power of two)
   * @param maxCapacity the most records per space (the sent-packet capacity)
   */
  SentFrames(int initialCapacity, int maxCapacity) {
    this.maxCapacity = maxCapacity;
    for (int s = 0; s < SPACES; s++) {
      capacity[s] = initialCapacity;
      cryptoOffset[s] = new long[initialCapacity];
      cryptoLength[s] = new int[initialCapacity];
      flags[s] = new int[initialCapacity];
      ackLargest[s] = new long[initialCapacity];
    }
    streamId = new long[initialCapacity];
    retireSeq = new long[initialCapacity];
    ncidMask = new int[initialCapacity];
  }

  /**
   * Starts the record of the next packet of {@code space}. {@code liveRecords} is the ledger's
   * record count: when it fills the arrays (the ledger doubles in step when it records the packet)
   * they double first.
   */
  void beginPacket(int space, int liveRecords) {
    if (liveRecords >= capacity[space] && capacity[space] < maxCapacity) {
      grow(space, liveRecords);
    }
    curSpace = space;
    curSlot = (int) (stored[space] & (capacity[space] - 1));
    curCryptoOffset = -1;
    curCryptoLength = 0;
    curFlags = 0;
    curAckLargest = -1;
    curStreamId = -1;
    curRetireSeq = -1;
    curNcidMask = 0;
  }

  void carriedCrypto(long offset, int length) {
    curCryptoOffset = offset;
    curCryptoLength = length;
  }

  void carriedAck(long largest) {
    curAckLargest = largest;
    curFlags |= ACK;
  }

  /** One of the flag-only frames ({@link #HANDSHAKE_DONE}, {@link #MAX_DATA}, ...). */
  void carried(int flag) {
    curFlags |= flag;
  }

  void carriedMaxStreamData(long id) {
    curStreamId = id;
    curFlags |= MAX_STREAM_DATA;
  }

  void carriedRetire(long seq) {
    curRetireSeq = seq;
    curFlags |= RETIRE_CID;
  }

  void carriedNewConnectionIds(int slotMask) {
    curNcidMask |= slotMask;
  }

  /** The largest packet number acknowledged by the ACK of the packet being written, -1 if none. */
  long currentAckLargest() {
    return curAckLargest;
  }

  /**
   * Ends the packet begun last; stores its record when {@code store} (it is ack-eliciting or in
   * flight).
   *
   * @return the token the ledger keeps for the packet: that of the newest stored record
   */
  long commit(boolean store) {
    int space = curSpace;
    if (store) {
      int rec = curSlot;
      cryptoOffset[space][rec] = curCryptoOffset;
      cryptoLength[space][rec] = curCryptoLength;
      flags[space][rec] = curFlags;
      ackLargest[space][rec] = curAckLargest;
      if (space == APP) {
        streamId[rec] = curStreamId;
        retireSeq[rec] = curRetireSeq;
        ncidMask[rec] = curNcidMask;
      }
      stored[space]++;
    }
    return stored[space] - 1;
  }

  /**
   * Doubles the records of {@code space}, keeping every live record at its logical number: the live
   * ones are the last {@code liveRecords} stored, one per ledger entry.
   */
  private void grow(int space, int liveRecords) {
    int oldMask = capacity[space] - 1;
    int newCap = capacity[space] << 1;
    int newMask = newCap - 1;
    long[] cOff = new long[newCap];
    int[] cLen = new int[newCap];
    int[] fl = new int[newCap];
    long[] ackL = new long[newCap];
    boolean app = space == APP;
    long[] sid = app ? new long[newCap] : null;
    long[] rseq = app ? new long[newCap] : null;
    int[] ncid = app ? new int[newCap] : null;
    long end = stored[space];
    for (long r = end - liveRecords; r < end; r++) {
      int from = (int) (r & oldMask);
      int to = (int) (r & newMask);
      cOff[to] = cryptoOffset[space][from];
      cLen[to] = cryptoLength[space][from];
      fl[to] = flags[space][from];
      ackL[to] = ackLargest[space][from];
      if (app) {
        sid[to] = streamId[from];
        rseq[to] = retireSeq[from];
        ncid[to] = ncidMask[from];
      }
    }
    cryptoOffset[space] = cOff;
    cryptoLength[space] = cLen;
    flags[space] = fl;
    ackLargest[space] = ackL;
    if (app) {
      streamId = sid;
      retireSeq = rseq;
      ncidMask = ncid;
    }
    capacity[space] = newCap;
  }

  /** Whether {@code space} still has records (false once discarded). */
  boolean has(int space) {
    return flags[space] != null;
  }

  private int slot(int space, long token) {
    return (int) (token & (capacity[space] - 1));
  }

  int flags(int space, long token) {
    return flags[space][slot(space, token)];
  }

  long cryptoOffset(int space, long token) {
    return cryptoOffset[space][slot(space, token)];
  }

  int cryptoLength(int space, long token) {
    return cryptoLength[space][slot(space, token)];
  }

  long ackLargest(int space, long token) {
    return ackLargest[space][slot(space, token)];
  }

  /** 1-RTT only. */
  long streamId(long token) {
    return streamId[slot(APP, token)];
  }

  /** 1-RTT only. */
  long retiredSequence(long token) {
    return retireSeq[slot(APP, token)];
  }

  /** 1-RTT only. */
  int newConnectionIdMask(long token) {
    return ncidMask[slot(APP, token)];
  }

  /** Records per space held now (tests). */
  int capacity(int space) {
    return capacity[space];
  }

  /** Drops the records of {@code space} (its keys were discarded). */
  void discard(int space) {
    cryptoOffset[space] = null;
    cryptoLength[space] = null;
    flags[space] = null;
    ackLargest[space] = null;
  }
}
