package dev.ztna.server.cluster.lb;

import org.bouncycastle.crypto.BlockCipher;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The QUIC-LB block cipher over the {@code server ID || nonce} field
 * (draft-ietf-quic-load-balancers -21 §5.4.1, §5.4.2, §5.5): one AES-128-ECB block when the field
 * is exactly 16 bytes, otherwise a four-round Feistel network whose round function is AES-128-ECB
 * of {@code expand(length, pass, half)}. For an odd length the halves share the middle octet: the
 * left half keeps its high nibble, the right half its low nibble.
 *
 * <p>Both directions are bijections on {@code length}-byte strings, so distinct inputs give
 * distinct outputs (the generator relies on this for uniqueness). Pre-allocated AES engines and
 * buffers: allocation-free, single-threaded.
 */
final class QuicLbCipher {
  private static final int BLOCK = 16;

  private final int length;
  private final int half;
  private final boolean odd;
  private final BlockCipher encryptor;
  private final BlockCipher decryptor;
  private final byte[] left = new byte[BLOCK];
  private final byte[] right = new byte[BLOCK];
  private final byte[] expanded = new byte[BLOCK];
  private final byte[] roundOut = new byte[BLOCK];

  /**
   * @param key the 16-byte AES-128 key
   * @param length the field length in bytes, 2..19 (the draft allows 5..19 for CIDs; the generator
   *     also permutes 4-byte plaintext nonces with it)
   */
  QuicLbCipher(byte[] key, int length) {
    if (length < 2 || length > 19) {
      throw new IllegalArgumentException("QUIC-LB cipher length must be 2..19, got " + length);
    }
    this.length = length;
    this.half = (length + 1) / 2;
    this.odd = (length & 1) != 0;
    KeyParameter k = new KeyParameter(key.clone());
    this.encryptor = AESEngine.newInstance();
    this.encryptor.init(true, k);
    if (length == BLOCK) {
      this.decryptor = AESEngine.newInstance();
      this.decryptor.init(false, k);
    } else {
      this.decryptor = null; // the Feistel network decrypts with the forward cipher
    }
  }

  int length() {
    return length;
  }

  /**
   * Encrypts {@code length} bytes at {@code src[srcOff]} into {@code dst[dstOff]} (may overlap).
   */
  void encrypt(byte[] src, int srcOff, byte[] dst, int dstOff) {
    if (length == BLOCK) {
      // §5.4.1: single pass; BouncyCastle's AES reads the whole block before writing.
      encryptor.processBlock(src, srcOff, dst, dstOff);
      return;
    }
    split(src, srcOff);
    round(left, 1, right);
    clearFirst(right);
    round(right, 2, left);
    clearLast(left);
    round(left, 3, right);
    clearFirst(right);
    round(right, 4, left);
    clearLast(left);
    join(dst, dstOff);
  }

  /**
   * Decrypts {@code length} bytes at {@code src[srcOff]} into {@code dst[dstOff]} (may overlap).
   */
  void decrypt(byte[] src, int srcOff, byte[] dst, int dstOff) {
    if (length == BLOCK) {
      decryptor.processBlock(src, srcOff, dst, dstOff);
      return;
    }
    // §5.5.2: the passes in reverse order. (The draft's pseudocode clears left_1 after computing
    // right_1; the bits to clear are right_1's, as in encryption step 9.)
    split(src, srcOff);
    round(right, 4, left);
    clearLast(left);
    round(left, 3, right);
    clearFirst(right);
    round(right, 2, left);
    clearLast(left);
    round(left, 1, right);
    clearFirst(right);
    join(dst, dstOff);
  }

  /** §5.4.2 step 2: left and right halves of {@code half} bytes, sharing the middle nibbles. */
  private void split(byte[] src, int off) {
    System.arraycopy(src, off, left, 0, half);
    System.arraycopy(src, off + length - half, right, 0, half);
    clearLast(left);
    clearFirst(right);
  }

  /** §5.4.2 step 12: left || right, the shared middle octet merged from both nibbles. */
  private void join(byte[] dst, int off) {
    if (odd) {
      System.arraycopy(left, 0, dst, off, half - 1);
      dst[off + half - 1] = (byte) (left[half - 1] | right[0]);
      System.arraycopy(right, 1, dst, off + half, half - 1);
    } else {
      System.arraycopy(left, 0, dst, off, half);
      System.arraycopy(right, 0, dst, off + half, half);
    }
  }

  /** {@code target ^= truncate(AES(expand(length, pass, input)), half)}. */
  private void round(byte[] input, int pass, byte[] target) {
    System.arraycopy(input, 0, expanded, 0, half);
    for (int i = half; i < BLOCK - 2; i++) {
      expanded[i] = 0;
    }
    expanded[BLOCK - 2] = (byte) length;
    expanded[BLOCK - 1] = (byte) pass;
    encryptor.processBlock(expanded, 0, roundOut, 0);
    for (int i = 0; i < half; i++) {
      target[i] ^= roundOut[i];
    }
  }

  private void clearFirst(byte[] h) {
    if (odd) {
      h[0] &= 0x0f;
    }
  }

  private void clearLast(byte[] h) {
    if (odd) {
      h[half - 1] &= (byte) 0xf0;
    }
  }
}
