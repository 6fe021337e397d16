package dev.ztna.server.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Byte-exact checks against RFC 9001 Appendix A. */
class RfcVectorsTest {
  private static final HexFormat HEX = HexFormat.of();

  private static UnsafeBuffer hex(String s) {
    return new UnsafeBuffer(HEX.parseHex(s));
  }

  private static String hex(UnsafeBuffer b, int off, int len) {
    return HEX.formatHex(b.byteArray(), off, off + len);
  }

  @Test
  void clientInitialUnprotectedHeaderA2() {
    UnsafeBuffer out = new UnsafeBuffer(new byte[1200]);
    UnsafeBuffer dcid = hex("8394c8f03e515708");
    int pnOff =
        PacketHeaderWriter.writeInitial(out, 0, 1, dcid, 0, 8, null, 0, 0, null, 0, 0, 2, 4);
    PacketHeaderWriter.patchLength(out, PacketHeaderWriter.lengthFieldOffset(pnOff), 1182);
    assertEquals("c300000001088394c8f03e5157080000449e00000002", hex(out, 0, pnOff + 4));
    // the CRYPTO frame carrying the 241-byte ClientHello starts 060040f1
    assertEquals(4, FrameWriter.writeCryptoHeader(out, 0, 0, 241));
    assertEquals("060040f1", hex(out, 0, 4));
  }

  @Test
  void clientInitialProtectedHeaderParsesA2() {
    UnsafeBuffer in = new UnsafeBuffer(new byte[1200]);
    in.putBytes(0, HEX.parseHex("c000000001088394c8f03e5157080000449e7b9aec34"));
    PacketHeaderFlyweight h = new PacketHeaderFlyweight();
    assertEquals(0, h.wrap(in, 0, 1200, 8));
    assertEquals(PacketHeaderFlyweight.TYPE_INITIAL, h.packetType());
    assertEquals(8, h.dcidLength());
    assertEquals(0x8394c8f03e515708L, PacketHeaderFlyweight.packCid(in, h.dcidOffset(), 8));
    assertEquals(0, h.scidLength());
    assertEquals(0, h.tokenLength());
    assertEquals(1182, h.lengthField());
    assertEquals(18, h.pnOffset());
    assertEquals(1200, h.packetEnd());
    // one byte short: Length no longer fits
    assertEquals(PacketHeaderFlyweight.ERR_LENGTH, h.wrap(in, 0, 1199, 8));
  }

  @Test
  void serverInitialUnprotectedHeaderA3() {
    UnsafeBuffer out = new UnsafeBuffer(new byte[64]);
    UnsafeBuffer scid = hex("f067a5502a4262b5");
    int pnOff =
        PacketHeaderWriter.writeInitial(out, 0, 1, null, 0, 0, scid, 0, 8, null, 0, 0, 1, 2);
    PacketHeaderWriter.patchLength(out, pnOff - 2, 0x75);
    assertEquals("c1000000010008f067a5502a4262b50040750001", hex(out, 0, pnOff + 2));
  }

  @Test
  void chachaShortHeaderA5() {
    UnsafeBuffer out = new UnsafeBuffer(new byte[8]);
    int pnOff = PacketHeaderWriter.writeShortHeader(out, 0, false, null, 0, 0, 654360564L, 3);
    assertEquals(1, pnOff);
    assertEquals("4200bff4", hex(out, 0, 4));
    // the protected packet parses as a short header with an empty DCID
    UnsafeBuffer in = hex("4cfe4189655e5cd55c41f69080575d7999c25a5bfb");
    PacketHeaderFlyweight h = new PacketHeaderFlyweight();
    assertEquals(0, h.wrap(in, 0, 21, 0));
    assertEquals(PacketHeaderFlyweight.TYPE_SHORT, h.packetType());
    assertEquals(1, h.pnOffset());
    assertEquals(21, h.packetEnd());
    // recovering 654360564 from its 3-byte truncation 0x00bff4 near the previous number
    assertEquals(654360564L, PacketNumber.decode(654360563L, 0x00bff4, 24));
  }

  @Test
  void clientTransportParametersA2() {
    UnsafeBuffer in =
        hex(
            "0408ffffffffffffffff05048000ffff07048000ffff0801100104800075300901100f08"
                + "8394c8f03e51570806048000ffff");
    TransportParameters p = new TransportParameters();
    assertEquals(0, p.decode(in, 0, in.capacity(), true), p.errorReason());
    assertEquals(VarInt.MAX, p.initialMaxData);
    assertEquals(65535, p.initialMaxStreamDataBidiLocal);
    assertEquals(65535, p.initialMaxStreamDataBidiRemote);
    assertEquals(65535, p.initialMaxStreamDataUni);
    assertEquals(16, p.initialMaxStreamsBidi);
    assertEquals(16, p.initialMaxStreamsUni);
    assertEquals(30000, p.maxIdleTimeout);
    assertEquals(8, p.initialSourceConnectionIdLength);
    assertTrue(
        PacketHeaderFlyweight.cidEquals(
            new UnsafeBuffer(p.initialSourceConnectionId), 0, 8, hex("8394c8f03e515708"), 0, 8));
    assertEquals(65527, p.maxUdpPayloadSize);
    assertEquals(-1, p.originalDestinationConnectionIdLength);
    // re-encoding yields the same parameters (order and varint sizes may differ)
    UnsafeBuffer out = new UnsafeBuffer(new byte[128]);
    int n = p.encode(out, 0);
    TransportParameters q = new TransportParameters();
    assertEquals(0, q.decode(out, 0, n, true));
    assertTrue(p.contentEquals(q));
  }
}
