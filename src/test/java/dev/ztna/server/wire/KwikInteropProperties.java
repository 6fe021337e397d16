package dev.ztna.server.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;
import tech.kwik.core.frame.AckFrame;
import tech.kwik.core.frame.CryptoFrame;
import tech.kwik.core.frame.Range;
import tech.kwik.core.frame.StreamFrame;
import tech.kwik.core.impl.Role;
import tech.kwik.core.impl.Version;
import tech.kwik.core.log.NullLogger;
import tech.kwik.core.tls.QuicTransportParametersExtension;

/** Cross-checks the codecs against an independent QUIC implementation (Kwik, test scope only). */
class KwikInteropProperties {

  private static UnsafeBuffer exact(ByteBuffer bb) {
    byte[] a = new byte[bb.position()];
    bb.flip();
    bb.get(a);
    return new UnsafeBuffer(a);
  }

  @Property(tries = 300)
  void ackFromKwik(@ForAll Random rnd) throws Exception {
    List<Range> ranges = new ArrayList<>();
    long pn = rnd.nextInt(1 << 20);
    int count = 1 + rnd.nextInt(10);
    long[][] expected = new long[count][2];
    for (int i = count - 1; i >= 0; i--) {
      long smallest = pn;
      long largest = smallest + rnd.nextInt(100);
      expected[i][0] = smallest;
      expected[i][1] = largest;
      pn = largest + 2 + rnd.nextInt(100);
    }
    for (int i = 0; i < count; i++) {
      ranges.add(new Range(expected[i][0], expected[i][1]));
    }
    AckFrame kwik = new AckFrame(ranges);
    ByteBuffer bb = ByteBuffer.allocate(2000);
    kwik.serialize(bb);
    UnsafeBuffer in = exact(bb);
    FrameReader r = new FrameReader();
    assertEquals(in.capacity(), r.read(in, 0, in.capacity()));
    assertEquals(expected[0][1], r.ackLargest());
    assertEquals(expected[0][1] - expected[0][0], r.ackFirstRange());
    assertEquals(count - 1, r.ackRangeCount());
    for (int i = 1; i < count; i++) {
      assertEquals(expected[i][1], r.ackRangeLargest(i - 1));
      assertEquals(expected[i][0], r.ackRangeSmallest(i - 1));
    }
  }

  @Property(tries = 300)
  void ackToKwik(
      @ForAll @Size(max = 20) List<@LongRange(min = 0, max = 1000) Long> gl,
      @ForAll @LongRange(min = 0, max = 1000) long first,
      @ForAll @LongRange(min = 0, max = 100000) long extra)
      throws Exception {
    int count = gl.size() / 2;
    long[] gaps = new long[count];
    long[] lens = new long[count];
    long largest = first + extra;
    for (int i = 0; i < count; i++) {
      gaps[i] = gl.get(2 * i);
      lens[i] = gl.get(2 * i + 1);
      largest += gaps[i] + 2 + lens[i];
    }
    UnsafeBuffer out = new UnsafeBuffer(new byte[1000]);
    int n = FrameWriter.writeAck(out, 0, largest, 10, first, gaps, lens, count);
    AckFrame kwik = new AckFrame().parse(ByteBuffer.wrap(out.byteArray(), 0, n), new NullLogger());
    List<Range> ranges = kwik.getAcknowledgedRanges();
    assertEquals(count + 1, ranges.size());
    assertEquals(largest, ranges.get(0).getLargest());
    long smallest = largest - first;
    assertEquals(smallest, ranges.get(0).getSmallest());
    for (int i = 0; i < count; i++) {
      long l = smallest - gaps[i] - 2;
      smallest = l - lens[i];
      assertEquals(l, ranges.get(i + 1).getLargest());
      assertEquals(smallest, ranges.get(i + 1).getSmallest());
    }
  }

  @Property(tries = 300)
  void streamBothWays(
      @ForAll @IntRange(min = 0, max = 1 << 20) int streamId,
      @ForAll @LongRange(min = 0, max = 1L << 40) long offset,
      @ForAll @Size(max = 300) byte[] data,
      @ForAll boolean fin)
      throws Exception {
    StreamFrame kwik = new StreamFrame(Version.QUIC_version_1, streamId, offset, data, fin);
    ByteBuffer bb = ByteBuffer.allocate(1000);
    kwik.serialize(bb);
    UnsafeBuffer in = exact(bb);
    FrameReader r = new FrameReader();
    assertEquals(in.capacity(), r.read(in, 0, in.capacity()));
    assertEquals(streamId, r.streamId());
    assertEquals(offset, r.offset());
    assertEquals(fin, r.fin());
    byte[] got = new byte[r.dataLength()];
    in.getBytes(r.dataOffset(), got);
    assertArrayEquals(data, got);

    UnsafeBuffer out = new UnsafeBuffer(new byte[1000]);
    int n =
        FrameWriter.writeStream(
            out, 0, streamId, offset, new UnsafeBuffer(data), 0, data.length, fin, true);
    StreamFrame parsed =
        new StreamFrame().parse(ByteBuffer.wrap(out.byteArray(), 0, n), new NullLogger());
    assertEquals(streamId, parsed.getStreamId());
    assertEquals(offset, parsed.getOffset());
    assertEquals(fin, parsed.isFinal());
    assertArrayEquals(data, parsed.getStreamData());
  }

