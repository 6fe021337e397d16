package dev.ztna.server.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class FrameProperties {
  private static final long MAX = VarInt.MAX;

  private final UnsafeBuffer out = new UnsafeBuffer(new byte[4096]);
  private final FrameReader r = new FrameReader();

  private static UnsafeBuffer exact(DirectBuffer b, int n) {
    byte[] a = new byte[n];
    b.getBytes(0, a, 0, n);
    return new UnsafeBuffer(a);
  }

  private static byte[] bytes(DirectBuffer b, int off, int len) {
    byte[] a = new byte[len];
    b.getBytes(off, a, 0, len);
    return a;
  }

  /** Reads the single frame of n bytes from an exactly-sized buffer; checks all truncations. */
  private UnsafeBuffer readBack(int n, long expectedType, int detectableCuts) {
    return readBack(n, expectedType, detectableCuts, detectableCuts >= n);
  }

  private UnsafeBuffer readBack(
      int n, long expectedType, int detectableCuts, boolean selfDelimiting) {
    UnsafeBuffer in = exact(out, n);
    assertEquals(n, r.read(in, 0, n));
    assertEquals(expectedType, r.type());
    assertEquals(0, r.frameOffset());
    for (int cut = 0; cut < Math.min(n, detectableCuts); cut++) {
      FrameReader t = new FrameReader();
      int rc = t.read(exact(out, cut), 0, cut);
      assertTrue(rc < 0, "cut " + cut + " of " + n + " returned " + rc);
    }
    // the same frame followed by another byte still ends at n
    UnsafeBuffer longer = exact(out, n + 1);
    if (selfDelimiting) {
      FrameReader t = new FrameReader();
      assertEquals(n, t.read(longer, 0, n + 1));
    }
    return in;
  }

  private UnsafeBuffer readBack(int n, long expectedType) {
    return readBack(n, expectedType, n);
  }

  @Provide
  Arbitrary<Long> v() {
    return Arbitraries.oneOf(
        Arbitraries.longs().between(0, 63),
        Arbitraries.longs().between(0, 16383),
        Arbitraries.longs().between(0, MAX));
  }

  @Property
  void padding(@ForAll @IntRange(min = 1, max = 1500) int count) {
    int n = FrameWriter.writePadding(out, 0, count);
    assertEquals(count, n);
    UnsafeBuffer in = exact(out, n);
    assertEquals(n, r.read(in, 0, n));
    assertEquals(FrameType.PADDING, r.type());
    assertEquals(count, r.paddingLength());
    // padding followed by PING stops at the PING
    out.putByte(n, (byte) 1);
    assertEquals(n, r.read(exact(out, n + 1), 0, n + 1));
  }

  @Test
  void pingAndHandshakeDone() {
    assertEquals(1, FrameWriter.writePing(out, 0));
    readBack(1, FrameType.PING);
    assertEquals(1, FrameWriter.writeHandshakeDone(out, 0));
    readBack(1, FrameType.HANDSHAKE_DONE);
  }

  @Property
  void ack(
      @ForAll @LongRange(min = 0, max = 1L << 40) long firstRange,
      @ForAll @Size(max = 40) List<@LongRange(min = 0, max = 100000) Long> gapsAndLengths,
      @ForAll @LongRange(min = 0, max = 1L << 40) long extra,
      @ForAll("v") long delay,
      @ForAll boolean ecn,
      @ForAll("v") long ect0,
      @ForAll("v") long ect1,
      @ForAll("v") long ce) {
    int count = gapsAndLengths.size() / 2;
    long[] gaps = new long[count];
    long[] lens = new long[count];
    long needed = firstRange;
    for (int i = 0; i < count; i++) {
      gaps[i] = gapsAndLengths.get(2 * i);
      lens[i] = gapsAndLengths.get(2 * i + 1);
      needed += gaps[i] + 2 + lens[i];
    }
    long largest = needed + extra;
    int n =
        ecn
            ? FrameWriter.writeAckEcn(
                out, 0, largest, delay, firstRange, gaps, lens, count, ect0, ect1, ce)
            : FrameWriter.writeAck(out, 0, largest, delay, firstRange, gaps, lens, count);
    readBack(n, ecn ? FrameType.ACK_ECN : FrameType.ACK);
    assertEquals(largest, r.ackLargest());
    assertEquals(delay, r.ackDelay());
    assertEquals(firstRange, r.ackFirstRange());
    assertEquals(count, r.ackRangeCount());
    assertEquals(ecn, r.hasEcn());
    long smallest = largest - firstRange;
    for (int i = 0; i < count; i++) {
      assertEquals(gaps[i], r.ackGap(i));
      assertEquals(lens[i], r.ackRangeLength(i));
      assertEquals(smallest - gaps[i] - 2, r.ackRangeLargest(i));
      smallest = r.ackRangeLargest(i) - lens[i];
      assertEquals(smallest, r.ackRangeSmallest(i));
    }
    assertEquals(extra, smallest);
    if (ecn) {
      assertEquals(ect0, r.ecnEct0());
      assertEquals(ect1, r.ecnEct1());
      assertEquals(ce, r.ecnCe());
    }
    assertFalse(FrameType.isAckEliciting(r.type()));
    if (extra == 0 && count > 0) {
      // one more packet below zero underflows
      lens[count - 1]++;
      int m = FrameWriter.writeAck(out, 0, largest, delay, firstRange, gaps, lens, count);
      assertEquals(FrameReader.ERR_ACK_RANGE, r.read(exact(out, m), 0, m));
    }
  }

  @Test
  void ackErrors() {
    long[] none = new long[0];
    int n = FrameWriter.writeAck(out, 0, 5, 0, 6, none, none, 0);
    assertEquals(FrameReader.ERR_ACK_RANGE, r.read(exact(out, n), 0, n));
    // gap reaching below zero: largest 5, first 5 -> smallest 0, gap 0 -> -2
    n = FrameWriter.writeAck(out, 0, 5, 0, 5, new long[] {0}, new long[] {0}, 1);
    assertEquals(FrameReader.ERR_ACK_RANGE, r.read(exact(out, n), 0, n));
    // exactly reaching 0: largest 10, first 0 -> smallest 10, gap 0 -> 8, length 8 -> 0
    n = FrameWriter.writeAck(out, 0, 10, 0, 0, new long[] {0}, new long[] {8}, 1);
    assertEquals(n, r.read(exact(out, n), 0, n));
    assertEquals(0, r.ackRangeSmallest(0));
    // too many ranges
    int count = FrameReader.MAX_ACK_RANGES + 1;
    long[] z = new long[count];
    n = FrameWriter.writeAck(out, 0, 10000, 0, 0, z, z, count);
    assertEquals(FrameReader.ERR_ACK_TOO_MANY_RANGES, r.read(exact(out, n), 0, n));
    n =
        FrameWriter.writeAck(
            out, 0, 10000, 0, 0, z, z, FrameReader.MAX_ACK_RANGES); // exactly the capacity is fine
    assertEquals(n, r.read(exact(out, n), 0, n));
  }

  @Property
  void resetStream(@ForAll("v") long id, @ForAll("v") long code, @ForAll("v") long size) {
    int n = FrameWriter.writeResetStream(out, 0, id, code, size);
    readBack(n, FrameType.RESET_STREAM);
    assertEquals(id, r.streamId());
    assertEquals(code, r.errorCode());
    assertEquals(size, r.finalSize());
  }

  @Property
  void stopSending(@ForAll("v") long id, @ForAll("v") long code) {
    int n = FrameWriter.writeStopSending(out, 0, id, code);
    readBack(n, FrameType.STOP_SENDING);
    assertEquals(id, r.streamId());
    assertEquals(code, r.errorCode());
  }

  @Property
  void crypto(
      @ForAll @LongRange(min = 0, max = MAX - 2000) long offset,
      @ForAll @Size(max = 1200) byte[] data) {
    int n = FrameWriter.writeCrypto(out, 0, offset, new UnsafeBuffer(data), 0, data.length);
    assertEquals(FrameWriter.cryptoHeaderLength(offset, data.length) + data.length, n);
    UnsafeBuffer in = readBack(n, FrameType.CRYPTO);
    assertEquals(offset, r.offset());
    assertArrayEquals(data, bytes(in, r.dataOffset(), r.dataLength()));
  }

  @Test
  void cryptoOffsetLimit() {
    int n = FrameWriter.writeCrypto(out, 0, MAX, new UnsafeBuffer(new byte[1]), 0, 1);
    assertEquals(FrameReader.ERR_CRYPTO_OFFSET, r.read(exact(out, n), 0, n));
    n = FrameWriter.writeCrypto(out, 0, MAX - 1, new UnsafeBuffer(new byte[1]), 0, 1);
    assertEquals(n, r.read(exact(out, n), 0, n));
  }

  @Property
  void newToken(@ForAll @Size(min = 1, max = 300) byte[] token) {
    int n = FrameWriter.writeNewToken(out, 0, new UnsafeBuffer(token), 0, token.length);
    UnsafeBuffer in = readBack(n, FrameType.NEW_TOKEN);
    assertArrayEquals(token, bytes(in, r.tokenOffset(), r.tokenLength()));
  }

  @Test
  void emptyNewTokenRejected() {
    out.putByte(0, (byte) 0x07);
    out.putByte(1, (byte) 0);
    assertEquals(FrameReader.ERR_EMPTY_TOKEN, r.read(exact(out, 2), 0, 2));
  }

  @Property
  void stream(
      @ForAll("v") long id,
      @ForAll @LongRange(min = 0, max = MAX - 2000) long offset,
      @ForAll @Size(max = 1200) byte[] data,
      @ForAll boolean fin,
      @ForAll boolean withLength) {
    int n =
        FrameWriter.writeStream(
            out, 0, id, offset, new UnsafeBuffer(data), 0, data.length, fin, withLength);
    int header = FrameWriter.streamHeaderLength(id, offset, data.length, withLength);
    assertEquals(header + data.length, n);
    long type =
        FrameType.STREAM
            | (offset != 0 ? FrameType.STREAM_BIT_OFF : 0)
            | (withLength ? FrameType.STREAM_BIT_LEN : 0)
            | (fin ? FrameType.STREAM_BIT_FIN : 0);
    UnsafeBuffer in = readBack(n, type, withLength ? n : header, withLength);
    assertTrue(FrameType.isStream(r.type()));
    assertEquals(id, r.streamId());
    assertEquals(offset, r.offset());
    assertEquals(fin, r.fin());
    assertArrayEquals(data, bytes(in, r.dataOffset(), r.dataLength()));
  }

  @Test
  void streamOffsetLimit() {
    int n =
        FrameWriter.writeStream(out, 0, 4, MAX, new UnsafeBuffer(new byte[2]), 0, 2, false, true);
    assertEquals(FrameReader.ERR_STREAM_OFFSET, r.read(exact(out, n), 0, n));
    // offset MAX with no data is allowed (e.g. a FIN)
    n = FrameWriter.writeStream(out, 0, 4, MAX, null, 0, 0, true, true);
    assertEquals(n, r.read(exact(out, n), 0, n));
  }

  @Property
  void maxDataAndBlocked(@ForAll("v") long max, @ForAll("v") long id) {
    int n = FrameWriter.writeMaxData(out, 0, max);
    readBack(n, FrameType.MAX_DATA);
    assertEquals(max, r.maximum());
    n = FrameWriter.writeDataBlocked(out, 0, max);
    readBack(n, FrameType.DATA_BLOCKED);
    assertEquals(max, r.maximum());
    n = FrameWriter.writeMaxStreamData(out, 0, id, max);
    readBack(n, FrameType.MAX_STREAM_DATA);
    assertEquals(id, r.streamId());
    assertEquals(max, r.maximum());
    n = FrameWriter.writeStreamDataBlocked(out, 0, id, max);
    readBack(n, FrameType.STREAM_DATA_BLOCKED);
    assertEquals(id, r.streamId());
    assertEquals(max, r.maximum());
  }

  @Property
  void maxStreamsAndStreamsBlocked(
      @ForAll @LongRange(min = 0, max = 1L << 60) long max, @ForAll boolean bidi) {
    int n = FrameWriter.writeMaxStreams(out, 0, bidi, max);
    readBack(n, bidi ? FrameType.MAX_STREAMS_BIDI : FrameType.MAX_STREAMS_UNI);
    assertEquals(max, r.maximum());
    assertEquals(bidi, r.isBidirectional());
    n = FrameWriter.writeStreamsBlocked(out, 0, bidi, max);
    readBack(n, bidi ? FrameType.STREAMS_BLOCKED_BIDI : FrameType.STREAMS_BLOCKED_UNI);
    assertEquals(max, r.maximum());
    assertEquals(bidi, r.isBidirectional());
  }

  @Test
  void streamCountLimit() {
    for (int t = 0x12; t <= 0x17; t++) {
      if (t == 0x14 || t == 0x15) {
        continue;
      }
      out.putByte(0, (byte) t);
      int n = 1 + VarInt.put(out, 1, (1L << 60) + 1);
      assertEquals(FrameReader.ERR_MAX_STREAMS, r.read(exact(out, n), 0, n));
    }
  }

  @Property
  void newConnectionId(
      @ForAll("v") long seq,
      @ForAll("v") long rptSeed,
      @ForAll @Size(min = 1, max = 20) byte[] cid,
      @ForAll @Size(value = 16) byte[] token) {
    long rpt = rptSeed % (seq + 1);
    int n =
        FrameWriter.writeNewConnectionId(
            out, 0, seq, rpt, new UnsafeBuffer(cid), 0, cid.length, new UnsafeBuffer(token), 0);
    UnsafeBuffer in = readBack(n, FrameType.NEW_CONNECTION_ID);
    assertEquals(seq, r.sequence());
    assertEquals(rpt, r.retirePriorTo());
    assertArrayEquals(cid, bytes(in, r.cidOffset(), r.cidLength()));
    assertArrayEquals(token, bytes(in, r.resetTokenOffset(), 16));
  }

  @Test
  void newConnectionIdErrors() {
    // length 0
    int pos = 0;
    out.putByte(pos++, (byte) 0x18);
    out.putByte(pos++, (byte) 1);
    out.putByte(pos++, (byte) 0);
    out.putByte(pos++, (byte) 0);
    int n = pos + 16;
    assertEquals(FrameReader.ERR_CID_LENGTH, r.read(exact(out, n), 0, n));
    out.putByte(3, (byte) 21);
    n = 4 + 21 + 16;
    assertEquals(FrameReader.ERR_CID_LENGTH, r.read(exact(out, n), 0, n));
    // retire prior to > sequence
    out.putByte(1, (byte) 1);
    out.putByte(2, (byte) 2);
    out.putByte(3, (byte) 8);
    n = 4 + 8 + 16;
    assertEquals(FrameReader.ERR_RETIRE_PRIOR_TO, r.read(exact(out, n), 0, n));
    out.putByte(2, (byte) 1);
    assertEquals(n, r.read(exact(out, n), 0, n));
  }

  @Property
  void retireConnectionId(@ForAll("v") long seq) {
    int n = FrameWriter.writeRetireConnectionId(out, 0, seq);
    readBack(n, FrameType.RETIRE_CONNECTION_ID);
    assertEquals(seq, r.sequence());
  }

  @Property
  void pathChallengeResponse(@ForAll long data) {
    assertEquals(9, FrameWriter.writePathChallenge(out, 0, data));
    readBack(9, FrameType.PATH_CHALLENGE);
    assertEquals(data, r.pathData());
    assertEquals(9, FrameWriter.writePathResponse(out, 0, data));
    readBack(9, FrameType.PATH_RESPONSE);
    assertEquals(data, r.pathData());
  }

  @Property
  void connectionClose(
      @ForAll boolean app,
      @ForAll("v") long code,
      @ForAll("v") long frameType,
      @ForAll @Size(max = 300) byte[] reason) {
    int n =
        FrameWriter.writeConnectionClose(
            out, 0, app, code, frameType, new UnsafeBuffer(reason), 0, reason.length);
    UnsafeBuffer in =
        readBack(n, app ? FrameType.CONNECTION_CLOSE_APP : FrameType.CONNECTION_CLOSE);
    assertEquals(app, r.isApplicationClose());
    assertEquals(code, r.errorCode());
    assertEquals(app ? 0 : frameType, r.frameTypeField());
    assertArrayEquals(reason, bytes(in, r.reasonOffset(), r.reasonLength()));
    assertFalse(FrameType.isAckEliciting(r.type()));
  }

  @Property
  void datagram(@ForAll @Size(max = 1400) byte[] data, @ForAll boolean withLength) {
    int n = FrameWriter.writeDatagram(out, 0, new UnsafeBuffer(data), 0, data.length, withLength);
    int header = FrameWriter.datagramHeaderLength(data.length, withLength);
    assertEquals(header + data.length, n);
    UnsafeBuffer in =
        readBack(
            n,
            withLength ? FrameType.DATAGRAM_WITH_LENGTH : FrameType.DATAGRAM,
            withLength ? n : header,
            withLength);
    assertArrayEquals(data, bytes(in, r.dataOffset(), r.dataLength()));
    assertTrue(FrameType.isAckEliciting(r.type()));
  }

  @Property
  void observedAddress(
      @ForAll("v") long seq,
      @ForAll boolean v6,
      @ForAll @Size(value = 16) byte[] addr,
      @ForAll @IntRange(min = 0, max = 65535) int port) {
    int aLen = v6 ? 16 : 4;
    int n = FrameWriter.writeObservedAddress(out, 0, seq, new UnsafeBuffer(addr), 0, aLen, port);
    UnsafeBuffer in =
        readBack(n, v6 ? FrameType.OBSERVED_ADDRESS_V6 : FrameType.OBSERVED_ADDRESS_V4);
    assertEquals(4 + VarInt.sizeOf(seq) + aLen + 2, n);
    assertEquals(seq, r.sequence());
    assertEquals(aLen, r.addressLength());
    assertArrayEquals(Arrays.copyOf(addr, aLen), bytes(in, r.addressOffset(), aLen));
    assertEquals(port, r.port());
  }

  @Test
  void unknownAndNonMinimalTypes() {
    out.putByte(0, (byte) 0x1f);
    assertEquals(FrameReader.ERR_UNKNOWN_TYPE, r.read(exact(out, 1), 0, 1));
    out.putByte(0, (byte) 0x21);
    assertEquals(FrameReader.ERR_UNKNOWN_TYPE, r.read(exact(out, 1), 0, 1));
    // PING encoded in two bytes
    VarInt.putFixed(out, 0, 1, 2);
    assertEquals(FrameReader.ERR_TYPE_NOT_MINIMAL, r.read(exact(out, 2), 0, 2));
    assertEquals(
        TransportError.PROTOCOL_VIOLATION,
        FrameReader.transportError(FrameReader.ERR_TYPE_NOT_MINIMAL));
    assertEquals(
        TransportError.FRAME_ENCODING_ERROR,
        FrameReader.transportError(FrameReader.ERR_UNKNOWN_TYPE));
    // OBSERVED_ADDRESS type with an 8-byte encoding
    VarInt.putFixed(out, 0, FrameType.OBSERVED_ADDRESS_V4, 8);
    assertEquals(FrameReader.ERR_TYPE_NOT_MINIMAL, r.read(exact(out, 8), 0, 8));
    assertEquals(FrameReader.ERR_TRUNCATED, r.read(exact(out, 0), 0, 0));
  }

  @Test
  void frameTypeClassification() {
    assertTrue(FrameType.isAllowedIn(FrameType.CRYPTO, PacketHeaderFlyweight.TYPE_INITIAL));
    assertTrue(FrameType.isAllowedIn(FrameType.ACK_ECN, PacketHeaderFlyweight.TYPE_HANDSHAKE));
    assertFalse(
        FrameType.isAllowedIn(FrameType.CONNECTION_CLOSE_APP, PacketHeaderFlyweight.TYPE_INITIAL));
    assertFalse(FrameType.isAllowedIn(FrameType.STREAM, PacketHeaderFlyweight.TYPE_HANDSHAKE));
    assertFalse(FrameType.isAllowedIn(FrameType.ACK, PacketHeaderFlyweight.TYPE_ZERO_RTT));
    assertTrue(FrameType.isAllowedIn(FrameType.DATAGRAM, PacketHeaderFlyweight.TYPE_ZERO_RTT));
    assertFalse(
        FrameType.isAllowedIn(FrameType.HANDSHAKE_DONE, PacketHeaderFlyweight.TYPE_ZERO_RTT));
    assertTrue(
        FrameType.isAllowedIn(FrameType.OBSERVED_ADDRESS_V6, PacketHeaderFlyweight.TYPE_SHORT));
    assertTrue(FrameType.isAckEliciting(FrameType.PING));
    assertFalse(FrameType.isAckEliciting(FrameType.PADDING));
    assertTrue(FrameType.countsInFlight(FrameType.PADDING));
    assertFalse(FrameType.countsInFlight(FrameType.ACK));
  }

  /** A packet payload of several random valid frames reads back in order. */
  @Property
  void sequenceOfFrames(
      @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 9) Integer> kinds,
      @ForAll("v") long value) {
    int pos = 0;
    long[] types = new long[kinds.size()];
    int[] ends = new int[kinds.size()];
    UnsafeBuffer data =
        new UnsafeBuffer(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
    for (int i = 0; i < kinds.size(); i++) {
      switch (kinds.get(i)) {
        case 0:
          pos += FrameWriter.writePing(out, pos);
          types[i] = FrameType.PING;
          break;
        case 1:
          pos += FrameWriter.writeMaxData(out, pos, value);
          types[i] = FrameType.MAX_DATA;
          break;
        case 2:
          pos += FrameWriter.writeCrypto(out, pos, 0, data, 0, 13);
          types[i] = FrameType.CRYPTO;
          break;
        case 3:
          pos += FrameWriter.writeStream(out, pos, value, 5, data, 0, 13, true, true);
          types[i] = 0x0f;
          break;
        case 4:
          pos += FrameWriter.writeDatagram(out, pos, data, 0, 13, true);
          types[i] = FrameType.DATAGRAM_WITH_LENGTH;
          break;
        case 5:
          pos += FrameWriter.writeObservedAddress(out, pos, value, data, 0, 16, 443);
          types[i] = FrameType.OBSERVED_ADDRESS_V6;
          break;
        case 6:
          pos += FrameWriter.writeConnectionClose(out, pos, false, value, 6, data, 0, 5);
          types[i] = FrameType.CONNECTION_CLOSE;
          break;
        case 7:
          pos += FrameWriter.writeNewConnectionId(out, pos, value, 0, data, 0, 8, data, 0);
          types[i] = FrameType.NEW_CONNECTION_ID;
          break;
        case 8:
          pos += FrameWriter.writeAck(out, pos, value, value, 0, null, null, 0);
          types[i] = FrameType.ACK;
          break;
        default:
          pos += FrameWriter.writePathChallenge(out, pos, value);
          types[i] = FrameType.PATH_CHALLENGE;
          break;
      }
      ends[i] = pos;
    }
    UnsafeBuffer in = exact(out, pos);
    int p = 0;
    for (int i = 0; i < types.length; i++) {
      p = r.read(in, p, pos);
      assertEquals(ends[i], p);
      assertEquals(types[i], r.type());
    }
    assertEquals(pos, p);
  }

  /** Random input: never throws, never reads past the limit, always progresses. */
  @Property(tries = 3000)
  void randomBytesNeverThrow(@ForAll @Size(max = 200) byte[] data, @ForAll boolean knownType) {
    if (knownType && data.length > 0) {
      data[0] = (byte) Math.floorMod(data[0], 0x1f);
    }
    UnsafeBuffer in = new UnsafeBuffer(data);
    int p = 0;
    while (p < data.length) {
      int next = r.read(in, p, data.length);
      if (next < 0) {
        break;
      }
      assertTrue(next > p && next <= data.length);
      p = next;
    }
  }
}
