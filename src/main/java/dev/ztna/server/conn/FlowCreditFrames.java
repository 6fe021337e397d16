package dev.ztna.server.conn;

import dev.ztna.server.wire.FrameWriter;
import org.agrona.MutableDirectBuffer;

/**
 * The peer's streams as far as the server tracks them (it opens none and reads none: the relay
 * speaks DATAGRAM): the {@link FlowControl} of the peer's streams, created when the first stream
 * frame arrives (about 14 KB that a connection without streams never holds), and the flow-control
 * credit the server owes the peer (RFC 9000 §4): MAX_DATA, MAX_STREAMS for either direction and
 * MAX_STREAM_DATA per stream, queued when {@link FlowControl} wants an update and queued again when
 * the packet carrying one is lost (§13.3: the newest value is sent). The frames carry the values
 * {@link FlowControl} holds when they are written. Allocation-free once created.
 */
final class FlowCreditFrames {
  /** MAX_STREAM_DATA frames queued at most (further updates wait for the next one). */
  static final int PENDING_STREAMS = 16;

  private final long maxData;
  private final long maxStreamData;
  private final int maxStreamsBidi;
  private final int maxStreamsUni;
  private FlowControl flow;
  private boolean maxDataPending;
  private boolean maxStreamsBidiPending;
  private boolean maxStreamsUniPending;
  private final long[] pendingStreamIds = new long[PENDING_STREAMS];
  private int pendingStreamCount;
  private int lastFlags;
  private long lastStreamId;

  /** Our initial_max_data, initial_max_stream_data_* and initial_max_streams_* (RFC 9000 §18.2). */
  FlowCreditFrames(long maxData, long maxStreamData, int maxStreamsBidi, int maxStreamsUni) {
    this.maxData = maxData;
    this.maxStreamData = maxStreamData;
    this.maxStreamsBidi = maxStreamsBidi;
    this.maxStreamsUni = maxStreamsUni;
  }

  /** The flow control of the peer's streams, created on first use. */
  FlowControl flow() {
    if (flow == null) {
      flow = new FlowControl(maxData, maxStreamData, maxStreamData, maxStreamsBidi, maxStreamsUni);
    }
    return flow;
  }

  /** Whether a stream frame ever arrived (tests). */
  boolean hasStreamState() {
    return flow != null;
  }

  /** After received stream data or a reset: queues the connection-level updates now due. */
  void checkUpdates() {
    if (flow.maxDataUpdateWanted()) {
      flow.commitMaxDataUpdate();
      maxDataPending = true;
    }
    if (flow.maxStreamsUpdateWanted(true)) {
      flow.commitMaxStreamsUpdate(true);
      maxStreamsBidiPending = true;
    }
    if (flow.maxStreamsUpdateWanted(false)) {
      flow.commitMaxStreamsUpdate(false);
      maxStreamsUniPending = true;
    }
  }

  /** Queues a MAX_STREAM_DATA for {@code id} (once; dropped when the queue is full). */
  void queueStream(long id) {
    for (int i = 0; i < pendingStreamCount; i++) {
      if (pendingStreamIds[i] == id) {
        return;
      }
    }
    if (pendingStreamCount < PENDING_STREAMS) {
      pendingStreamIds[pendingStreamCount++] = id;
    }
  }

  boolean hasPending() {
    return maxDataPending
        || maxStreamsBidiPending
        || maxStreamsUniPending
        || pendingStreamCount > 0;
  }

  /**
   * Writes the due frames that fit in {@code out[pos, limit)} (at most one MAX_STREAM_DATA); {@link
   * #lastFlags()} and {@link #lastStreamId()} tell what was written, as {@link SentFrames} flags.
   *
   * @return bytes written
   */
  int write(MutableDirectBuffer out, int pos, int limit) {
    int start = pos;
    int flags = 0;
    lastStreamId = -1;
    if (maxDataPending && limit - pos > 9) {
      pos += FrameWriter.writeMaxData(out, pos, flow.maxData());
      maxDataPending = false;
      flags |= SentFrames.MAX_DATA;
    }
    if (maxStreamsBidiPending && limit - pos > 9) {
      pos += FrameWriter.writeMaxStreams(out, pos, true, flow.maxStreams(true));
      maxStreamsBidiPending = false;
      flags |= SentFrames.MAX_STREAMS_BIDI;
    }
    if (maxStreamsUniPending && limit - pos > 9) {
      pos += FrameWriter.writeMaxStreams(out, pos, false, flow.maxStreams(false));
      maxStreamsUniPending = false;
      flags |= SentFrames.MAX_STREAMS_UNI;
    }
    if (pendingStreamCount > 0 && limit - pos > 17) {
      long id = pendingStreamIds[--pendingStreamCount];
      long max = flow.maxStreamData(id);
      if (max >= 0) {
        pos += FrameWriter.writeMaxStreamData(out, pos, id, max);
        flags |= SentFrames.MAX_STREAM_DATA;
        lastStreamId = id;
      }
    }
    lastFlags = flags;
    return pos - start;
  }

  int lastFlags() {
    return lastFlags;
  }

  long lastStreamId() {
    return lastStreamId;
  }

  /**
   * The packet with {@code flags} ({@link SentFrames}) and MAX_STREAM_DATA for {@code id} was lost.
   */
  void onLost(int flags, long streamId) {
    if ((flags & SentFrames.MAX_DATA) != 0) {
      maxDataPending = true;
    }
    if ((flags & SentFrames.MAX_STREAMS_BIDI) != 0) {
      maxStreamsBidiPending = true;
    }
    if ((flags & SentFrames.MAX_STREAMS_UNI) != 0) {
      maxStreamsUniPending = true;
    }
    if ((flags & SentFrames.MAX_STREAM_DATA) != 0) {
      queueStream(streamId);
    }
  }
}
