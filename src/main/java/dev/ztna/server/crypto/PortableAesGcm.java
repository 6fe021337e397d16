package dev.ztna.server.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-GCM (NIST SP 800-38D) from public API only: the CTR keystream comes from a once-initialised
 * JCE {@code AES/ECB/NoPadding} cipher fed with counter blocks, GHASH is Shoup's 8-bit table method
 * (4 KiB per key) with long-wide XOR. Zero allocation per packet. Not thread-safe.
 */
final class PortableAesGcm implements Aead {
  static final String NAME = "portable (JCE AES/ECB keystream + 8-bit-table GHASH)";

  private static final VarHandle BE_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle BE_INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  /** Keystream chunk: 32 blocks per ECB call. */
  private static final int CHUNK = 512;

  /** R[b]: the reduction term for the byte b shifted out by a multiplication by x^8. */
  private static final long[] REDUCE = new long[256];

  static {
    for (int b = 0; b < 256; b++) {
      long hi = 0;
      long lo = b;
      for (int i = 0; i < 8; i++) {
        long carry = lo & 1;
        lo = (lo >>> 1) | (hi << 63);
        hi = (hi >>> 1) ^ (carry != 0 ? 0xE100000000000000L : 0);
      }
      REDUCE[b] = hi;
    }
  }

  private final Cipher ecb;

  /** M[b] = b * H where the byte b holds the coefficients of x^0..x^7 (GCM bit order). */
  private final long[] tableHi = new long[256];

  private final long[] tableLo = new long[256];
  private final byte[] counters = new byte[CHUNK];
  private final byte[] keystream = new byte[CHUNK];
  private final byte[] ekj0 = new byte[16];
  private final byte[] scratch = new byte[16];
  private long yHi;
  private long yLo;

  PortableAesGcm(byte[] key) {
    if (key.length != 16 && key.length != 32) {
      throw new IllegalArgumentException("AES key must be 16 or 32 bytes");
    }
    try {
      ecb = Cipher.getInstance("AES/ECB/NoPadding");
      ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
      byte[] h = ecb.doFinal(new byte[16]);
      buildTable((long) BE_LONG.get(h, 0), (long) BE_LONG.get(h, 8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("JCE AES/ECB unavailable", e);
    }
  }

  private void buildTable(long hHi, long hLo) {
    // M[0x80] = H (coefficient x^0); each lower bit is one more multiplication by x.
    long hi = hHi;
    long lo = hLo;
    for (int bit = 0x80; bit != 0; bit >>>= 1) {
      tableHi[bit] = hi;
      tableLo[bit] = lo;
      long carry = lo & 1;
      lo = (lo >>> 1) | (hi << 63);
      hi = (hi >>> 1) ^ (carry != 0 ? 0xE100000000000000L : 0);
    }
    for (int i = 2; i < 256; i <<= 1) {
      for (int j = 1; j < i; j++) {
        tableHi[i + j] = tableHi[i] ^ tableHi[j];
        tableLo[i + j] = tableLo[i] ^ tableLo[j];
      }
    }
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
    encryptJ0(nonce);
    ctr(nonce, buf, off, len);
    computeTag(aad, aadOff, aadLen, buf, off, len);
    writeTag(buf, off + len);
    return len + TAG_LENGTH;
  }

  @Override
  public int open(
      byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] buf, int off, int ctLen) {
    int len = Aead.openLength(nonce, aad, aadOff, aadLen, buf, off, ctLen);
    if (len < 0) {
      return -1;
    }
    encryptJ0(nonce);
    computeTag(aad, aadOff, aadLen, buf, off, len);
    writeTag(scratch, 0);
    if (!Aead.tagEquals(scratch, 0, buf, off + len)) {
      return -1;
    }
    ctr(nonce, buf, off, len);
    return len;
  }

  private void encryptJ0(byte[] nonce) {
    System.arraycopy(nonce, 0, counters, 0, NONCE_LENGTH);
    BE_INT.set(counters, 12, 1);
    ecbUpdate(counters, 16, ekj0);
  }

  /** XORs {@code buf[off, off+len)} with the keystream starting at counter 2. */
  private void ctr(byte[] nonce, byte[] buf, int off, int len) {
    int counter = 2;
    int pos = off;
    int end = off + len;
    while (pos < end) {
      int n = Math.min(CHUNK, end - pos);
      int blocks = (n + 15) >>> 4;
      for (int b = 0; b < blocks; b++) {
        int o = b << 4;
        System.arraycopy(nonce, 0, counters, o, NONCE_LENGTH);
        BE_INT.set(counters, o + 12, counter++);
      }
      ecbUpdate(counters, blocks << 4, keystream);
      int i = 0;
      for (; i + 8 <= n; i += 8) {
        BE_LONG.set(
            buf, pos + i, (long) BE_LONG.get(buf, pos + i) ^ (long) BE_LONG.get(keystream, i));
      }
      for (; i < n; i++) {
        buf[pos + i] ^= keystream[i];
      }
      pos += n;
    }
  }

  private void ecbUpdate(byte[] in, int len, byte[] out) {
    try {
      int n = ecb.update(in, 0, len, out, 0);
      if (n != len) {
        throw new IllegalStateException("ECB produced " + n + " of " + len);
      }
    } catch (ShortBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private void computeTag(byte[] aad, int aadOff, int aadLen, byte[] ct, int ctOff, int ctLen) {
    yHi = 0;
    yLo = 0;
    ghash(aad, aadOff, aadLen);
    ghash(ct, ctOff, ctLen);
    mulBlock(((long) aadLen) << 3, ((long) ctLen) << 3);
  }

  private void writeTag(byte[] out, int outOff) {
    BE_LONG.set(out, outOff, yHi ^ (long) BE_LONG.get(ekj0, 0));
    BE_LONG.set(out, outOff + 8, yLo ^ (long) BE_LONG.get(ekj0, 8));
  }

  private void ghash(byte[] data, int off, int len) {
    int end = off + (len & ~15);
    for (int p = off; p < end; p += 16) {
      mulBlock((long) BE_LONG.get(data, p), (long) BE_LONG.get(data, p + 8));
    }
    int rem = len & 15;
    if (rem != 0) {
      long hi = 0;
      long lo = 0;
      for (int i = 0; i < rem; i++) {
        long v = (data[end + i] & 0xFFL);
        if (i < 8) {
          hi |= v << (56 - 8 * i);
        } else {
          lo |= v << (56 - 8 * (i - 8));
        }
      }
      mulBlock(hi, lo);
    }
  }

  /** Y = (Y xor X) * H, Horner over the 16 bytes from the last (Shoup's 8-bit method). */
  private void mulBlock(long xHi, long xLo) {
    long aHi = yHi ^ xHi;
    long aLo = yLo ^ xLo;
    long zHi = 0;
    long zLo = 0;
    for (int s = 0; s < 64; s += 8) {
      int b = (int) (aLo >>> s) & 0xFF;
      int r = (int) zLo & 0xFF;
      zLo = (zLo >>> 8) | (zHi << 56);
      zHi = (zHi >>> 8) ^ REDUCE[r] ^ tableHi[b];
      zLo ^= tableLo[b];
    }
    for (int s = 0; s < 64; s += 8) {
      int b = (int) (aHi >>> s) & 0xFF;
      int r = (int) zLo & 0xFF;
      zLo = (zLo >>> 8) | (zHi << 56);
      zHi = (zHi >>> 8) ^ REDUCE[r] ^ tableHi[b];
      zLo ^= tableLo[b];
    }
    yHi = zHi;
    yLo = zLo;
  }
}
