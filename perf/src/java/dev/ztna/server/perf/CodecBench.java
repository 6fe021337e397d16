package dev.ztna.server.perf;

import dev.ztna.server.wire.FrameReader;
import dev.ztna.server.wire.FrameType;
import dev.ztna.server.wire.FrameWriter;
import dev.ztna.server.wire.PacketHeaderFlyweight;
import dev.ztna.server.wire.PacketHeaderWriter;
import dev.ztna.server.wire.TransportParameters;
import dev.ztna.server.wire.VarInt;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The wire codecs ({@code dev.ztna.server.wire}) on their per-packet paths, one operation each:
 *
 * <ul>
 *   <li>{@code varint}: {@link VarInt#put} then {@link VarInt#get} of one value whose minimal
 *       encoding is {@code bytes} long (the RFC 9000 §A.1 example values).
 *   <li>{@code shortHeader} / {@code initialHeader}: {@link PacketHeaderFlyweight#wrap} of a 1-RTT
 *       packet (8-byte DCID) and of a 1200-byte client Initial (8-byte DCID and SCID, no token).
 *   <li>{@code frameRead}: {@link FrameReader} over a 1-RTT payload of an ACK frame (one extra
 *       range) and a DATAGRAM frame with Length carrying 64 bytes, reading the fields the
 *       connection uses.
 *   <li>{@code frameWrite}: the same two frames with {@link FrameWriter}.
 *   <li>{@code tpDecode} / {@code tpEncode}: {@link TransportParameters} of a realistic client
 *       (initial_source_connection_id, idle timeout, flow control limits, disable_active_migration,
 *       max_datagram_frame_size, active_connection_id_limit, plus one GREASE parameter skipped by
 *       the decoder); handshake-time, once per connection.
 * </ul>
 *
 * Inputs are built once per trial; every benchmark returns or consumes its results.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-opens", "java.base/com.sun.crypto.provider=ALL-UNNAMED"})
public class CodecBench {
  /** VarInt state: one value per encoded length (RFC 9000 §A.1 examples). */
  @State(Scope.Thread)
  public static class VarIntState {
    @Param({"1", "2", "4", "8"})
    public int bytes;

    long value;
    final UnsafeBuffer buf = new UnsafeBuffer(new byte[64]);

    @Setup(Level.Trial)
    public void setup() {
      switch (bytes) {
        case 1:
          value = 37;
          break;
        case 2:
          value = 15293;
          break;
        case 4:
          value = 494878333;
          break;
        default:
          value = 151288809941952652L;
          break;
      }
      if (VarInt.sizeOf(value) != bytes) {
        throw new IllegalStateException("value " + value + " is not " + bytes + " bytes");
      }
    }
  }

  /** Packets, payloads and transport parameters, built once. */
  @State(Scope.Thread)
  public static class Inputs {
    static final int DCID_LENGTH = 8;
    static final int DATAGRAM_LENGTH = 64;

    final UnsafeBuffer shortPacket = new UnsafeBuffer(new byte[1500]);
    int shortLength;
    final UnsafeBuffer initialPacket = new UnsafeBuffer(new byte[1500]);
    int initialLength;
    final UnsafeBuffer payload = new UnsafeBuffer(new byte[1500]);
    int payloadLength;
    final UnsafeBuffer out = new UnsafeBuffer(new byte[1500]);
    final UnsafeBuffer datagram = new UnsafeBuffer(new byte[DATAGRAM_LENGTH]);
    final long[] gaps = {3};
    final long[] lengths = {10};
    final UnsafeBuffer tpBlock = new UnsafeBuffer(new byte[512]);
    int tpLength;
    final TransportParameters clientTp = new TransportParameters();

    final PacketHeaderFlyweight header = new PacketHeaderFlyweight();
    final FrameReader reader = new FrameReader();
    final TransportParameters decoded = new TransportParameters();

    @Setup(Level.Trial)
    public void setup() {
      SplittableRandom r = new SplittableRandom(1);
      byte[] cid = new byte[DCID_LENGTH];
      r.nextBytes(cid);
      UnsafeBuffer dcid = new UnsafeBuffer(cid);
      byte[] scidBytes = new byte[DCID_LENGTH];
      r.nextBytes(scidBytes);
      UnsafeBuffer scid = new UnsafeBuffer(scidBytes);
      byte[] data = new byte[DATAGRAM_LENGTH];
      r.nextBytes(data);
      datagram.putBytes(0, data);

      // 1-RTT payload: ACK (largest 1000, delay 25, first range 5, one gap/range) + DATAGRAM.
      int pos = FrameWriter.writeAck(payload, 0, 1000, 25, 5, gaps, lengths, 1);
      pos += FrameWriter.writeDatagram(payload, pos, datagram, 0, DATAGRAM_LENGTH, true);
      payloadLength = pos;

      // 1-RTT packet: short header, 2-byte packet number, the payload above, a 16-byte tag.
      int pnOff = PacketHeaderWriter.writeShortHeader(shortPacket, 0, false, dcid, 0, 8, 77, 2);
      shortPacket.putBytes(pnOff + 2, payload, 0, payloadLength);
      shortLength = pnOff + 2 + payloadLength + 16;

      // Client Initial padded to 1200 bytes.
      initialLength = 1200;
      pnOff =
          PacketHeaderWriter.writeInitial(
              initialPacket,
              0,
              PacketHeaderFlyweight.VERSION_1,
              dcid,
              0,
              8,
              scid,
              0,
              8,
              null,
              0,
              0,
              0,
              2);
      PacketHeaderWriter.patchLength(
          initialPacket, PacketHeaderWriter.lengthFieldOffset(pnOff), initialLength - pnOff);

      // A client's transport parameters (values in the range of quiche/Chromium/Kwik clients).
      clientTp.setInitialSourceConnectionId(scid, 0, DCID_LENGTH);
      clientTp.maxIdleTimeout = 30_000;
      clientTp.maxUdpPayloadSize = 1472;
      clientTp.initialMaxData = 10_000_000;
      clientTp.initialMaxStreamDataBidiLocal = 1_000_000;
      clientTp.initialMaxStreamDataBidiRemote = 1_000_000;
      clientTp.initialMaxStreamDataUni = 1_000_000;
      clientTp.initialMaxStreamsBidi = 100;
      clientTp.initialMaxStreamsUni = 100;
      clientTp.disableActiveMigration = true;
      clientTp.activeConnectionIdLimit = 4;
      clientTp.maxDatagramFrameSize = 65_535;
      tpLength = clientTp.encode(tpBlock, 0);
      // A GREASE parameter (RFC 9000 §18.1: id 31*N+27), as clients send: skipped on decode.
      tpLength += VarInt.put(tpBlock, tpLength, 31L * 1234 + 27);
      tpLength += VarInt.put(tpBlock, tpLength, 4);
      tpBlock.putInt(tpLength, 0x0a0b0c0d);
      tpLength += 4;

      // Check once that every input parses as intended.
      if (header.wrap(shortPacket, 0, shortLength, DCID_LENGTH) != PacketHeaderFlyweight.OK
          || header.wrap(initialPacket, 0, initialLength, DCID_LENGTH) != PacketHeaderFlyweight.OK
          || header.packetType() != PacketHeaderFlyweight.TYPE_INITIAL
          || header.packetEnd() != initialLength) {
        throw new IllegalStateException("header inputs do not parse");
      }
      if (decoded.decode(tpBlock, 0, tpLength, true) != TransportParameters.OK
          || !decoded.contentEquals(clientTp)) {
        throw new IllegalStateException("transport parameters do not round-trip");
      }
      int end = reader.read(payload, 0, payloadLength);
      if (reader.type() != FrameType.ACK || reader.ackRangeCount() != 1) {
        throw new IllegalStateException("ACK does not parse: " + end);
      }
      end = reader.read(payload, end, payloadLength);
      if (end != payloadLength || reader.dataLength() != DATAGRAM_LENGTH) {
        throw new IllegalStateException("DATAGRAM does not parse: " + end);
      }
    }
  }

  @Benchmark
  public long varint(VarIntState s) {
    int n = VarInt.put(s.buf, 3, s.value);
    return VarInt.get(s.buf, 3, 3 + n);
  }

  @Benchmark
  public int shortHeader(Inputs in) {
    PacketHeaderFlyweight h = in.header;
    int rc = h.wrap(in.shortPacket, 0, in.shortLength, Inputs.DCID_LENGTH);
    return rc + h.dcidOffset() + h.pnOffset();
  }

  @Benchmark
  public int initialHeader(Inputs in) {
    PacketHeaderFlyweight h = in.header;
    int rc = h.wrap(in.initialPacket, 0, in.initialLength, Inputs.DCID_LENGTH);
    return rc + h.packetType() + h.dcidOffset() + h.scidOffset() + h.pnOffset() + h.packetEnd();
  }

  @Benchmark
  public void frameRead(Inputs in, Blackhole bh) {
    FrameReader r = in.reader;
    int limit = in.payloadLength;
    int pos = 0;
    while (pos < limit) {
      pos = r.read(in.payload, pos, limit);
      if (pos < 0) {
        bh.consume(pos);
        return;
      }
      long type = r.type();
      if (type == FrameType.ACK) {
        bh.consume(r.ackLargest());
        bh.consume(r.ackDelay());
        for (int i = 0; i < r.ackRangeCount(); i++) {
          bh.consume(r.ackRangeSmallest(i));
        }
      } else if (FrameType.isDatagram(type)) {
        bh.consume(r.dataOffset());
        bh.consume(r.dataLength());
      }
    }
  }

  @Benchmark
  public int frameWrite(Inputs in) {
    int pos = FrameWriter.writeAck(in.out, 0, 1000, 25, 5, in.gaps, in.lengths, 1);
    pos += FrameWriter.writeDatagram(in.out, pos, in.datagram, 0, Inputs.DATAGRAM_LENGTH, true);
    return pos;
  }

  @Benchmark
  public int tpDecode(Inputs in) {
    return in.decoded.decode(in.tpBlock, 0, in.tpLength, true) + (int) in.decoded.initialMaxData;
  }

  @Benchmark
  public int tpEncode(Inputs in) {
    return in.clientTp.encode(in.out, 0);
  }
}
