package dev.ztna.server.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The per-packet codecs allocate nothing in steady state. */
class ZeroAllocationTest {
  private final UnsafeBuffer datagram = new UnsafeBuffer(new byte[1500]);
  private final UnsafeBuffer payload = new UnsafeBuffer(new byte[1500]);
  private final UnsafeBuffer params = new UnsafeBuffer(new byte[512]);
  private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[1500]);
  private final UnsafeBuffer cid = new UnsafeBuffer(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
  private final long[] gaps = {1, 2, 3, 4};
  private final long[] lengths = {5, 6, 7, 8};
  private final PacketHeaderFlyweight header = new PacketHeaderFlyweight();
  private final FrameReader reader = new FrameReader();
  private final TransportParameters tp = new TransportParameters();
  private int datagramLength;
  private int payloadLength;
  private int paramsLength;
  private long sink;

  private void setUp() {
    // Initial + short header coalesced
    int pnOff =
        PacketHeaderWriter.writeInitial(datagram, 0, 1, cid, 0, 8, cid, 0, 8, cid, 0, 8, 1, 2);
    PacketHeaderWriter.patchLength(datagram, pnOff - 2, 2 + 100);
    int second = pnOff + 102;
    int pn2 = PacketHeaderWriter.writeShortHeader(datagram, second, false, cid, 0, 8, 3, 2);
    datagramLength = pn2 + 2 + 60;
    // a payload with many frame types
    int p = 0;
    p += FrameWriter.writeAckEcn(payload, p, 1000, 25, 3, gaps, lengths, 4, 1, 2, 3);
    p += FrameWriter.writeCrypto(payload, p, 0, cid, 0, 8);
    p += FrameWriter.writeStream(payload, p, 4, 100, cid, 0, 8, true, true);
    p += FrameWriter.writeDatagram(payload, p, cid, 0, 8, true);
    p += FrameWriter.writeNewConnectionId(payload, p, 3, 1, cid, 0, 8, payload, 0);
    p += FrameWriter.writeConnectionClose(payload, p, false, 7, 6, cid, 0, 4);
    p += FrameWriter.writePathChallenge(payload, p, 42);
    p += FrameWriter.writeObservedAddress(payload, p, 1, cid, 0, 4, 443);
    p += FrameWriter.writeMaxStreams(payload, p, true, 100);
    p += FrameWriter.writePing(payload, p);
    p += FrameWriter.writePadding(payload, p, 20);
    payloadLength = p;
    TransportParameters src = new TransportParameters();
    TransportParametersProperties.randomize(src, new java.util.Random(1234), false);
    src.setInitialSourceConnectionId(cid, 0, 8);
    paramsLength = src.encode(params, 0);
  }

  private void iteration(int i) {
    int off = 0;
    while (off < datagramLength) {
      int rc = header.wrap(datagram, off, datagramLength - off, 8);
      if (rc != PacketHeaderFlyweight.OK) {
        throw new AssertionError("header");
      }
      sink += PacketHeaderFlyweight.packCid(datagram, header.dcidOffset(), header.dcidLength());
      sink += PacketNumber.decode(i, PacketNumber.read(datagram, header.pnOffset(), 2), 16);
      off = header.packetEnd();
    }
    int p = 0;
    while (p < payloadLength) {
      p = reader.read(payload, p, payloadLength);
      if (p < 0) {
        throw new AssertionError("frame");
      }
      sink += reader.type();
    }
    if (tp.decode(params, 0, paramsLength, false) != 0) {
      throw new AssertionError("params");
    }
    sink += tp.maxIdleTimeout;
    sink += VarInt.put(scratch, 0, i);
    sink += VarInt.get(scratch, 0, 8);
    int w = PacketHeaderWriter.writeShortHeader(scratch, 0, true, cid, 0, 8, i, 4);
    w += FrameWriter.writeAck(scratch, w, 1000, 25, 3, gaps, lengths, 4);
    w += FrameWriter.writeStream(scratch, w, 4, i, cid, 0, 8, false, false);
    w += tp.encode(scratch, w);
    sink += w;
  }

  @Test
  void hotPathAllocatesNothing() {
    setUp();
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assertTrue(mx.isThreadAllocatedMemorySupported());
    long tid = Thread.currentThread().getId();
    for (int i = 0; i < 20_000; i++) {
      iteration(i);
    }
    long min = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 5 && min != 0; attempt++) {
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 100_000; i++) {
        iteration(i);
      }
      long after = mx.getThreadAllocatedBytes(tid);
      min = Math.min(min, after - before);
    }
    assertEquals(0, min, "bytes allocated over 100k iterations (sink " + sink + ")");
  }
}
