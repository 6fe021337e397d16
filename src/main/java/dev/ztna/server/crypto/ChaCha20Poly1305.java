package dev.ztna.server.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * ChaCha20-Poly1305 AEAD (RFC 8439 §2.8) in plain Java, allocation-free per call. Poly1305 uses
 * five 26-bit limbs with 64-bit products. Not thread-safe.
 */
final class ChaCha20Poly1305 implements Aead {
  static final String NAME = "portable ChaCha20-Poly1305";

  private static final VarHandle LE_INT = ChaCha20.LE_INT;
  private static final VarHandle NE_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

  private final int[] key;
  private final byte[] block = new byte[64];
  private final byte[] pad = new byte[16];
  private final byte[] tag = new byte[16];

  // Poly1305 state for the current message
  private int r0;
  private int r1;
  private int r2;
  private int r3;
  private int r4;
  private int h0;
  private int h1;
  private int h2;
  private int h3;
  private int h4;
  private int s0;
  private int s1;
  private int s2;
  private int s3;

  ChaCha20Poly1305(byte[] key) {
    this.key = ChaCha20.keyWords(key);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int seal(byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] buf, int off, int len) {
    if (!Aead.sealArgsValid(nonce, aad, aadOff, aadLen, buf, off, len)) {
      return -1;
    }
    int n0 = (int) LE_INT.get(nonce, 0);
    int n1 = (int) LE_INT.get(nonce, 4);
    int n2 = (int) LE_INT.get(nonce, 8);
    polyInit(n0, n1, n2);
    xorKeystream(n0, n1, n2, buf, off, len);
    polyMessage(aad, aadOff, aadLen, buf, off, len);
    polyFinish(buf, off + len);
    return len + TAG_LENGTH;
  }

