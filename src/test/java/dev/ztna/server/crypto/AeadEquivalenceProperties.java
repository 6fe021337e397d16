package dev.ztna.server.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Every AEAD implementation against the JCE reference on random keys, nonces, AAD and payload
 * lengths 0..1500 at odd offsets; tampering with any bit of AAD, ciphertext, tag or nonce is
 * rejected and leaves the buffer unchanged.
 */
class AeadEquivalenceProperties {

  enum Impl {
    AES128_INTRINSIC(CipherSuite.TLS_AES_128_GCM_SHA256, AeadFactory.AesImpl.JDK_INTRINSIC),
    AES256_INTRINSIC(CipherSuite.TLS_AES_256_GCM_SHA384, AeadFactory.AesImpl.JDK_INTRINSIC),
    AES128_PORTABLE(CipherSuite.TLS_AES_128_GCM_SHA256, AeadFactory.AesImpl.PORTABLE),
    AES256_PORTABLE(CipherSuite.TLS_AES_256_GCM_SHA384, AeadFactory.AesImpl.PORTABLE),
    CHACHA20(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, AeadFactory.AesImpl.AUTO);

    final CipherSuite suite;
    final AeadFactory.AesImpl aes;

    Impl(CipherSuite suite, AeadFactory.AesImpl aes) {
      this.suite = suite;
      this.aes = aes;
    }

    Aead create(byte[] key) {
      return AeadFactory.create(suite, key, aes);
    }
  }

  @Provide
  Arbitrary<Impl> impls() {
    return AeadFactory.INTRINSIC_WORKS
        ? Arbitraries.of(Impl.class)
        : Arbitraries.of(Impl.AES128_PORTABLE, Impl.AES256_PORTABLE, Impl.CHACHA20);
  }

  static byte[] jceSeal(CipherSuite suite, byte[] key, byte[] nonce, byte[] aad, byte[] plain)
      throws Exception {
    Cipher c;
    if (suite == CipherSuite.TLS_CHACHA20_POLY1305_SHA256) {
      c = Cipher.getInstance("ChaCha20-Poly1305");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce));
    } else {
      c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
    }
    c.updateAAD(aad);
    return c.doFinal(plain);
  }

  static byte[] bytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  @Property(tries = 400)
  void sealMatchesJceAndOpens(
      @ForAll("impls") Impl impl,
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 1500) int len,
      @ForAll @IntRange(min = 0, max = 64) int aadLen,
      @ForAll @IntRange(min = 0, max = 9) int off)
      throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] key = bytes(r, impl.suite.keyLength());
    byte[] nonce = bytes(r, 12);
    byte[] aad = bytes(r, aadLen);
    byte[] plain = bytes(r, len);
    byte[] expected = jceSeal(impl.suite, key, nonce, aad, plain);

    Aead aead = impl.create(key);
    byte[] buf = bytes(r, off + aadLen + len + 16 + 3);
    System.arraycopy(aad, 0, buf, off, aadLen);
    System.arraycopy(plain, 0, buf, off + aadLen, len);
    int ct = off + aadLen;
    assertEquals(len + 16, aead.seal(nonce, buf, off, aadLen, buf, ct, len));
    assertArrayEquals(expected, Arrays.copyOfRange(buf, ct, ct + len + 16));

    // a fresh instance (receiver) opens it
    Aead receiver = impl.create(key);
    assertEquals(len, receiver.open(nonce, buf, off, aadLen, buf, ct, len + 16));
    assertArrayEquals(plain, Arrays.copyOfRange(buf, ct, ct + len));
    // and the sender instance can be reused right away
    assertEquals(len + 16, aead.seal(nonce, buf, off, aadLen, buf, ct, len));
    assertArrayEquals(expected, Arrays.copyOfRange(buf, ct, ct + len + 16));
  }

  @Property(tries = 400)
  void anyFlippedBitIsRejected(
      @ForAll("impls") Impl impl,
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 300) int len,
      @ForAll @IntRange(min = 0, max = 30) int aadLen,
      @ForAll @IntRange(min = 0, max = 4) int where) {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] key = bytes(r, impl.suite.keyLength());
    byte[] nonce = bytes(r, 12);
    Aead aead = impl.create(key);
    int off = 1 + r.nextInt(7);
    byte[] buf = bytes(r, off + aadLen + len + 16 + 2);
    int ct = off + aadLen;
    aead.seal(nonce, buf, off, aadLen, buf, ct, len);
    byte[] sealed = buf.clone();
    int bit = 1 << r.nextInt(8);
    switch (where) {
      case 0: // AAD (header)
        if (aadLen == 0) {
          return;
        }
        buf[off + r.nextInt(aadLen)] ^= (byte) bit;
        break;
      case 1: // ciphertext
        if (len == 0) {
          return;
        }
        buf[ct + r.nextInt(len)] ^= (byte) bit;
        break;
      case 2: // tag
        buf[ct + len + r.nextInt(16)] ^= (byte) bit;
        break;
      case 3: // nonce (i.e. packet number)
        nonce[r.nextInt(12)] ^= (byte) bit;
        break;
      default: // truncated
        byte[] tampered = buf.clone();
        assertEquals(-1, aead.open(nonce, buf, off, aadLen, buf, ct, len + 15));
        assertArrayEquals(tampered, buf);
        return;
    }
    byte[] tampered = buf.clone();
    assertEquals(-1, aead.open(nonce, buf, off, aadLen, buf, ct, len + 16));
    assertArrayEquals(tampered, buf, "buffer must be unchanged on failure");
    if (where == 3) {
      nonce[0] ^= 0; // nonce stays tampered; nothing else to check
    } else {
      System.arraycopy(sealed, 0, buf, 0, buf.length);
      assertEquals(len, aead.open(nonce, buf, off, aadLen, buf, ct, len + 16));
    }
  }

  @Property(tries = 300)
  void badBoundsNeverThrow(
      @ForAll("impls") Impl impl,
      @ForAll @IntRange(min = -20, max = 80) int off,
      @ForAll @IntRange(min = -20, max = 80) int len,
      @ForAll @IntRange(min = -5, max = 40) int aadOff,
      @ForAll @IntRange(min = -5, max = 40) int aadLen) {
    Aead aead = impl.create(new byte[impl.suite.keyLength()]);
    byte[] buf = new byte[64];
    byte[] nonce = new byte[12];
    int o = aead.open(nonce, buf, aadOff, aadLen, buf, off, len);
    int s = aead.seal(nonce, buf, aadOff, aadLen, buf, off, len);
    boolean fits = off >= 0 && len >= 0 && aadOff >= 0 && aadLen >= 0 && aadOff + aadLen <= 64;
    if (!fits || off + len + 16 > 64) {
      assertEquals(-1, s);
    }
    if (!fits || off + len > 64 || len < 16) {
      assertEquals(-1, o);
    }
    assertEquals(-1, aead.open(null, buf, 0, 0, buf, 0, 32));
    assertEquals(-1, aead.open(new byte[11], buf, 0, 0, buf, 0, 32));
  }
}
