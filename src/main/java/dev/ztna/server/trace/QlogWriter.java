package dev.ztna.server.trace;

import dev.ztna.server.conn.NewRenoCongestionController;
import dev.ztna.server.conn.PacketNumberSpace;
import dev.ztna.server.conn.QlogSink;
import dev.ztna.server.conn.RttEstimator;
import dev.ztna.server.wire.FrameReader;
import dev.ztna.server.wire.FrameType;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * qlog traces, one JSON-SEQ file (RFC 7464) per sampled connection in a directory
 * (draft-ietf-quic-qlog-main-schema, draft-ietf-quic-qlog-quic-events): a header record, then
 * {@code quic:packet_sent}/{@code quic:packet_received} with header and frames, {@code
 * recovery:metrics_updated}, {@code recovery:congestion_state_updated}, {@code
 * recovery:packet_lost}, {@code security:key_updated} and, last, {@code quic:connection_closed}.
 *
 * <p>The loop thread ({@link QlogSink} methods) copies fixed-size event records into a ring buffer:
 * frames are parsed with the allocation-free {@link FrameReader} into (type, two values) triples,
 * at most {@link #MAX_FRAMES} per packet. The writer thread formats JSON and writes the files,
 * closing each on its connection_closed. A full ring drops the event and counts it in {@link
 * #dropped()}.
 */
public final class QlogWriter implements QlogSink.Factory, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QlogWriter.class);

  static final int MAX_FRAMES = 16;

  private static final int EV_OPEN = 1;
  private static final int EV_SENT = 2;
  private static final int EV_RECEIVED = 3;
  private static final int EV_LOST = 4;
  private static final int EV_METRICS = 5;
  private static final int EV_CC_STATE = 6;
  private static final int EV_KEY = 7;
  private static final int EV_CLOSED = 8;

  // Record layout: connection id (8), time in nanos (8), then per event.
  private static final int CONN = 0;
  private static final int TIME = 8;
  private static final int BODY = 16;

  private static final int CC_SLOW_START = 0;
  private static final int CC_AVOIDANCE = 1;
  private static final int CC_RECOVERY = 2;
  private static final int CC_APP_LIMITED = 3;
  private static final String[] CC_NAMES = {
    "slow_start", "congestion_avoidance", "recovery", "application_limited"
  };

  private final Path dir;
  private final double sample;
  private final Random random;
  private final RingWriterThread writer;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong filesWritten = new AtomicLong();
  private final Map<Long, Trace> traces = new HashMap<>();
  private final StringBuilder sb = new StringBuilder(1024);
  private long nextId;

  /** Ring capacity: about 100k packet events of two frames. */
  private static final int RING_CAPACITY = 1 << 23;

  private QlogWriter(Path dir, double sample, Random random, int ringCapacity) {
    this.dir = dir;
    this.sample = sample;
    this.random = random;
    this.writer = new RingWriterThread("ztna-qlog", ringCapacity, this::onRecord, this::flush);
  }

  /**
   * Creates {@code dir} if needed and starts the writer thread.
   *
   * @param sample fraction of connections traced, 0..1, decided per connection at accept with
   *     {@code random} (a {@link java.security.SecureRandom} in production, seeded in tests)
   */
  public static QlogWriter open(Path dir, double sample, Random random) throws IOException {
    if (!(sample >= 0 && sample <= 1)) {
      throw new IllegalArgumentException("qlog sample must be 0..1, got " + sample);
    }
    Files.createDirectories(dir);
    QlogWriter w = new QlogWriter(dir, sample, random, RING_CAPACITY);
    w.writer.start();
    LOG.info("qlog: tracing {} of connections into {}", sample, dir.toAbsolutePath());
    return w;
  }

  @Override
  public QlogSink open(byte[] odcid, int off, int len, long nowNanos) {
    if (sample < 1.0 && (sample == 0 || random.nextDouble() >= sample)) {
      return QlogSink.NONE;
    }
    Sink s = new Sink(++nextId);
    connections.incrementAndGet();
    int i = s.claim(EV_OPEN, BODY + 1 + 20, nowNanos);
    if (i >= 0) {
      AtomicBuffer b = writer.ring.buffer();
      int n = Math.min(len, 20);
      b.putByte(i + BODY, (byte) n);
      b.putBytes(i + BODY + 1, odcid, off, n);
      writer.ring.commit(i);
    }
    return s;
  }

  /** Events dropped (ring full, or the file could not be written). */
  public long dropped() {
    return dropped.get();
  }

  /** Connections traced so far (sampled in). */
  public long connections() {
    return connections.get();
  }

  /** Trace files completed (closed after connection_closed) so far. */
  public long filesWritten() {
    return filesWritten.get();
  }

  /** The per-connection sink: loop thread only. */
  private final class Sink implements QlogSink {
    private final long id;
    private final FrameReader reader = new FrameReader();
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private final long[] frames = new long[3 * MAX_FRAMES];
    private long lastTime = Long.MIN_VALUE;
    private long cwnd = -1;
    private long inFlight = -1;
    private long srtt = -1;
    private long latest = -1;
    private int ccState = -1;
    private int generation;

    Sink(long id) {
      this.id = id;
    }

    /** Claims a record, writes id and (non-decreasing) time; -1 and counted when full. */
    int claim(int type, int length, long now) {
      int i = writer.ring.tryClaim(type, length);
      if (i < 0) {
        dropped.incrementAndGet();
        return -1;
      }
      if (now < lastTime) {
        now = lastTime; // qlog events are ordered by time; callers' clocks are monotonic anyway
      }
      lastTime = now;
      AtomicBuffer b = writer.ring.buffer();
      b.putLong(i + CONN, id);
      b.putLong(i + TIME, now);
      return i;
    }

    @Override
    public void packetSent(
        long now, int space, long pn, int size, byte[] plaintext, int off, int len) {
      packet(EV_SENT, now, space, pn, size, plaintext, off, len);
    }

    @Override
    public void packetReceived(
        long now, int space, long pn, int size, byte[] plaintext, int off, int len) {
      packet(EV_RECEIVED, now, space, pn, size, plaintext, off, len);
    }

    private void packet(
        int type, long now, int space, long pn, int size, byte[] plaintext, int off, int len) {
      // Parse first into the scratch array, then claim a record of just the frames' size.
      view.wrap(plaintext);
      int pos = off;
      int end = off + len;
      int n = 0;
      while (pos < end && n < MAX_FRAMES) {
        int next = reader.read(view, pos, end);
        if (next < 0) {
          break;
        }
        long t = reader.type();
        long a = 0;
        long c = 0;
        if (t == FrameType.ACK || t == FrameType.ACK_ECN) {
          a = reader.ackLargest();
          c = reader.ackFirstRange();
        } else if (t == FrameType.CRYPTO) {
          a = reader.offset();
          c = reader.dataLength();
        } else if (t >= FrameType.STREAM && t <= FrameType.STREAM_MAX) {
          a = reader.streamId();
          c = reader.dataLength();
        } else if (t == FrameType.DATAGRAM || t == FrameType.DATAGRAM_WITH_LENGTH) {
          c = reader.dataLength();
        } else if (t == FrameType.CONNECTION_CLOSE || t == FrameType.CONNECTION_CLOSE_APP) {
          a = reader.errorCode();
        } else if (t == FrameType.PADDING) {
          c = (long) next - pos;
        }
        frames[3 * n] = t;
        frames[3 * n + 1] = a;
        frames[3 * n + 2] = c;
        n++;
        pos = next;
      }
      int i = claim(type, BODY + 16 + n * 24, now);
      if (i < 0) {
        return;
      }
      AtomicBuffer b = writer.ring.buffer();
      b.putByte(i + BODY, (byte) space);
      b.putByte(i + BODY + 1, (byte) n);
      b.putByte(i + BODY + 2, (byte) (pos < end ? 1 : 0));
      b.putInt(i + BODY + 4, size);
      b.putLong(i + BODY + 8, pn);
      int f = i + BODY + 16;
      for (int k = 0; k < 3 * n; k++, f += 8) {
        b.putLong(f, frames[k]);
      }
      writer.ring.commit(i);
    }

    @Override
    public void packetLost(long now, int space, long pn) {
      int i = claim(EV_LOST, BODY + 16, now);
      if (i < 0) {
        return;
      }
      AtomicBuffer b = writer.ring.buffer();
      b.putByte(i + BODY, (byte) space);
      b.putLong(i + BODY + 8, pn);
      writer.ring.commit(i);
    }

    @Override
    public void recovery(long now, NewRenoCongestionController cc, RttEstimator rtt) {
      long w = cc.congestionWindow();
      long f = cc.bytesInFlight();
      long s = rtt.smoothedRtt();
      long l = rtt.latestRtt();
      if (w != cwnd || f != inFlight || s != srtt || l != latest) {
        cwnd = w;
        inFlight = f;
        srtt = s;
        latest = l;
        int i = claim(EV_METRICS, BODY + 48, now);
        if (i >= 0) {
          AtomicBuffer b = writer.ring.buffer();
          b.putLong(i + BODY, w);
          b.putLong(i + BODY + 8, f);
          b.putLong(i + BODY + 16, s);
          b.putLong(i + BODY + 24, l);
          b.putLong(i + BODY + 32, rtt.minRtt());
          b.putLong(i + BODY + 40, cc.ssthresh());
          writer.ring.commit(i);
        }
      }
      int state =
          cc.inRecoveryPeriod()
              ? CC_RECOVERY
              : cc.isApplicationLimited()
                  ? CC_APP_LIMITED
                  : w < cc.ssthresh() ? CC_SLOW_START : CC_AVOIDANCE;
      if (state != ccState) {
        int i = claim(EV_CC_STATE, BODY + 8, now);
        if (i >= 0) {
          AtomicBuffer b = writer.ring.buffer();
          b.putInt(i + BODY, ccState);
          b.putInt(i + BODY + 4, state);
          writer.ring.commit(i);
        }
        ccState = state;
      }
    }

    @Override
    public void keyUpdated(long now, int space, int trigger) {
      if (trigger == KEY_REMOTE_UPDATE) {
        generation++;
      }
      int i = claim(EV_KEY, BODY + 8, now);
      if (i < 0) {
        return;
      }
      AtomicBuffer b = writer.ring.buffer();
      b.putByte(i + BODY, (byte) space);
      b.putByte(i + BODY + 1, (byte) trigger);
      b.putInt(i + BODY + 4, generation);
      writer.ring.commit(i);
    }

    @Override
    public void connectionClosed(
        long now, boolean byPeer, boolean application, long code, boolean idleTimeout) {
      int i = claim(EV_CLOSED, BODY + 16, now);
      if (i < 0) {
        return;
      }
      AtomicBuffer b = writer.ring.buffer();
      b.putByte(i + BODY, (byte) (byPeer ? 1 : 0));
      b.putByte(i + BODY + 1, (byte) (application ? 1 : 0));
      b.putByte(i + BODY + 2, (byte) (idleTimeout ? 1 : 0));
      b.putLong(i + BODY + 8, code);
      writer.ring.commit(i);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Writer thread

  /** One open trace file. */
  private static final class Trace {
    final Path file;
    final Writer out;
    final long startNanos;

    Trace(Path file, Writer out, long startNanos) {
      this.file = file;
      this.out = out;
      this.startNanos = startNanos;
    }
  }

  private void onRecord(int type, DirectBuffer b, int i, int length) {
    long id = b.getLong(i + CONN);
    long time = b.getLong(i + TIME);
    if (type == EV_OPEN) {
      openTrace(id, time, b, i);
      return;
    }
    Trace t = traces.get(id);
    if (t == null) {
      return; // its open record was dropped
    }
    sb.setLength(0);
    sb.append('\u001e').append("{\"time\":");
    appendMillis(sb, time - t.startNanos);
    sb.append(",\"name\":\"");
    switch (type) {
      case EV_SENT:
      case EV_RECEIVED:
        packetEvent(type, b, i);
        break;
      case EV_LOST:
        sb.append("recovery:packet_lost\",\"data\":{\"header\":{\"packet_type\":\"")
            .append(packetType(b.getByte(i + BODY)))
            .append("\",\"packet_number\":")
            .append(b.getLong(i + BODY + 8))
            .append("}}}");
        break;
      case EV_METRICS:
        sb.append("recovery:metrics_updated\",\"data\":{\"congestion_window\":")
            .append(b.getLong(i + BODY))
            .append(",\"bytes_in_flight\":")
            .append(b.getLong(i + BODY + 8))
            .append(",\"smoothed_rtt\":");
        appendMillis(sb, b.getLong(i + BODY + 16));
        sb.append(",\"latest_rtt\":");
        appendMillis(sb, b.getLong(i + BODY + 24));
        long minRtt = b.getLong(i + BODY + 32);
        if (minRtt != Long.MAX_VALUE && minRtt > 0) {
          sb.append(",\"min_rtt\":");
          appendMillis(sb, minRtt);
        }
        long ssthresh = b.getLong(i + BODY + 40);
        if (ssthresh != Long.MAX_VALUE) {
          sb.append(",\"ssthresh\":").append(ssthresh);
        }
        sb.append("}}");
        break;
      case EV_CC_STATE:
        int old = b.getInt(i + BODY);
        sb.append("recovery:congestion_state_updated\",\"data\":{");
        if (old >= 0) {
          sb.append("\"old\":\"").append(CC_NAMES[old]).append("\",");
        }
        sb.append("\"new\":\"").append(CC_NAMES[b.getInt(i + BODY + 4)]).append("\"}}");
        break;
      case EV_KEY:
        keyEvent(b, i);
        break;
      case EV_CLOSED:
        closedEvent(b, i);
        break;
      default:
        return;
    }
    sb.append('\n');
    try {
      t.out.append(sb);
      if (type == EV_CLOSED) {
        traces.remove(id);
        t.out.close();
        filesWritten.incrementAndGet();
      }
    } catch (IOException e) {
      dropped.incrementAndGet();
      LOG.warn("qlog {}: {}", t.file, e.toString());
    }
  }

  private void openTrace(long id, long time, DirectBuffer b, int i) {
    int n = b.getByte(i + BODY);
    byte[] odcid = new byte[n];
    b.getBytes(i + BODY + 1, odcid);
    String hex = hex(odcid);
    Path file = dir.resolve(hex + "_" + id + "_server.sqlog");
    long epochMillis = System.currentTimeMillis() - (System.nanoTime() - time) / 1_000_000L;
    try {
      Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
      sb.setLength(0);
      sb.append('\u001e')
          .append("{\"qlog_version\":\"0.3\",\"qlog_format\":\"JSON-SEQ\",")
          .append("\"title\":\"ztna-server ")
          .append(hex)
          .append("\",\"trace\":{\"vantage_point\":{\"name\":\"ztna-server\",\"type\":\"server\"},")
          .append("\"common_fields\":{\"ODCID\":\"")
          .append(hex)
          .append("\",\"group_id\":\"")
          .append(hex)
          .append("\",\"time_format\":\"relative\",\"reference_time\":")
          .append(epochMillis)
          .append("}}}\n");
      out.append(sb);
      traces.put(id, new Trace(file, out, time));
    } catch (IOException e) {
      dropped.incrementAndGet();
      LOG.warn("qlog {}: {}", file, e.toString());
    }
  }

  private void packetEvent(int type, DirectBuffer b, int i) {
    int space = b.getByte(i + BODY);
    int n = b.getByte(i + BODY + 1);
    boolean truncated = b.getByte(i + BODY + 2) != 0;
    sb.append(type == EV_SENT ? "quic:packet_sent" : "quic:packet_received")
        .append("\",\"data\":{\"header\":{\"packet_type\":\"")
        .append(packetType(space))
        .append("\",\"packet_number\":")
        .append(b.getLong(i + BODY + 8))
        .append("},\"raw\":{\"length\":")
        .append(b.getInt(i + BODY + 4))
        .append("},\"frames\":[");
    int f = i + BODY + 16;
    for (int k = 0; k < n; k++, f += 24) {
      if (k > 0) {
        sb.append(',');
      }
      frame(b.getLong(f), b.getLong(f + 8), b.getLong(f + 16));
    }
    sb.append(']');
    if (truncated) {
      sb.append(",\"frames_truncated\":true");
    }
    sb.append("}}");
  }

  private void frame(long t, long a, long c) {
    sb.append("{\"frame_type\":\"");
    if (t == FrameType.ACK || t == FrameType.ACK_ECN) {
      sb.append("ack\",\"acked_ranges\":[[").append(a - c).append(',').append(a).append("]]}");
    } else if (t == FrameType.CRYPTO) {
      sb.append("crypto\",\"offset\":").append(a).append(",\"length\":").append(c).append('}');
    } else if (t >= FrameType.STREAM && t <= FrameType.STREAM_MAX) {
      sb.append("stream\",\"stream_id\":").append(a).append(",\"length\":").append(c).append('}');
    } else if (t == FrameType.DATAGRAM || t == FrameType.DATAGRAM_WITH_LENGTH) {
      sb.append("datagram\",\"length\":").append(c).append('}');
    } else if (t == FrameType.CONNECTION_CLOSE || t == FrameType.CONNECTION_CLOSE_APP) {
      sb.append("connection_close\",\"error_space\":\"")
          .append(t == FrameType.CONNECTION_CLOSE ? "transport" : "application")
          .append("\",\"error_code\":")
          .append(a)
          .append('}');
    } else if (t == FrameType.PADDING) {
      sb.append("padding\",\"length\":").append(c).append('}');
    } else {
      sb.append(frameName(t)).append("\"}");
    }
  }

  private static String frameName(long t) {
    if (t == FrameType.PING) {
      return "ping";
    } else if (t == FrameType.RESET_STREAM) {
      return "reset_stream";
    } else if (t == FrameType.STOP_SENDING) {
      return "stop_sending";
    } else if (t == FrameType.NEW_TOKEN) {
      return "new_token";
    } else if (t == FrameType.MAX_DATA) {
      return "max_data";
    } else if (t == FrameType.MAX_STREAM_DATA) {
      return "max_stream_data";
    } else if (t == FrameType.MAX_STREAMS_BIDI || t == FrameType.MAX_STREAMS_UNI) {
      return "max_streams";
    } else if (t == FrameType.DATA_BLOCKED) {
      return "data_blocked";
    } else if (t == FrameType.STREAM_DATA_BLOCKED) {
      return "stream_data_blocked";
    } else if (t == FrameType.STREAMS_BLOCKED_BIDI || t == FrameType.STREAMS_BLOCKED_UNI) {
      return "streams_blocked";
    } else if (t == FrameType.NEW_CONNECTION_ID) {
      return "new_connection_id";
    } else if (t == FrameType.RETIRE_CONNECTION_ID) {
      return "retire_connection_id";
    } else if (t == FrameType.PATH_CHALLENGE) {
      return "path_challenge";
    } else if (t == FrameType.PATH_RESPONSE) {
      return "path_response";
    } else if (t == FrameType.HANDSHAKE_DONE) {
      return "handshake_done";
    } else if (t == FrameType.OBSERVED_ADDRESS_V4 || t == FrameType.OBSERVED_ADDRESS_V6) {
      return "observed_address";
    }
    return "unknown";
  }

  private void keyEvent(DirectBuffer b, int i) {
    int space = b.getByte(i + BODY);
    int trigger = b.getByte(i + BODY + 1);
    int generation = b.getInt(i + BODY + 4);
    String level =
        space == PacketNumberSpace.INITIAL
            ? "initial"
            : space == PacketNumberSpace.HANDSHAKE ? "handshake" : "1rtt";
    String trig = trigger == QlogSink.KEY_REMOTE_UPDATE ? "remote_update" : "tls";
    // Both directions change together (RFC 9001 §6): one event per key, the same time.
    String prefix = sb.toString();
    keyData("server_", level, trig, space, generation);
    sb.append('\n').append(prefix);
    keyData("client_", level, trig, space, generation);
  }

  private void keyData(String owner, String level, String trigger, int space, int generation) {
    sb.append("security:key_updated\",\"data\":{\"key_type\":\"")
        .append(owner)
        .append(level)
        .append("_secret\",\"trigger\":\"")
        .append(trigger)
        .append('"');
    if (space == PacketNumberSpace.APPLICATION) {
      sb.append(",\"generation\":").append(generation);
    }
    sb.append("}}");
  }

  private void closedEvent(DirectBuffer b, int i) {
    boolean byPeer = b.getByte(i + BODY) != 0;
    boolean app = b.getByte(i + BODY + 1) != 0;
    boolean idle = b.getByte(i + BODY + 2) != 0;
    long code = b.getLong(i + BODY + 8);
    sb.append("quic:connection_closed\",\"data\":{\"owner\":\"")
        .append(byPeer ? "remote" : "local")
        .append('"');
    if (idle) {
      sb.append(",\"trigger\":\"idle_timeout\"");
    } else {
      sb.append(app ? ",\"application_code\":" : ",\"connection_code\":").append(code);
      sb.append(",\"trigger\":\"").append(code == 0 && !app ? "clean" : "error").append('"');
    }
    sb.append("}}");
  }

  private static String packetType(int space) {
    return space == PacketNumberSpace.INITIAL
        ? "initial"
        : space == PacketNumberSpace.HANDSHAKE ? "handshake" : "1RTT";
  }

  private static void appendMillis(StringBuilder sb, long nanos) {
    long micros = nanos / 1000;
    sb.append(micros / 1000).append('.');
    long frac = Math.abs(micros % 1000);
    if (frac < 100) {
      sb.append('0');
    }
    if (frac < 10) {
      sb.append('0');
    }
    sb.append(frac);
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
    }
    return s.toString();
  }

  private void flush() {
    for (Trace t : traces.values()) {
      try {
        t.out.flush();
      } catch (IOException e) {
        LOG.warn("qlog {}: {}", t.file, e.toString());
      }
    }
  }

  /**
   * Writes what is queued, stops the writer thread and closes every open trace file; idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return; // idempotent
    }
    writer.close();
    for (Trace t : traces.values()) {
      try {
        t.out.close();
      } catch (IOException e) {
        LOG.warn("qlog {}: {}", t.file, e.toString());
      }
    }
    traces.clear();
    if (dropped.get() > 0) {
      LOG.warn("qlog: {} events dropped", dropped.get());
    }
  }
}
