package dev.ztna.server.conn;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Random connection IDs: AES-128 applied to a counter under a per-process random key, which is a
 * pseudo-random permutation, so the CIDs are unpredictable without the key and never repeat within
 * 2^64 CIDs. One block per CID (two for lengths above 16). Allocation-free: one JCE ECB cipher
 * initialised once, output into reused arrays.
 */
public final class RandomConnectionIdGenerator implements ConnectionIdGenerator {
  private final int length;
  private final Cipher ecb;
  private final byte[] counterBlock = new byte[16];
  private final byte[] out = new byte[16];
  private long counter;

  /** A generator for CIDs of {@code length} bytes keyed from {@code random}. */
  public RandomConnectionIdGenerator(int length, SecureRandom random) {
    if (length < 4 || length > 20) {
      throw new IllegalArgumentException("CID length must be 4..20, got " + length);
    }
    this.length = length;
    byte[] key = new byte[16];
    random.nextBytes(key);
    random.nextBytes(counterBlock);
    try {
      ecb = Cipher.getInstance("AES/ECB/NoPadding");
      ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/ECB unavailable", e);
    }
  }

  @Override
  public int length() {
    return length;
  }

  @Override
  public void next(byte[] dst, int offset) {
    int written = 0;
    while (written < length) {
      block();
      int n = Math.min(16, length - written);
      System.arraycopy(out, 0, dst, offset + written, n);
      written += n;
    }
  }

  private void block() {
    long c = ++counter;
    for (int i = 0; i < 8; i++) {
      counterBlock[8 + i] = (byte) (c >>> (56 - 8 * i));
    }
    try {
      ecb.update(counterBlock, 0, 16, out, 0);
    } catch (ShortBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