  @Override
  public int open(
      byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] buf, int off, int ctLen) {
    int len = Aead.openLength(nonce, aad, aadOff, aadLen, buf, off, ctLen);
    if (len < 0) {
      return -1;
    }
    int n0 = (int) LE_INT.get(nonce, 0);
    int n1 = (int) LE_INT.get(nonce, 4);
    int n2 = (int) LE_INT.get(nonce, 8);
    polyInit(n0, n1, n2);
    polyMessage(aad, aadOff, aadLen, buf, off, len);
    polyFinish(tag, 0);
    if (!Aead.tagEquals(tag, 0, buf, off + len)) {
      return -1;
    }
    xorKeystream(n0, n1, n2, buf, off, len);
    return len;
  }

  /** XOR with the ChaCha20 keystream starting at block counter 1 (RFC 8439 §2.8). */
  private void xorKeystream(int n0, int n1, int n2, byte[] buf, int off, int len) {
    int counter = 1;
    int pos = off;
    int end = off + len;
    while (pos < end) {
      ChaCha20.block(key, counter++, n0, n1, n2, block, 0);
      int n = Math.min(64, end - pos);
      int i = 0;
      for (; i + 8 <= n; i += 8) {
        NE_LONG.set(buf, pos + i, (long) NE_LONG.get(buf, pos + i) ^ (long) NE_LONG.get(block, i));
      }
      for (; i < n; i++) {
        buf[pos + i] ^= block[i];
      }
      pos += n;
    }
  }

  /** Poly1305 key = first 32 bytes of the block with counter 0. */
  private void polyInit(int n0, int n1, int n2) {
    ChaCha20.block(key, 0, n0, n1, n2, block, 0);
    int t0 = (int) LE_INT.get(block, 0);
    int t1 = (int) LE_INT.get(block, 4);
    int t2 = (int) LE_INT.get(block, 8);
    int t3 = (int) LE_INT.get(block, 12);
    // clamp r (RFC 8439 §2.5) while splitting into 26-bit limbs
    r0 = t0 & 0x3ffffff;
    r1 = ((t0 >>> 26) | (t1 << 6)) & 0x3ffff03;
    r2 = ((t1 >>> 20) | (t2 << 12)) & 0x3ffc0ff;
    r3 = ((t2 >>> 14) | (t3 << 18)) & 0x3f03fff;
    r4 = (t3 >>> 8) & 0x00fffff;
    s0 = (int) LE_INT.get(block, 16);
    s1 = (int) LE_INT.get(block, 20);
    s2 = (int) LE_INT.get(block, 24);
    s3 = (int) LE_INT.get(block, 28);
    h0 = 0;
    h1 = 0;
    h2 = 0;
    h3 = 0;
    h4 = 0;
  }

  /** AAD || pad16 || ciphertext || pad16 || le64(aadLen) || le64(ctLen). */
  private void polyMessage(byte[] aad, int aadOff, int aadLen, byte[] ct, int ctOff, int ctLen) {
    polyPadded(aad, aadOff, aadLen);
    polyPadded(ct, ctOff, ctLen);
    LE_INT.set(pad, 0, aadLen);
    LE_INT.set(pad, 4, 0);
    LE_INT.set(pad, 8, ctLen);
    LE_INT.set(pad, 12, 0);
    polyBlock(pad, 0);
  }

  private void polyPadded(byte[] data, int off, int len) {
    int end = off + (len & ~15);
    for (int p = off; p < end; p += 16) {
      polyBlock(data, p);
    }
    int rem = len & 15;
    if (rem != 0) {
      for (int i = 0; i < 16; i++) {
        pad[i] = i < rem ? data[end + i] : 0;
      }
      polyBlock(pad, 0);
    }
  }

  /** h = (h + m + 2^128) * r mod 2^130-5 for one full 16-byte block. */
  private void polyBlock(byte[] m, int p) {
    int t0 = (int) LE_INT.get(m, p);
    int t1 = (int) LE_INT.get(m, p + 4);
    int t2 = (int) LE_INT.get(m, p + 8);
    int t3 = (int) LE_INT.get(m, p + 12);
    long a0 = (h0 + (t0 & 0x3ffffff)) & 0xFFFFFFFFL;
    long a1 = (h1 + (((t0 >>> 26) | (t1 << 6)) & 0x3ffffff)) & 0xFFFFFFFFL;
    long a2 = (h2 + (((t1 >>> 20) | (t2 << 12)) & 0x3ffffff)) & 0xFFFFFFFFL;
    long a3 = (h3 + (((t2 >>> 14) | (t3 << 18)) & 0x3ffffff)) & 0xFFFFFFFFL;
    long a4 = (h4 + ((t3 >>> 8) | (1 << 24))) & 0xFFFFFFFFL;

    long q1 = r1 * 5L;
    long q2 = r2 * 5L;
    long q3 = r3 * 5L;
    long q4 = r4 * 5L;

    long d0 = a0 * r0 + a1 * q4 + a2 * q3 + a3 * q2 + a4 * q1;
    long d1 = a0 * r1 + a1 * r0 + a2 * q4 + a3 * q3 + a4 * q2;
    long d2 = a0 * r2 + a1 * r1 + a2 * r0 + a3 * q4 + a4 * q3;
    long d3 = a0 * r3 + a1 * r2 + a2 * r1 + a3 * r0 + a4 * q4;
    long d4 = a0 * r4 + a1 * r3 + a2 * r2 + a3 * r1 + a4 * r0;

    long c = d0 >>> 26;
    long n0 = d0 & 0x3ffffff;
    d1 += c;
    c = d1 >>> 26;
    long n1 = d1 & 0x3ffffff;
    d2 += c;
    c = d2 >>> 26;
    int n2 = (int) (d2 & 0x3ffffff);
    d3 += c;
    c = d3 >>> 26;
    int n3 = (int) (d3 & 0x3ffffff);
    d4 += c;
    c = d4 >>> 26;
    int n4 = (int) (d4 & 0x3ffffff);
    n0 += c * 5;
    c = n0 >>> 26;
    n0 &= 0x3ffffff;
    n1 += c;
    h0 = (int) n0;
    h1 = (int) n1;
    h2 = n2;
    h3 = n3;
    h4 = n4;
  }

  /** Final reduction mod 2^130-5, add s (key bytes 16..31), write the 16-byte tag. */
  private void polyFinish(byte[] out, int outOff) {
    int g0;
    int g1;
    int g2;
    int g3;
    int g4;
    int c;
    // full carry
    c = h1 >>> 26;
    h1 &= 0x3ffffff;
    h2 += c;
    c = h2 >>> 26;
    h2 &= 0x3ffffff;
    h3 += c;
    c = h3 >>> 26;
    h3 &= 0x3ffffff;
    h4 += c;
    c = h4 >>> 26;
    h4 &= 0x3ffffff;
    h0 += c * 5;
    c = h0 >>> 26;
    h0 &= 0x3ffffff;
    h1 += c;

    // g = h + -p = h + 5 - 2^130
    g0 = h0 + 5;
    c = g0 >>> 26;
    g0 &= 0x3ffffff;
    g1 = h1 + c;
    c = g1 >>> 26;
    g1 &= 0x3ffffff;
    g2 = h2 + c;
    c = g2 >>> 26;
    g2 &= 0x3ffffff;
    g3 = h3 + c;
    c = g3 >>> 26;
    g3 &= 0x3ffffff;
    g4 = h4 + c - (1 << 26);

    // select h if h < p (g4 negative), else g
    int mask = (g4 >> 31); // all ones if g4 < 0 -> keep h
    int nmask = ~mask;
    h0 = (h0 & mask) | (g0 & nmask);
    h1 = (h1 & mask) | (g1 & nmask);
    h2 = (h2 & mask) | (g2 & nmask);
    h3 = (h3 & mask) | (g3 & nmask);
    h4 = (h4 & mask) | (g4 & nmask);

    // h = h % 2^128, as four 32-bit words
    long w0 = (h0 | (h1 << 26)) & 0xFFFFFFFFL;
    long w1 = ((h1 >>> 6) | (h2 << 20)) & 0xFFFFFFFFL;
    long w2 = ((h2 >>> 12) | (h3 << 14)) & 0xFFFFFFFFL;
    long w3 = ((h3 >>> 18) | (h4 << 8)) & 0xFFFFFFFFL;

    // + s
    long f = w0 + (s0 & 0xFFFFFFFFL);
    LE_INT.set(out, outOff, (int) f);
    f = w1 + (s1 & 0xFFFFFFFFL) + (f >>> 32);
    LE_INT.set(out, outOff + 4, (int) f);
    f = w2 + (s2 & 0xFFFFFFFFL) + (f >>> 32);
    LE_INT.set(out, outOff + 8, (int) f);
    f = w3 + (s3 & 0xFFFFFFFFL) + (f >>> 32);
    LE_INT.set(out, outOff + 12, (int) f);
  }
}
