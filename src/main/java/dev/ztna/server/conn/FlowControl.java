package dev.ztna.server.conn;

import org.agrona.collections.Long2LongHashMap;

/**
 * Receive-side flow control for the ZTNA "accept and discard streams" policy (ZTNA-V1 §1, RFC 9000
 * §4): the server opens no streams and never reads stream data; data on client-initiated streams is
 * accepted, counted against connection and stream credit, discarded, and the credit is returned
 * (MAX_DATA, MAX_STREAM_DATA, MAX_STREAMS) once half of a window is consumed, so a client that
 * opens streams is never stalled.
 *
 * <p>Checks (RFC 9000 §4.1, §4.5, §4.6, §19.8, §19.4): STREAM or RESET_STREAM for a
 * server-initiated stream is a STREAM_STATE_ERROR (the server creates none; server-initiated
 * unidirectional streams are send-only); a stream index at or above the advertised MAX_STREAMS is a
 * STREAM_LIMIT_ERROR; data beyond the stream's or the connection's advertised limit is a
 * FLOW_CONTROL_ERROR; an inconsistent final size is a FINAL_SIZE_ERROR. Since data is discarded, a
 * stream is closed as soon as its final size is known (FIN or RESET_STREAM): the connection counts
 * exactly the final size for it, and later frames for a closed stream (retransmissions of holes)
 * are ignored.
 *
 * <p>Bounded state: per stream type at most {@code initialMaxStreams} open entries (an Agrona
 * primitive map from stream index to a slot of preallocated arrays), plus a ring bitmap of closed
 * stream indices above the lowest still-open one. The advertised MAX_STREAMS is never raised past
 * what the bitmap covers ({@code max(64, 8 * initialMaxStreams)} indices above the lowest open
 * stream), so a client that keeps one stream open forever while cycling very many others is
 * eventually held at that limit. Single- threaded, allocation-free in steady state.
 */
public final class FlowControl {
  /** Largest value of a QUIC variable-length integer, 2^62 - 1. */
  public static final long MAX_VARINT = (1L << 62) - 1;

  /** Largest stream count MAX_STREAMS may carry, 2^60 (RFC 9000 §19.11). */
  public static final long MAX_STREAMS_LIMIT = 1L << 60;

  private final long connWindow;
  private long maxData;
  private long received;
  private final PeerStreams bidi;
  private final PeerStreams uni;
  private long streamMaxDataUpdate = -1;

  /** {@link #openStream}'s result for a stream already closed (not a {@link ConnErrors} code). */
  private static final int CLOSED = Integer.MIN_VALUE;

  /** The streams of the type {@link #openStream} last looked at (saves a second lookup). */
  private PeerStreams current;

  /**
   * @param initialMaxData our initial_max_data transport parameter, also the connection window
   * @param initialMaxStreamDataBidiRemote our initial_max_stream_data_bidi_remote (client bidi
   *     streams)
   * @param initialMaxStreamDataUni our initial_max_stream_data_uni
   * @param initialMaxStreamsBidi our initial_max_streams_bidi
   * @param initialMaxStreamsUni our initial_max_streams_uni
   */
  public FlowControl(
      long initialMaxData,
      long initialMaxStreamDataBidiRemote,
      long initialMaxStreamDataUni,
      int initialMaxStreamsBidi,
      int initialMaxStreamsUni) {
    if (initialMaxData < 0
        || initialMaxData > MAX_VARINT
        || initialMaxStreamDataBidiRemote < 0
        || initialMaxStreamDataBidiRemote > MAX_VARINT
        || initialMaxStreamDataUni < 0
        || initialMaxStreamDataUni > MAX_VARINT) {
      throw new IllegalArgumentException("flow control limits out of range");
    }
    this.connWindow = initialMaxData;
    this.maxData = initialMaxData;
    this.bidi = new PeerStreams(initialMaxStreamsBidi, initialMaxStreamDataBidiRemote);
    this.uni = new PeerStreams(initialMaxStreamsUni, initialMaxStreamDataUni);
  }

