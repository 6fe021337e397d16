package dev.ztna.server.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF (RFC 5869) and TLS 1.3 HKDF-Expand-Label (RFC 8446 §7.1). Handshake-time only: every call
 * allocates.
 */
public final class Hkdf {
  private static final byte[] TLS13_PREFIX = "tls13 ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EMPTY = new byte[0];

  private Hkdf() {}

  /** HMAC-Hash(key, data). An empty key is allowed (it is zero-padded by HMAC). */
  public static byte[] hmac(HashAlgorithm h, byte[] key, byte[] data) {
    Mac mac = newMac(h, key);
    return mac.doFinal(data);
  }

  /**
   * HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM). A null or empty salt means HashLen zero bytes
   * (RFC 5869 §2.2).
   */
  public static byte[] extract(HashAlgorithm h, byte[] salt, byte[] ikm) {
    byte[] s = (salt == null || salt.length == 0) ? new byte[h.length()] : salt;
    return hmac(h, s, ikm == null ? EMPTY : ikm);
  }

  /** HKDF-Expand(PRK, info, L) (RFC 5869 §2.3); {@code length <= 255 * HashLen}. */
  public static byte[] expand(HashAlgorithm h, byte[] prk, byte[] info, int length) {
    int hashLen = h.length();
    if (length < 0 || length > 255 * hashLen) {
      throw new IllegalArgumentException("HKDF-Expand length out of range: " + length);
    }
    byte[] inf = info == null ? EMPTY : info;
    Mac mac = newMac(h, prk);
    byte[] out = new byte[length];
    byte[] t = EMPTY;
    int pos = 0;
    for (int i = 1; pos < length; i++) {
      mac.update(t);
      mac.update(inf);
      mac.update((byte) i);
      t = mac.doFinal();
      int n = Math.min(hashLen, length - pos);
      System.arraycopy(t, 0, out, pos, n);
      pos += n;
    }
    return out;
  }

  /**
   * HKDF-Expand-Label(Secret, Label, Context, Length) (RFC 8446 §7.1). {@code label} is given
   * WITHOUT the "tls13 " prefix, which is added here. A null context is treated as empty.
   */
  public static byte[] expandLabel(
      HashAlgorithm h, byte[] secret, String label, byte[] context, int length) {
    return expand(h, secret, hkdfLabel(label, context, length), length);
  }

  /** The encoded HkdfLabel structure (exposed for tests against RFC 9001 A.1). */
  static byte[] hkdfLabel(String label, byte[] context, int length) {
    byte[] l = label.getBytes(StandardCharsets.US_ASCII);
    byte[] ctx = context == null ? EMPTY : context;
    int labelLen = TLS13_PREFIX.length + l.length;
    if (labelLen > 255 || ctx.length > 255 || length > 0xFFFF || length < 0) {
      throw new IllegalArgumentException("HkdfLabel field too long");
    }
    byte[] out = new byte[2 + 1 + labelLen + 1 + ctx.length];
    int p = 0;
    out[p++] = (byte) (length >>> 8);
    out[p++] = (byte) length;
    out[p++] = (byte) labelLen;
    System.arraycopy(TLS13_PREFIX, 0, out, p, TLS13_PREFIX.length);
    p += TLS13_PREFIX.length;
    System.arraycopy(l, 0, out, p, l.length);
    p += l.length;
    out[p++] = (byte) ctx.length;
    System.arraycopy(ctx, 0, out, p, ctx.length);
    return out;
  }

  private static Mac newMac(HashAlgorithm h, byte[] key) {
    try {
      Mac mac = Mac.getInstance(h.macName());
      // SecretKeySpec rejects empty keys; HMAC pads any key to the block size with zeros, so a
      // single zero byte is equivalent to the empty key.
      byte[] k = key.length == 0 ? new byte[1] : key;
      mac.init(new SecretKeySpec(k, h.macName()));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC unavailable: " + h, e);
    }
  }
}
