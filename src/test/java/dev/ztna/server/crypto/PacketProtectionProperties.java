package dev.ztna.server.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** protect/unprotect round trips for long and short headers, tampering, key update, bad input. */
class PacketProtectionProperties {

  @Provide
  Arbitrary<AeadEquivalenceProperties.Impl> impls() {
    return new AeadEquivalenceProperties().impls();
  }

  static PacketProtection pp(AeadEquivalenceProperties.Impl impl, byte[] secret) {
    return PacketProtection.create(impl.suite, secret, impl.aes);
  }

  static byte[] secret(SplittableRandom r, CipherSuite suite) {
    byte[] s = new byte[suite.hash().length()];
    r.nextBytes(s);
    return s;
  }

  /** Smallest encoding that the receiver decodes unambiguously (RFC 9000 §A.2). */
  static int pnLength(long pn, long largestAcked) {
    long range = largestAcked < 0 ? pn + 1 : pn - largestAcked;
    int bits = 64 - Long.numberOfLeadingZeros(range) + 1;
    return Math.max(1, (bits + 7) / 8);
  }

  /** Writes a header in clear; returns pnOff. */
  static int writeHeader(
      byte[] buf, int off, boolean longHeader, int pnLen, long pn, int payloadLen, int dcidLen) {
    int p = off;
    if (longHeader) {
      buf[p++] = (byte) (0xc0 | (pnLen - 1)); // Initial, reserved bits 0
      buf[p++] = 0;
      buf[p++] = 0;
      buf[p++] = 0;
      buf[p++] = 1;
      buf[p++] = (byte) dcidLen;
      p += dcidLen;
      buf[p++] = 0; // SCID len
      buf[p++] = 0; // token len
      int length = pnLen + payloadLen + 16;
      buf[p++] = (byte) (0x40 | (length >>> 8));
      buf[p++] = (byte) length;
    } else {
      buf[p++] = (byte) (0x40 | 0x04 | (pnLen - 1)); // key phase 1
      p += dcidLen;
    }
    for (int i = pnLen - 1; i >= 0; i--) {
      buf[p + pnLen - 1 - i] = (byte) (pn >>> (8 * i));
    }
    return p;
  }

  @Property(tries = 500)
  void protectUnprotectRoundTrip(
      @ForAll("impls") AeadEquivalenceProperties.Impl impl,
      @ForAll long seed,
      @ForAll boolean longHeader,
      @ForAll @LongRange(min = 0, max = (1L << 62) - 1) long pnBase,
      @ForAll @IntRange(min = 0, max = 70000) int gap,
      @ForAll @IntRange(min = 0, max = 1400) int payloadLen,
      @ForAll @IntRange(min = 0, max = 20) int dcidLen,
      @ForAll @IntRange(min = 0, max = 5) int off) {
    SplittableRandom r = new SplittableRandom(seed);
    long largest = pnBase - gap; // may be negative: nothing received yet
    if (largest < -1) {
      largest = -1;
    }
    long pn = pnBase;
    int pnLen = pnLength(pn, largest);
    if (pnLen > 4) {
      return;
    }
    int payload = Math.max(payloadLen, 4 - pnLen);
    byte[] secret = secret(r, impl.suite);
    PacketProtection sender = pp(impl, secret);
    PacketProtection receiver = pp(impl, secret);

    byte[] buf = new byte[off + 64 + payload + 16 + 7];
    r.nextBytes(buf);
    int pnOff = writeHeader(buf, off, longHeader, pnLen, pn, payload, dcidLen);
    byte[] clear = buf.clone();
    int total = sender.protect(buf, off, pnOff, pnLen, payload, pn);
    assertEquals(pnOff + pnLen + payload + 16 - off, total);
    // header-protected bits only: the fixed/form bits are untouched
    assertEquals(clear[off] & (longHeader ? 0xf0 : 0xe0), buf[off] & (longHeader ? 0xf0 : 0xe0));

    long got = receiver.unprotect(buf, off, pnOff, off + total, largest);
    assertEquals(pn, got);
    assertEquals(clear[off] & 0xff, receiver.lastFirstByte());
    assertEquals(pnOff + pnLen, receiver.lastPayloadOffset());
    assertEquals(payload, receiver.lastPayloadLength());
    assertArrayEquals(
        Arrays.copyOfRange(clear, off, pnOff + pnLen + payload),
        Arrays.copyOfRange(buf, off, pnOff + pnLen + payload));
    if (!longHeader) {
      assertEquals(0x04, receiver.lastFirstByte() & 0x04);
    }
  }

