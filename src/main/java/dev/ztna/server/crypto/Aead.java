package dev.ztna.server.crypto;

/**
 * An AEAD with a fixed key, 12-byte nonce and 16-byte tag, operating in place on byte arrays.
 * Implementations allocate nothing per call and are NOT thread-safe (one instance per direction per
 * encryption level, owned by one thread).
 */
interface Aead {
  int TAG_LENGTH = 16;
  int NONCE_LENGTH = 12;

  /**
   * Encrypts {@code buf[off, off+len)} in place and writes the 16-byte tag at {@code buf[off+len]}.
   * The AAD is {@code aad[aadOff, aadOff+aadLen)} and may lie in {@code buf} before {@code off} (it
   * must not overlap the plaintext or tag).
   *
   * @return {@code len + 16}, or -1 if an index is out of bounds (nothing written then)
   */
  int seal(byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] buf, int off, int len);

  /**
   * Verifies and decrypts in place {@code buf[off, off+ctLen)} where the last 16 bytes are the tag.
   * On failure the buffer is left unchanged.
   *
   * @return the plaintext length {@code ctLen - 16}, or -1 on authentication failure or bad bounds
   */
  int open(byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] buf, int off, int ctLen);

  /** A short name of the implementation, for logs and reports. */
  String name();

  /**
   * The bounds every {@link #seal} checks before touching anything: a nonce of at least 12 bytes,
   * the AAD inside {@code aad}, and the plaintext plus the 16-byte tag inside {@code buf}.
   */
  static boolean sealArgsValid(
      byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] buf, int off, int len) {
    return nonce != null
        && nonce.length >= NONCE_LENGTH
        && inBounds(aad, aadOff, aadLen)
        && inBounds(buf, off, len)
        && off + len <= buf.length - TAG_LENGTH;
  }

  /**
   * The plaintext length {@code ctLen - 16} of an {@link #open} whose arguments are in bounds (as
   * for {@link #sealArgsValid} with the plaintext length), or -1.
   */
  static int openLength(
      byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] buf, int off, int ctLen) {
    if (ctLen < TAG_LENGTH) {
      return -1;
    }
    int len = ctLen - TAG_LENGTH;
    return sealArgsValid(nonce, aad, aadOff, aadLen, buf, off, len) ? len : -1;
  }

  /** True when {@code off >= 0, len >= 0} and {@code arr[off, off+len)} lies inside {@code arr}. */
  static boolean inBounds(byte[] arr, int off, int len) {
    return arr != null && off >= 0 && len >= 0 && off <= arr.length - len;
  }

  /** Constant-time comparison of two 16-byte tags. */
  static boolean tagEquals(byte[] a, int aOff, byte[] b, int bOff) {
    int diff = 0;
    for (int i = 0; i < TAG_LENGTH; i++) {
      diff |= a[aOff + i] ^ b[bOff + i];
    }
    return diff == 0;
  }
}
