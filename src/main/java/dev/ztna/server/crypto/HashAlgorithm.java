package dev.ztna.server.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The hash functions used by the TLS 1.3 cipher suites QUIC v1 supports (RFC 8446 §B.4). */
public enum HashAlgorithm {
  SHA256("SHA-256", "HmacSHA256", 32),
  SHA384("SHA-384", "HmacSHA384", 48);

  private final String jdkName;
  private final String macName;
  private final int length;

  HashAlgorithm(String jdkName, String macName, int length) {
    this.jdkName = jdkName;
    this.macName = macName;
    this.length = length;
  }

  /** Output length in bytes (32 or 48). */
  public int length() {
    return length;
  }

  /** JCA name of the message digest ("SHA-256"/"SHA-384"). */
  public String jdkName() {
    return jdkName;
  }

  /** JCA name of the HMAC ("HmacSHA256"/"HmacSHA384"). */
  public String macName() {
    return macName;
  }

  /** A new {@link MessageDigest} for this hash (handshake-time, allocates). */
  public MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance(jdkName);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK lacks " + jdkName, e);
    }
  }

  /** Hash of the concatenation of the given byte arrays (handshake-time, allocates). */
  public byte[] hash(byte[]... parts) {
    MessageDigest md = newDigest();
    for (byte[] p : parts) {
      md.update(p);
    }
    return md.digest();
  }

  /** Hash of {@code data[off, off+len)}. */
  public byte[] hash(byte[] data, int off, int len) {
    MessageDigest md = newDigest();
    md.update(data, off, len);
    return md.digest();
  }

  /** Hash of the empty string (used by Derive-Secret with an empty transcript). */
  public byte[] emptyHash() {
    return newDigest().digest();
  }
}