  @Property(tries = 300)
  void tamperedPacketIsRejected(
      @ForAll("impls") AeadEquivalenceProperties.Impl impl,
      @ForAll long seed,
      @ForAll boolean longHeader,
      @ForAll @IntRange(min = 0, max = 300) int payloadLen) {
    SplittableRandom r = new SplittableRandom(seed);
    long pn = r.nextLong(1L << 40);
    long largest = pn - 1 - r.nextInt(100);
    int pnLen = Math.max(2, pnLength(pn, largest));
    int payload = Math.max(payloadLen, 4);
    byte[] secret = secret(r, impl.suite);
    PacketProtection sender = pp(impl, secret);
    PacketProtection receiver = pp(impl, secret);
    byte[] buf = new byte[80 + payload + 16];
    int pnOff = writeHeader(buf, 0, longHeader, pnLen, pn, payload, 8);
    int total = sender.protect(buf, 0, pnOff, pnLen, payload, pn);
    int flipAt = r.nextInt(total);
    buf[flipAt] ^= (byte) (1 << r.nextInt(8));
    long res = receiver.unprotect(buf, 0, pnOff, total, largest);
    assertTrue(res < 0, "tampered byte " + flipAt + " of " + total + " accepted");
    // wrong packet number expectation also fails: a different key phase never opens
    assertEquals(PacketProtection.ERR_AUTH, res);
  }

  @Property(tries = 200)
  void garbageNeverThrows(
      @ForAll("impls") AeadEquivalenceProperties.Impl impl,
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 80) int size,
      @ForAll @IntRange(min = -3, max = 90) int packetOff,
      @ForAll @IntRange(min = -3, max = 90) int pnOff,
      @ForAll @IntRange(min = -3, max = 90) int end,
      @ForAll @LongRange(min = -1, max = 1000) long largest) {
    SplittableRandom r = new SplittableRandom(seed);
    PacketProtection p = pp(impl, secret(r, impl.suite));
    byte[] buf = new byte[size];
    r.nextBytes(buf);
    long res = p.unprotect(buf, packetOff, pnOff, end, largest);
    assertTrue(res < 0);
    int pr = p.protect(buf, packetOff, pnOff, 1 + r.nextInt(4), r.nextInt(40), 5);
    assertTrue(pr < 0 || pr <= size);
    p.headerProtectionMask(buf, packetOff, new byte[5]); // out of bounds: silently ignored
    p.headerProtectionMask(buf, 0, new byte[2]);
  }

  @Test
  void sampleTooShortAndArgumentChecks() {
    PacketProtection p = PacketProtection.create(CipherSuite.TLS_AES_128_GCM_SHA256, new byte[32]);
    byte[] buf = new byte[100];
    buf[0] = 0x40; // short header, pnLen 1
    // pnLen + payloadLen < 4: the sample would run past the packet
    assertEquals(PacketProtection.ERR_SHORT, p.protect(buf, 0, 1, 1, 2, 0));
    assertEquals(PacketProtection.ERR_BOUNDS, p.protect(buf, 0, 1, 2, 10, 0)); // pnLen != bits
    assertEquals(PacketProtection.ERR_BOUNDS, p.protect(buf, 0, 1, 1, 90, 0)); // no room for tag
    assertEquals(PacketProtection.ERR_BOUNDS, p.protect(buf, 0, 1, 1, 10, -1));
    assertEquals(21, p.protect(buf, 0, 1, 1, 3, 0));
    assertEquals(PacketProtection.ERR_SHORT, p.unprotect(buf, 0, 1, 20, -1));
    assertEquals(0, p.unprotect(buf, 0, 1, 21, -1));
    assertEquals(3, p.lastPayloadLength());
    assertEquals(PacketProtection.ERR_BOUNDS, p.unprotect(buf, 0, 1, 101, -1));
    assertEquals(PacketProtection.ERR_BOUNDS, p.unprotect(null, 0, 1, 21, -1));
    assertEquals(-1, p.seal(buf, 0, 10, 80, 0));
    assertEquals(-1, p.open(buf, 0, 10, 15, 0));
  }

  @Test
  void keyUpdateDerivesNewKeysAndKeepsHeaderProtection() {
    for (CipherSuite suite : CipherSuite.values()) {
      byte[] secret = new byte[suite.hash().length()];
      Arrays.fill(secret, (byte) 7);
      PacketProtection p0 = PacketProtection.create(suite, secret);
      PacketProtection p1 = p0.nextKeyPhase();
      PacketProtection p2 = p1.nextKeyPhase();
      assertArrayEquals(
          Hkdf.expandLabel(suite.hash(), secret, "quic ku", new byte[0], suite.hash().length()),
          p1.secret());
      assertFalse(Arrays.equals(p0.key(), p1.key()));
      assertFalse(Arrays.equals(p0.iv(), p1.iv()));
      assertFalse(Arrays.equals(p1.key(), p2.key()));
      assertArrayEquals(p0.hpKey(), p1.hpKey());
      assertArrayEquals(p0.hpKey(), p2.hpKey());

      // a packet of phase 1 (key phase bit set) fails with phase 0 keys and opens with phase 1
      byte[] buf = new byte[64];
      buf[0] = 0x44 | 0x01; // short header, key phase 1, pnLen 2
      int pnOff = 1 + 8;
      buf[pnOff + 1] = 9;
      int total = p1.protect(buf, 0, pnOff, 2, 20, 9);
      byte[] copy = buf.clone();
      assertEquals(PacketProtection.ERR_AUTH, p0.unprotect(copy, 0, pnOff, total, 8));
      // the header protection is the same, so phase 0 unmasked the header correctly:
      assertEquals(0x45, copy[0] & 0xff);
      assertEquals(9, p1.unprotect(buf, 0, pnOff, total, 8));
      assertEquals(0x04, p1.lastFirstByte() & 0x04);
    }
  }
}