  /**
   * A STREAM frame arrived (RFC 9000 §19.8). Afterwards {@link #streamMaxDataUpdate()} tells
   * whether a MAX_STREAM_DATA frame should be sent for this stream.
   *
   * @return {@link ConnErrors#OK} or a negative {@link ConnErrors} code
   */
  public int onStreamData(long streamId, long offset, long length, boolean fin) {
    streamMaxDataUpdate = -1;
    if (streamId < 0 || streamId > MAX_VARINT || offset < 0 || length < 0) {
      return ConnErrors.FRAME_ENCODING_ERROR;
    }
    long end = offset + length;
    if ((streamId & 1) == 0 && (end > MAX_VARINT || end < 0)) {
      return ConnErrors.FLOW_CONTROL_ERROR; // RFC 9000 §19.8 allows this or FRAME_ENCODING_ERROR
    }
    int slot = openStream(streamId);
    if (slot < 0) {
      return slot == CLOSED ? ConnErrors.OK : slot;
    }
    PeerStreams ps = current;
    long index = streamId >>> 2;
    long finalSize = ps.finalSize[slot];
    long highest = ps.highest[slot];
    if (finalSize >= 0 && (end > finalSize || (fin && end != finalSize))) {
      return ConnErrors.FINAL_SIZE_ERROR;
    }
    if (fin && highest > end) {
      return ConnErrors.FINAL_SIZE_ERROR;
    }
    if (end > ps.maxStreamData[slot]) {
      return ConnErrors.FLOW_CONTROL_ERROR;
    }
    if (end > highest && !consume(ps, slot, end)) {
      return ConnErrors.FLOW_CONTROL_ERROR;
    }
    if (fin) {
      ps.close(index, slot);
      return ConnErrors.OK;
    }
    long window = ps.streamWindow;
    if (ps.maxStreamData[slot] - end < window - window / 2) {
      long update = Math.min(end + window, MAX_VARINT);
      if (update > ps.maxStreamData[slot]) {
        ps.maxStreamData[slot] = update;
        streamMaxDataUpdate = update;
      }
    }
    return ConnErrors.OK;
  }

  /**
   * A RESET_STREAM frame arrived (RFC 9000 §19.4): the stream's final size is known, the stream is
   * closed.
   *
   * @return {@link ConnErrors#OK} or a negative {@link ConnErrors} code
   */
  public int onStreamReset(long streamId, long finalSize) {
    streamMaxDataUpdate = -1;
    if (streamId < 0 || streamId > MAX_VARINT || finalSize < 0 || finalSize > MAX_VARINT) {
      return ConnErrors.FRAME_ENCODING_ERROR;
    }
    int slot = openStream(streamId);
    if (slot < 0) {
      return slot == CLOSED ? ConnErrors.OK : slot;
    }
    PeerStreams ps = current;
    long index = streamId >>> 2;
    long known = ps.finalSize[slot];
    long highest = ps.highest[slot];
    if ((known >= 0 && known != finalSize) || highest > finalSize) {
      return ConnErrors.FINAL_SIZE_ERROR;
    }
    if (finalSize > ps.maxStreamData[slot]) {
      return ConnErrors.FLOW_CONTROL_ERROR;
    }
    if (!consume(ps, slot, finalSize)) {
      return ConnErrors.FLOW_CONTROL_ERROR;
    }
    ps.close(index, slot);
    return ConnErrors.OK;
  }

