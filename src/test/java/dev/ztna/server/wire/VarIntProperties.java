package dev.ztna.server.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class VarIntProperties {

  @Provide
  Arbitrary<Long> varints() {
    return Arbitraries.oneOf(
        Arbitraries.longs().between(0, 63),
        Arbitraries.longs().between(0, 16383),
        Arbitraries.longs().between(0, 1073741823),
        Arbitraries.longs().between(0, VarInt.MAX),
        Arbitraries.of(0L, 63L, 64L, 16383L, 16384L, 1073741823L, 1073741824L, VarInt.MAX));
  }

  @Property
  void roundTripMinimal(@ForAll("varints") long v) {
    UnsafeBuffer b = new UnsafeBuffer(new byte[8]);
    int n = VarInt.put(b, 0, v);
    assertEquals(VarInt.sizeOf(v), n);
    assertEquals(n, VarInt.lengthFromFirstByte(b.getByte(0)));
    UnsafeBuffer exact = new UnsafeBuffer(b.byteArray(), 0, n);
    assertEquals(v, VarInt.get(exact, 0, n));
    for (int lim = 0; lim < n; lim++) {
      assertEquals(-1, VarInt.get(exact, 0, lim));
    }
  }

  @Property
  void roundTripFixed(@ForAll("varints") long v, @ForAll @IntRange(min = 0, max = 3) int lenExp) {
    int len = 1 << lenExp;
    UnsafeBuffer b = new UnsafeBuffer(new byte[len]);
    if (VarInt.sizeOf(v) > len) {
      assertThrows(IllegalArgumentException.class, () -> VarInt.putFixed(b, 0, v, len));
      return;
    }
    assertEquals(len, VarInt.putFixed(b, 0, v, len));
    assertEquals(len, VarInt.lengthFromFirstByte(b.getByte(0)));
    assertEquals(v, VarInt.get(b, 0, len));
  }

  @Property
  void randomBytesNeverThrow(@ForAll byte[] bytes, @ForAll @IntRange(min = 0, max = 20) int off) {
    UnsafeBuffer b = new UnsafeBuffer(bytes);
    long v = VarInt.get(b, off, bytes.length);
    if (off >= bytes.length) {
      assertEquals(-1, v);
    } else if (v >= 0) {
      assertTrue(off + VarInt.lengthFromFirstByte(bytes[off]) <= bytes.length);
      assertTrue(v <= VarInt.MAX);
    } else {
      assertTrue(off + VarInt.lengthFromFirstByte(bytes[off]) > bytes.length);
    }
  }

  private static long decodeHex(String hex) {
    byte[] bytes = HexFormat.of().parseHex(hex);
    UnsafeBuffer b = new UnsafeBuffer(bytes);
    assertEquals(bytes.length, VarInt.lengthFromFirstByte(bytes[0]));
    return VarInt.get(b, 0, bytes.length);
  }

  @Test
  void rfc9000AppendixA1Examples() {
    assertEquals(151288809941952652L, decodeHex("c2197c5eff14e88c"));
    assertEquals(494878333L, decodeHex("9d7f3e7d"));
    assertEquals(15293L, decodeHex("7bbd"));
    assertEquals(37L, decodeHex("25"));
    assertEquals(37L, decodeHex("4025"));
    UnsafeBuffer b = new UnsafeBuffer(new byte[8]);
    assertEquals(8, VarInt.put(b, 0, 151288809941952652L));
    assertEquals("c2197c5eff14e88c", HexFormat.of().formatHex(b.byteArray(), 0, 8));
    assertEquals(4, VarInt.put(b, 0, 494878333L));
    assertEquals("9d7f3e7d", HexFormat.of().formatHex(b.byteArray(), 0, 4));
    assertEquals(2, VarInt.put(b, 0, 15293L));
    assertEquals("7bbd", HexFormat.of().formatHex(b.byteArray(), 0, 2));
    assertEquals(1, VarInt.put(b, 0, 37L));
    assertEquals("25", HexFormat.of().formatHex(b.byteArray(), 0, 1));
  }

  @Test
  void outOfRangeIsProgrammingError() {
    assertThrows(IllegalArgumentException.class, () -> VarInt.sizeOf(-1));
    assertThrows(IllegalArgumentException.class, () -> VarInt.sizeOf(VarInt.MAX + 1));
    UnsafeBuffer b = new UnsafeBuffer(new byte[8]);
    assertThrows(IllegalArgumentException.class, () -> VarInt.putFixed(b, 0, 1, 3));
    assertThrows(IllegalArgumentException.class, () -> VarInt.put(b, 0, -5));
  }
}
