package dev.ztna.server.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Header protection mask functions (RFC 9001 §5.4.3 AES, §5.4.4 ChaCha20). Allocation-free per
 * call, not thread-safe.
 */
abstract class HeaderProtection {
  static final int SAMPLE_LENGTH = 16;

  /**
   * Writes the mask for the 16-byte sample at {@code sample[off]} into {@code out[0, 16)} (only the
   * first 5 bytes are used by QUIC). The caller has checked the bounds.
   */
  abstract void mask(byte[] sample, int off, byte[] out);

  static HeaderProtection create(CipherSuite suite, byte[] hpKey) {
    if (suite == CipherSuite.TLS_CHACHA20_POLY1305_SHA256) {
      return new ChaCha(hpKey);
    }
    return new Aes(hpKey);
  }

  /** mask = AES-ECB(hp_key, sample), from a JCE cipher initialised once. */
  static final class Aes extends HeaderProtection {
    private final Cipher ecb;

    Aes(byte[] key) {
      try {
        ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("JCE AES/ECB unavailable", e);
      }
    }

    @Override
    void mask(byte[] sample, int off, byte[] out) {
      try {
        ecb.update(sample, off, SAMPLE_LENGTH, out, 0);
      } catch (ShortBufferException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** counter = sample[0..3] little-endian, nonce = sample[4..15]; mask = ChaCha20 block. */
  static final class ChaCha extends HeaderProtection {
    private final int[] key;
    private final byte[] block = new byte[64];

    ChaCha(byte[] key) {
      this.key = ChaCha20.keyWords(key);
    }

    @Override
    void mask(byte[] sample, int off, byte[] out) {
      ChaCha20.block(
          key,
          (int) ChaCha20.LE_INT.get(sample, off),
          (int) ChaCha20.LE_INT.get(sample, off + 4),
          (int) ChaCha20.LE_INT.get(sample, off + 8),
          (int) ChaCha20.LE_INT.get(sample, off + 12),
          block,
          0);
      System.arraycopy(block, 0, out, 0, 16);
    }
  }
}