  /**
   * The slot of the client stream a STREAM or RESET_STREAM frame names (created on first sight),
   * with {@link #current} set to its type's streams; {@link #CLOSED} for a stream already closed
   * (the frame is ignored); or the error: STREAM_STATE_ERROR for a server-initiated stream,
   * STREAM_LIMIT_ERROR at or above MAX_STREAMS (RFC 9000 §4.6).
   */
  private int openStream(long streamId) {
    if ((streamId & 1) != 0) {
      return ConnErrors.STREAM_STATE_ERROR;
    }
    PeerStreams ps = (streamId & 2) == 0 ? bidi : uni;
    current = ps;
    long index = streamId >>> 2;
    if (index >= ps.maxStreams) {
      return ConnErrors.STREAM_LIMIT_ERROR;
    }
    if (ps.isClosed(index)) {
      return CLOSED;
    }
    int slot = ps.slotOf(index);
    return slot < 0 ? ConnErrors.STREAM_LIMIT_ERROR : slot;
  }

  /**
   * Raises the stream's highest received offset to {@code end} (above its current one) and counts
   * the new bytes against the connection; false when they exceed MAX_DATA (RFC 9000 §4.1).
   */
  private boolean consume(PeerStreams ps, int slot, long end) {
    received += end - ps.highest[slot];
    ps.highest[slot] = end;
    return received <= maxData;
  }

  /**
   * Validates the stream of a frame about our sending side, STOP_SENDING (RFC 9000 §19.5) or
   * MAX_STREAM_DATA (§19.10): a server-initiated stream was never created and a client-initiated
   * unidirectional stream is receive-only for us, both STREAM_STATE_ERROR; a client bidirectional
   * stream must be within MAX_STREAMS. The server sends no stream data, so nothing else happens.
   *
   * @return {@link ConnErrors#OK} or a negative {@link ConnErrors} code
   */
  public int onSendSideFrame(long streamId) {
    if (streamId < 0 || streamId > MAX_VARINT) {
      return ConnErrors.FRAME_ENCODING_ERROR;
    }
    if ((streamId & 3) != 0) {
      return ConnErrors.STREAM_STATE_ERROR;
    }
    return (streamId >>> 2) >= bidi.maxStreams ? ConnErrors.STREAM_LIMIT_ERROR : ConnErrors.OK;
  }

  /**
   * After {@link #onStreamData}: the new limit to send in a MAX_STREAM_DATA frame for that stream,
   * or -1 if none is due. The limit is already in force.
   */
  public long streamMaxDataUpdate() {
    return streamMaxDataUpdate;
  }

  /**
   * Current receive limit of an open client stream (to resend a lost MAX_STREAM_DATA), -1 if none.
   */
  public long maxStreamData(long streamId) {
    if (streamId < 0 || (streamId & 1) != 0) {
      return -1;
    }
    PeerStreams ps = (streamId & 2) == 0 ? bidi : uni;
    long slot = ps.slots.get(streamId >>> 2);
    return slot < 0 ? -1 : ps.maxStreamData[(int) slot];
  }

  /** Whether half of the connection window is consumed and MAX_DATA should be sent. */
  public boolean maxDataUpdateWanted() {
    return maxData < MAX_VARINT && maxData - received < connWindow - connWindow / 2;
  }

  /** Raises the connection limit to received + window; returns the value for the MAX_DATA frame. */
  public long commitMaxDataUpdate() {
    long update = Math.min(received + connWindow, MAX_VARINT);
    if (update > maxData) {
      maxData = update;
    }
    return maxData;
  }

  /** The connection-level limit advertised so far (to resend a lost MAX_DATA). */
  public long maxData() {
    return maxData;
  }

  /** Sum of the highest received offsets (final sizes for closed streams) over all streams. */
  public long bytesReceived() {
    return received;
  }

  /** Whether enough client streams of the type closed that MAX_STREAMS should be raised. */
  public boolean maxStreamsUpdateWanted(boolean bidirectional) {
    PeerStreams ps = bidirectional ? bidi : uni;
    long target = ps.targetMaxStreams();
    return target > ps.maxStreams && target - ps.maxStreams >= Math.max(1, ps.initialMax / 2);
  }

