package dev.ztna.server.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class PacketHeaderProperties {
  private static final int TAG = 16;

  private static UnsafeBuffer exact(UnsafeBuffer b, int len) {
    return new UnsafeBuffer(Arrays.copyOf(b.byteArray(), len));
  }

  private static byte[] bytes(UnsafeBuffer b, int off, int len) {
    byte[] r = new byte[len];
    b.getBytes(off, r);
    return r;
  }

  @Property
  void longHeaderRoundTrip(
      @ForAll @IntRange(min = 0, max = 2) int type,
      @ForAll @Size(max = 20) byte[] dcid,
      @ForAll @Size(max = 20) byte[] scid,
      @ForAll @Size(max = 300) byte[] token,
      @ForAll @LongRange(min = 0, max = PacketNumber.MAX) long pn,
      @ForAll @IntRange(min = 1, max = 4) int pnLen,
      @ForAll @IntRange(min = 0, max = 1500) int payloadLen,
      @ForAll @IntRange(min = 0, max = 40) int trailing) {
    UnsafeBuffer b = new UnsafeBuffer(new byte[2000 + 400]);
    byte[] tok = type == PacketHeaderFlyweight.TYPE_INITIAL ? token : new byte[0];
    int pnOff =
        PacketHeaderWriter.writeLongHeader(
            b,
            0,
            type,
            PacketHeaderFlyweight.VERSION_1,
            new UnsafeBuffer(dcid),
            0,
            dcid.length,
            new UnsafeBuffer(scid),
            0,
            scid.length,
            new UnsafeBuffer(tok),
            0,
            tok.length,
            pn,
            pnLen);
    int end = pnOff + pnLen + payloadLen;
    PacketHeaderWriter.patchLength(
        b, PacketHeaderWriter.lengthFieldOffset(pnOff), pnLen + payloadLen);
    UnsafeBuffer in = exact(b, end + trailing);

    PacketHeaderFlyweight h = new PacketHeaderFlyweight();
    assertEquals(PacketHeaderFlyweight.OK, h.wrap(in, 0, end + trailing, 8));
    assertTrue(h.isLongHeader());
    assertEquals(type, h.packetType());
    assertEquals(1, h.version());
    assertEquals(0xC0 | (type << 4) | (pnLen - 1), h.firstByte());
    assertArrayEquals(dcid, bytes(in, h.dcidOffset(), h.dcidLength()));
    assertArrayEquals(scid, bytes(in, h.scidOffset(), h.scidLength()));
    if (type == PacketHeaderFlyweight.TYPE_INITIAL) {
      assertArrayEquals(tok, bytes(in, h.tokenOffset(), h.tokenLength()));
    } else {
      assertEquals(0, h.tokenLength());
    }
    assertEquals(pnLen + payloadLen, h.lengthField());
    assertEquals(pnOff, h.pnOffset());
    assertEquals(end, h.packetEnd());
    assertEquals(pnLen, PacketHeaderFlyweight.pnLengthFromFirstByte(h.firstByte()));
    assertEquals(pn & ((1L << (8 * pnLen)) - 1), PacketNumber.read(in, h.pnOffset(), pnLen));

    // every truncation of the packet is rejected (the Length field no longer fits)
    for (int cut = 0; cut < end; cut++) {
      UnsafeBuffer t = exact(b, cut);
      int rc = h.wrap(t, 0, cut, 8);
      assertTrue(rc < 0, "cut " + cut + " rc " + rc);
    }
  }

  @Test
  void coalescedPacketsAreWalkedWithPacketEnd() {
    UnsafeBuffer b = new UnsafeBuffer(new byte[200]);
    UnsafeBuffer cid = new UnsafeBuffer(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    int pn1 = PacketHeaderWriter.writeInitial(b, 0, 1, cid, 0, 8, cid, 0, 4, null, 0, 0, 0, 1);
    PacketHeaderWriter.patchLength(b, pn1 - 2, 1 + 30);
    int second = pn1 + 31;
    int pn2 = PacketHeaderWriter.writeHandshake(b, second, 1, cid, 0, 8, cid, 0, 4, 7, 2);
    PacketHeaderWriter.patchLength(b, pn2 - 2, 2 + 20);
    int third = pn2 + 22;
    int pn3 = PacketHeaderWriter.writeShortHeader(b, third, true, cid, 0, 8, 9, 3);
    int total = pn3 + 3 + 25;
    UnsafeBuffer in = exact(b, total);
    PacketHeaderFlyweight h = new PacketHeaderFlyweight();
    assertEquals(0, h.wrap(in, 0, total, 8));
    assertEquals(PacketHeaderFlyweight.TYPE_INITIAL, h.packetType());
    assertEquals(second, h.packetEnd());
    assertEquals(0, h.wrap(in, second, total - second, 8));
    assertEquals(PacketHeaderFlyweight.TYPE_HANDSHAKE, h.packetType());
    assertEquals(third, h.packetEnd());
    assertEquals(0, h.wrap(in, third, total - third, 8));
    assertEquals(PacketHeaderFlyweight.TYPE_SHORT, h.packetType());
    assertFalse(h.isLongHeader());
    assertEquals(third + 9, h.pnOffset());
    assertEquals(total, h.packetEnd());
    assertTrue(PacketHeaderFlyweight.keyPhase(h.firstByte()));
    assertEquals(0, PacketHeaderFlyweight.reservedBits(h.firstByte()));
  }

  @Property
  void shortHeaderRoundTrip(
      @ForAll @Size(max = 20) byte[] dcid,
      @ForAll boolean keyPhase,
      @ForAll @LongRange(min = 0, max = PacketNumber.MAX) long pn,
      @ForAll @IntRange(min = 1, max = 4) int pnLen,
      @ForAll @IntRange(min = 0, max = 100) int payloadLen) {
    UnsafeBuffer b = new UnsafeBuffer(new byte[200]);
    int pnOff =
        PacketHeaderWriter.writeShortHeader(
            b, 0, keyPhase, new UnsafeBuffer(dcid), 0, dcid.length, pn, pnLen);
    int end = pnOff + pnLen + payloadLen;
    UnsafeBuffer in = exact(b, end);
    PacketHeaderFlyweight h = new PacketHeaderFlyweight();
    assertEquals(0, h.wrap(in, 0, end, dcid.length));
    assertEquals(PacketHeaderFlyweight.TYPE_SHORT, h.packetType());
    assertEquals(keyPhase, PacketHeaderFlyweight.keyPhase(h.firstByte()));
    assertEquals(0, h.firstByte() & 0x20); // spin bit
    assertArrayEquals(dcid, bytes(in, h.dcidOffset(), h.dcidLength()));
    assertEquals(1 + dcid.length, h.pnOffset());
    assertEquals(end, h.packetEnd());
    assertEquals(pn & ((1L << (8 * pnLen)) - 1), PacketNumber.read(in, pnOff, pnLen));
    for (int cut = 0; cut < 1 + dcid.length; cut++) {
      assertTrue(h.wrap(exact(b, cut), 0, cut, dcid.length) < 0);
    }
  }

  @Property
  void versionNegotiationRoundTrip(
      @ForAll @Size(max = 255) byte[] dcid,
      @ForAll @Size(max = 255) byte[] scid,
      @ForAll @Size(min = 1, max = 10) int[] versions,
      @ForAll int unusedBits) {
    UnsafeBuffer b = new UnsafeBuffer(new byte[600]);
    int n =
        VersionNegotiation.write(
            b,
            0,
            unusedBits,
            new UnsafeBuffer(dcid),
            0,
            dcid.length,
            new UnsafeBuffer(scid),
            0,
            scid.length,
            versions,
            versions.length);
    assertEquals(7 + dcid.length + scid.length + 4 * versions.length, n);
    UnsafeBuffer in = exact(b, n);
    PacketHeaderFlyweight h = new PacketHeaderFlyweight();
    assertEquals(0, h.wrap(in, 0, n, 8));
    assertEquals(PacketHeaderFlyweight.TYPE_VERSION_NEGOTIATION, h.packetType());
    assertEquals(0, h.version());
    assertEquals(0x80 | (unusedBits & 0x7f), h.firstByte());
    assertArrayEquals(dcid, bytes(in, h.dcidOffset(), h.dcidLength()));
    assertArrayEquals(scid, bytes(in, h.scidOffset(), h.scidLength()));
    assertEquals(n, h.packetEnd());
    assertEquals(versions.length, VersionNegotiation.versionCount(h));
    for (int i = 0; i < versions.length; i++) {
      assertEquals(versions[i], VersionNegotiation.versionAt(h, i));
    }
    for (int cut = 0; cut < 7 + dcid.length + scid.length; cut++) {
      assertTrue(h.wrap(exact(b, cut), 0, cut, 8) < 0);
    }
  }

  @Property
  void unknownVersionExposesLongCids(
      @ForAll @Size(max = 255) byte[] dcid,
      @ForAll @Size(max = 255) byte[] scid,
      @ForAll int version,
      @ForAll @IntRange(min = 0, max = 1300) int rest) {
    if (version == 0 || version == 1) {
      return;
    }
    UnsafeBuffer b = new UnsafeBuffer(new byte[7 + 510 + rest]);
    b.putByte(0, (byte) 0x80); // even with the fixed bit clear (RFC 8999)
    b.putInt(1, version, java.nio.ByteOrder.BIG_ENDIAN);
    b.putByte(5, (byte) dcid.length);
    b.putBytes(6, dcid);
    b.putByte(6 + dcid.length, (byte) scid.length);
    b.putBytes(7 + dcid.length, scid);
    int n = 7 + dcid.length + scid.length + rest;
    PacketHeaderFlyweight h = new PacketHeaderFlyweight();
    assertEquals(0, h.wrap(exact(b, n), 0, n, 8));
    assertEquals(PacketHeaderFlyweight.TYPE_UNKNOWN_VERSION, h.packetType());
    assertEquals(version, h.version());
    assertEquals(dcid.length, h.dcidLength());
    assertEquals(scid.length, h.scidLength());
    assertEquals(6, h.dcidOffset());
    assertEquals(7 + dcid.length, h.scidOffset());
    assertEquals(n, h.packetEnd());
    assertEquals(-1, h.pnOffset());
  }

  @Property
  void retryRoundTrip(
      @ForAll @Size(max = 20) byte[] dcid,
      @ForAll @Size(max = 20) byte[] scid,
      @ForAll @Size(max = 200) byte[] token,
      @ForAll int unused) {
    UnsafeBuffer b = new UnsafeBuffer(new byte[300]);
    int n =
        RetryPacket.writeWithoutTag(
            b,
            0,
            unused,
            1,
            new UnsafeBuffer(dcid),
            0,
            dcid.length,
            new UnsafeBuffer(scid),
            0,
            scid.length,
            new UnsafeBuffer(token),
            0,
            token.length);
    int total = n + TAG;
    UnsafeBuffer in = exact(b, total);
    PacketHeaderFlyweight h = new PacketHeaderFlyweight();
    assertEquals(0, h.wrap(in, 0, total, 8));
    assertEquals(PacketHeaderFlyweight.TYPE_RETRY, h.packetType());
    assertEquals(0xf0 | (unused & 0xf), h.firstByte());
    assertArrayEquals(dcid, bytes(in, h.dcidOffset(), h.dcidLength()));
    assertArrayEquals(scid, bytes(in, h.scidOffset(), h.scidLength()));
    assertArrayEquals(token, bytes(in, h.tokenOffset(), h.tokenLength()));
    assertEquals(total, h.packetEnd());
    assertEquals(n, h.tokenOffset() + h.tokenLength());
    for (int cut = 0; cut < 7 + dcid.length + scid.length + TAG; cut++) {
      assertTrue(h.wrap(exact(b, cut), 0, cut, 8) < 0);
    }
  }

  @Test
  void rfc9001AppendixA4RetryBytes() {
    byte[] scid = HexFormat.of().parseHex("f067a5502a4262b5");
    byte[] token = "token".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    UnsafeBuffer b = new UnsafeBuffer(new byte[64]);
    int n =
        RetryPacket.writeWithoutTag(
            b,
            0,
            0xf,
            1,
            new UnsafeBuffer(new byte[0]),
            0,
            0,
            new UnsafeBuffer(scid),
            0,
            8,
            new UnsafeBuffer(token),
            0,
            token.length);
    assertEquals(
        "ff000000010008f067a5502a4262b5746f6b656e", HexFormat.of().formatHex(b.byteArray(), 0, n));
    // with the tag from RFC 9001 §A.4 the packet parses as a Retry
    b.putBytes(n, HexFormat.of().parseHex("04a265ba2eff4d829058fb3f0f2496ba"));
    PacketHeaderFlyweight h = new PacketHeaderFlyweight();
    assertEquals(0, h.wrap(exact(b, n + TAG), 0, n + TAG, 8));
    assertEquals(PacketHeaderFlyweight.TYPE_RETRY, h.packetType());
    assertEquals(5, h.tokenLength());
    assertEquals(0, h.dcidLength());
    // pseudo-packet prefix for ODCID 8394c8f03e515708
    UnsafeBuffer p = new UnsafeBuffer(new byte[9]);
    assertEquals(
        9,
        RetryPacket.writePseudoPacketPrefix(
            p, 0, new UnsafeBuffer(HexFormat.of().parseHex("8394c8f03e515708")), 0, 8));
    assertEquals("088394c8f03e515708", HexFormat.of().formatHex(p.byteArray()));
  }

  @Test
  void version1Violations() {
    PacketHeaderFlyweight h = new PacketHeaderFlyweight();
    // DCID of 21 bytes in v1
    UnsafeBuffer b = new UnsafeBuffer(new byte[100]);
    b.putByte(0, (byte) 0xc0);
    b.putInt(1, 1, java.nio.ByteOrder.BIG_ENDIAN);
    b.putByte(5, (byte) 21);
    assertEquals(PacketHeaderFlyweight.ERR_CID_TOO_LONG, h.wrap(b, 0, 100, 8));
    // fixed bit clear in v1 long header
    b.putByte(5, (byte) 0);
    b.putByte(6, (byte) 0);
    b.putByte(0, (byte) 0x80);
    assertEquals(PacketHeaderFlyweight.ERR_FIXED_BIT, h.wrap(b, 0, 100, 8));
    // fixed bit clear in short header
    b.putByte(0, (byte) 0x00);
    assertEquals(PacketHeaderFlyweight.ERR_FIXED_BIT, h.wrap(b, 0, 100, 8));
    // Length past the datagram: Initial, empty CIDs, empty token, Length = 100
    b.putByte(0, (byte) 0xc0);
    b.putByte(7, (byte) 0);
    VarInt.putFixed(b, 8, 100, 2);
    assertEquals(PacketHeaderFlyweight.ERR_LENGTH, h.wrap(b, 0, 100, 8));
    VarInt.putFixed(b, 8, 90, 2);
    assertEquals(PacketHeaderFlyweight.OK, h.wrap(b, 0, 100, 8));
    assertEquals(100, h.packetEnd());
    // empty input
    assertEquals(PacketHeaderFlyweight.ERR_TRUNCATED, h.wrap(b, 0, 0, 8));
  }

  @Property
  void randomBytesNeverThrow(
      @ForAll @Size(max = 120) byte[] data, @ForAll @IntRange(min = 0, max = 20) int cidLen) {
    UnsafeBuffer in = new UnsafeBuffer(data);
    PacketHeaderFlyweight h = new PacketHeaderFlyweight();
    int rc = h.wrap(in, 0, data.length, cidLen);
    if (rc == 0) {
      assertTrue(h.packetEnd() <= data.length);
      assertTrue(h.dcidOffset() + h.dcidLength() <= data.length);
      if (h.isLongHeader()) {
        assertTrue(h.scidOffset() + h.scidLength() <= data.length);
      }
      if (h.tokenOffset() >= 0) {
        assertTrue(h.tokenOffset() + h.tokenLength() <= data.length);
      }
      if (h.pnOffset() >= 0) {
        assertTrue(h.pnOffset() <= h.packetEnd());
      }
    } else {
      assertTrue(rc < 0);
    }
  }

  @Property
  void randomLongHeaderV1NeverThrows(
      @ForAll @Size(max = 120) byte[] data, @ForAll @IntRange(min = 0, max = 3) int type) {
    if (data.length < 6) {
      return;
    }
    data[0] = (byte) (0xc0 | (type << 4) | (data[0] & 0x0f));
    data[1] = 0;
    data[2] = 0;
    data[3] = 0;
    data[4] = 1;
    data[5] = (byte) (data[5] & 0x1f);
    randomBytesNeverThrow(data, 8);
  }

  @Test
  void packCidAndEquals() {
    UnsafeBuffer b = new UnsafeBuffer(HexFormat.of().parseHex("0102030405060708090a"));
    assertEquals(0x0102030405060708L, PacketHeaderFlyweight.packCid(b, 0, 10));
    assertEquals(0x0102030405060708L, PacketHeaderFlyweight.packCid(b, 0, 8));
    assertEquals(0x010203L, PacketHeaderFlyweight.packCid(b, 0, 3));
    assertEquals(0L, PacketHeaderFlyweight.packCid(b, 0, 0));
    UnsafeBuffer c = new UnsafeBuffer(HexFormat.of().parseHex("ff0102030405"));
    assertTrue(PacketHeaderFlyweight.cidEquals(b, 0, 5, c, 1, 5));
    assertFalse(PacketHeaderFlyweight.cidEquals(b, 0, 5, c, 1, 4));
    assertFalse(PacketHeaderFlyweight.cidEquals(b, 1, 5, c, 1, 5));
    assertTrue(PacketHeaderFlyweight.cidEquals(b, 0, 0, c, 0, 0));
  }
}
