package dev.ztna.server.crypto;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the {@link Aead} implementation per cipher suite. For AES-GCM the JDK-intrinsic path is
 * used only if its private lookups succeed AND a self-test against JCE {@code AES/GCM/NoPadding}
 * passes at class initialisation; otherwise the portable implementation. The system property {@code
 * ztna.crypto.aesgcm=portable} forces the portable one. The choice is logged once.
 */
final class AeadFactory {
  /** Which AES-GCM implementation to build. */
  enum AesImpl {
    /** The one selected at start-up. */
    AUTO,
    JDK_INTRINSIC,
    PORTABLE
  }

  static final String PROPERTY = "ztna.crypto.aesgcm";

  private static final Logger LOG = LoggerFactory.getLogger(AeadFactory.class);

  /** True when the JDK-intrinsic AES-GCM passed its self-test (independent of the property). */
  static final boolean INTRINSIC_WORKS;

  /** The AES-GCM implementation {@link AesImpl#AUTO} resolves to. */
  static final AesImpl SELECTED;

  static {
    String reason = JdkIntrinsicAesGcm.LOOKUP_FAILURE;
    boolean works = false;
    if (reason == null) {
      try {
        reason = selfTest();
        works = reason == null;
      } catch (RuntimeException | LinkageError e) {
        reason = e.toString();
      }
    }
    INTRINSIC_WORKS = works;
    String prop = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
    boolean forcePortable = prop.equals("portable");
    SELECTED = works && !forcePortable ? AesImpl.JDK_INTRINSIC : AesImpl.PORTABLE;
    if (SELECTED == AesImpl.JDK_INTRINSIC) {
      LOG.info("AES-GCM packet protection: {}", JdkIntrinsicAesGcm.NAME);
    } else if (forcePortable) {
      LOG.info(
          "AES-GCM packet protection: {} (forced by -D{}=portable)", PortableAesGcm.NAME, PROPERTY);
    } else {
      LOG.info(
          "AES-GCM packet protection: {} (JDK intrinsics unusable: {})",
          PortableAesGcm.NAME,
          reason);
    }
  }

  private AeadFactory() {}

  static String aesGcmImplementation() {
    return SELECTED == AesImpl.JDK_INTRINSIC ? JdkIntrinsicAesGcm.NAME : PortableAesGcm.NAME;
  }

  static Aead create(CipherSuite suite, byte[] key) {
    return create(suite, key, AesImpl.AUTO);
  }

  static Aead create(CipherSuite suite, byte[] key, AesImpl impl) {
    if (key.length != suite.keyLength()) {
      throw new IllegalArgumentException("key length " + key.length + " for " + suite);
    }
    if (suite == CipherSuite.TLS_CHACHA20_POLY1305_SHA256) {
      return new ChaCha20Poly1305(key);
    }
    AesImpl which = impl == AesImpl.AUTO ? SELECTED : impl;
    if (which == AesImpl.JDK_INTRINSIC) {
      if (!INTRINSIC_WORKS) {
        throw new IllegalStateException("JDK-intrinsic AES-GCM is not usable on this JVM");
      }
      return new JdkIntrinsicAesGcm(key);
    }
    return new PortableAesGcm(key);
  }

  /**
   * Compares the JDK-intrinsic AES-GCM with JCE on AES-128 and AES-256, several payload and AAD
   * lengths at odd offsets, checks open() and tamper rejection, then repeats a 64-byte and a
   * 1200-byte packet often enough for the JIT to compile (and intrinsify) the path, checking every
   * result. Returns null on success or a description of the first mismatch.
   */
  private static String selfTest() {
    SplittableRandom rnd = new SplittableRandom(0x5EED_1234_ABCDL);
    int[] lens = {0, 1, 15, 16, 17, 31, 33, 64, 100, 255, 1200, 1500};
    int[] aadLens = {0, 1, 20, 33};
    for (int keyLen : new int[] {16, 32}) {
      byte[] key = bytes(rnd, keyLen);
      JdkIntrinsicAesGcm aead = new JdkIntrinsicAesGcm(key);
      for (int len : lens) {
        for (int aadLen : aadLens) {
          String r = compareOnce(aead, key, rnd, len, aadLen);
          if (r != null) {
            return r;
          }
        }
      }
      // Warm loop so that the compiled/intrinsified code is what gets checked last.
      for (int i = 0; i < 1500; i++) {
        String r = compareOnce(aead, key, rnd, (i & 1) == 0 ? 64 : 1200, 20);
        if (r != null) {
          return r + " (after " + i + " warm iterations)";
        }
      }
    }
    return null;
  }

  private static String compareOnce(
      JdkIntrinsicAesGcm aead, byte[] key, SplittableRandom rnd, int len, int aadLen) {
    try {
      byte[] nonce = bytes(rnd, 12);
      byte[] aad = bytes(rnd, aadLen);
      byte[] plain = bytes(rnd, len);
      Cipher jce = Cipher.getInstance("AES/GCM/NoPadding");
      jce.init(
          Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
      jce.updateAAD(aad);
      byte[] expected = jce.doFinal(plain);

      int off = 3;
      byte[] buf = new byte[off + aadLen + len + 16 + 5];
      System.arraycopy(aad, 0, buf, off, aadLen);
      System.arraycopy(plain, 0, buf, off + aadLen, len);
      int n = aead.seal(nonce, buf, off, aadLen, buf, off + aadLen, len);
      if (n != len + 16
          || !Arrays.equals(buf, off + aadLen, off + aadLen + n, expected, 0, expected.length)) {
        return "seal mismatch at len " + len + ", aad " + aadLen + ", key " + key.length;
      }
      int p = aead.open(nonce, buf, off, aadLen, buf, off + aadLen, n);
      if (p != len || !Arrays.equals(buf, off + aadLen, off + aadLen + len, plain, 0, len)) {
        return "open mismatch at len " + len + ", aad " + aadLen;
      }
      // Re-seal, flip one bit of the ciphertext or tag: must be rejected.
      aead.seal(nonce, buf, off, aadLen, buf, off + aadLen, len);
      int flip = off + aadLen + rnd.nextInt(n);
      buf[flip] ^= (byte) (1 << rnd.nextInt(8));
      if (aead.open(nonce, buf, off, aadLen, buf, off + aadLen, n) != -1) {
        return "tampered packet accepted at len " + len;
      }
      return null;
    } catch (GeneralSecurityException e) {
      return "JCE reference failed: " + e;
    }
  }

  private static byte[] bytes(SplittableRandom rnd, int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }
}