  /** Raises the stream limit; returns the value for the MAX_STREAMS frame of that type. */
  public long commitMaxStreamsUpdate(boolean bidirectional) {
    PeerStreams ps = bidirectional ? bidi : uni;
    long target = ps.targetMaxStreams();
    if (target > ps.maxStreams) {
      ps.maxStreams = target;
    }
    return ps.maxStreams;
  }

  /** The stream limit advertised so far for the type. */
  public long maxStreams(boolean bidirectional) {
    return (bidirectional ? bidi : uni).maxStreams;
  }

  /** Number of client streams of the type with state held (opened, final size not yet known). */
  public int openStreams(boolean bidirectional) {
    return (bidirectional ? bidi : uni).slots.size();
  }

  /** Number of client streams of the type closed so far. */
  public long closedStreams(boolean bidirectional) {
    return (bidirectional ? bidi : uni).closedCount;
  }

  /** Client-initiated streams of one type: bounded open entries plus a closed-index ring bitmap. */
  private static final class PeerStreams {
    final int initialMax;
    final long streamWindow;
    final int windowBits;
    final long[] closedBits;
    final Long2LongHashMap slots;
    final long[] highest;
    final long[] finalSize;
    final long[] maxStreamData;
    final int[] freeSlots;
    int freeTop;
    long maxStreams;
    long closedCount;
    long watermark; // every index below is closed

    PeerStreams(int initialMax, long streamWindow) {
      if (initialMax < 0) {
        throw new IllegalArgumentException("initialMaxStreams " + initialMax);
      }
      this.initialMax = initialMax;
      this.streamWindow = streamWindow;
      this.maxStreams = initialMax;
      int bits = Math.max(64, 8 * initialMax);
      this.windowBits = (bits + 63) & ~63;
      this.closedBits = new long[windowBits / 64];
      // Sized so the map never resizes: at most initialMax entries.
      this.slots = new Long2LongHashMap(2 * initialMax + 8, 0.6f, -1L);
      this.highest = new long[initialMax];
      this.finalSize = new long[initialMax];
      this.maxStreamData = new long[initialMax];
      this.freeSlots = new int[initialMax];
      for (int i = 0; i < initialMax; i++) {
        freeSlots[i] = initialMax - 1 - i;
      }
      this.freeTop = initialMax;
    }

    boolean isClosed(long index) {
      if (index < watermark) {
        return true;
      }
      int bit = (int) (index % windowBits);
      return (closedBits[bit >>> 6] & (1L << (bit & 63))) != 0;
    }

    /** Slot of an open stream, created on first sight; -1 if no slot is free (cannot happen). */
    int slotOf(long index) {
      long s = slots.get(index);
      if (s >= 0) {
        return (int) s;
      }
      if (freeTop == 0) {
        return -1;
      }
      int slot = freeSlots[--freeTop];
      slots.put(index, slot);
      highest[slot] = 0;
      finalSize[slot] = -1;
      maxStreamData[slot] = streamWindow;
      return slot;
    }

    void close(long index, int slot) {
      slots.remove(index);
      freeSlots[freeTop++] = slot;
      closedCount++;
      int bit = (int) (index % windowBits);
      closedBits[bit >>> 6] |= 1L << (bit & 63);
      while (isClosedBit(watermark)) {
        int b = (int) (watermark % windowBits);
        closedBits[b >>> 6] &= ~(1L << (b & 63));
        watermark++;
      }
    }

    private boolean isClosedBit(long index) {
      int bit = (int) (index % windowBits);
      return (closedBits[bit >>> 6] & (1L << (bit & 63))) != 0;
    }

    /**
     * The limit that gives back one stream per closed one, bounded by the bitmap window and by
     * 2^60.
     */
    long targetMaxStreams() {
      long target = Math.min(closedCount + initialMax, watermark + windowBits);
      return Math.min(target, MAX_STREAMS_LIMIT);
    }
  }
}