  @Property(tries = 300)
  void cryptoBothWays(
      @ForAll @LongRange(min = 0, max = 1L << 30) long offset, @ForAll @Size(max = 300) byte[] data)
      throws Exception {
    CryptoFrame kwik = new CryptoFrame(Version.QUIC_version_1, offset, data);
    ByteBuffer bb = ByteBuffer.allocate(1000);
    kwik.serialize(bb);
    UnsafeBuffer in = exact(bb);
    FrameReader r = new FrameReader();
    assertEquals(in.capacity(), r.read(in, 0, in.capacity()));
    assertEquals(offset, r.offset());
    assertEquals(data.length, r.dataLength());

    UnsafeBuffer out = new UnsafeBuffer(new byte[1000]);
    int n = FrameWriter.writeCrypto(out, 0, offset, new UnsafeBuffer(data), 0, data.length);
    CryptoFrame parsed =
        new CryptoFrame().parse(ByteBuffer.wrap(out.byteArray(), 0, n), new NullLogger());
    assertEquals(offset, parsed.getOffset());
    assertArrayEquals(data, parsed.getStreamData());
  }

  @Property(tries = 200)
  void transportParametersFromKwikClient(
      @ForAll @LongRange(min = 0, max = 1L << 40) long maxData,
      @ForAll @IntRange(min = 0, max = 100000) int idle,
      @ForAll @IntRange(min = 0, max = 1000) int streams,
      @ForAll @Size(max = 20) byte[] iscid,
      @ForAll @IntRange(min = 0, max = 65535) int datagram) {
    tech.kwik.core.impl.TransportParameters kp = new tech.kwik.core.impl.TransportParameters();
    kp.setInitialMaxData(maxData);
    kp.setMaxIdleTimeout(idle);
    kp.setInitialMaxStreamsBidi(streams);
    kp.setInitialMaxStreamsUni(streams);
    kp.setInitialMaxStreamDataBidiLocal(maxData);
    kp.setInitialMaxStreamDataBidiRemote(maxData);
    kp.setInitialMaxStreamDataUni(maxData);
    kp.setInitialSourceConnectionId(iscid);
    kp.setMaxDatagramFrameSize(datagram);
    byte[] ext =
        new QuicTransportParametersExtension(Version.QUIC_version_1, kp, Role.Client).getBytes();
    // TLS extension header: type (2) + length (2)
    assertEquals(0x39, ((ext[0] & 0xff) << 8) | (ext[1] & 0xff));
    int len = ((ext[2] & 0xff) << 8) | (ext[3] & 0xff);
    assertEquals(ext.length - 4, len);
    UnsafeBuffer in = new UnsafeBuffer(Arrays.copyOfRange(ext, 4, ext.length));
    TransportParameters p = new TransportParameters();
    assertEquals(0, p.decode(in, 0, len, true), p.errorReason());
    assertEquals(maxData, p.initialMaxData);
    assertEquals(idle, p.maxIdleTimeout);
    assertEquals(streams, p.initialMaxStreamsBidi);
    assertEquals(streams, p.initialMaxStreamsUni);
    assertEquals(maxData, p.initialMaxStreamDataBidiLocal);
    assertEquals(iscid.length, p.initialSourceConnectionIdLength);
    assertArrayEquals(iscid, Arrays.copyOf(p.initialSourceConnectionId, iscid.length));
    assertEquals(datagram, p.maxDatagramFrameSize);
  }

  @Property(tries = 200)
  void transportParametersToKwikClient(@ForAll Random rnd) throws Exception {
    TransportParameters p = new TransportParameters();
    TransportParametersProperties.randomize(p, rnd, false);
    // Kwik holds some values in ints
    p.maxIdleTimeout %= Integer.MAX_VALUE;
    p.activeConnectionIdLimit = 2 + p.activeConnectionIdLimit % 1000;
    UnsafeBuffer out = new UnsafeBuffer(new byte[1024]);
    int n = p.encode(out, 4);
    out.putShort(0, (short) 0x39, java.nio.ByteOrder.BIG_ENDIAN);
    out.putShort(2, (short) n, java.nio.ByteOrder.BIG_ENDIAN);
    QuicTransportParametersExtension ext =
        new QuicTransportParametersExtension(Version.QUIC_version_1);
    ext.parse(ByteBuffer.wrap(out.byteArray(), 0, n + 4), Role.Server, new NullLogger());
    tech.kwik.core.impl.TransportParameters kp = ext.getTransportParameters();
    assertEquals(p.initialMaxData, kp.getInitialMaxData());
    assertEquals(p.maxIdleTimeout, kp.getMaxIdleTimeout());
    assertEquals(p.initialMaxStreamsBidi, kp.getInitialMaxStreamsBidi());
    assertEquals(p.initialMaxStreamDataUni, kp.getInitialMaxStreamDataUni());
    assertEquals(p.ackDelayExponent, kp.getAckDelayExponent());
    assertEquals(p.maxAckDelay, kp.getMaxAckDelay());
    assertEquals(p.activeConnectionIdLimit, kp.getActiveConnectionIdLimit());
    assertEquals(p.disableActiveMigration, kp.getDisableMigration());
    assertEquals(p.maxDatagramFrameSize, kp.getMaxDatagramFrameSize());
    if (p.initialSourceConnectionIdLength >= 0) {
      assertArrayEquals(
          Arrays.copyOf(p.initialSourceConnectionId, p.initialSourceConnectionIdLength),
          kp.getInitialSourceConnectionId());
    }
    if (p.originalDestinationConnectionIdLength >= 0) {
      assertArrayEquals(
          Arrays.copyOf(p.originalDestinationConnectionId, p.originalDestinationConnectionIdLength),
          kp.getOriginalDestinationConnectionId());
    }
    if (p.hasStatelessResetToken) {
      assertArrayEquals(p.statelessResetToken, kp.getStatelessResetToken());
    }
  }
}
