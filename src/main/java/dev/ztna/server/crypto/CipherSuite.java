package dev.ztna.server.crypto;

/** The TLS 1.3 cipher suites usable with QUIC v1 (RFC 9001 §5.3; RFC 8446 §B.4). */
public enum CipherSuite {
  TLS_AES_128_GCM_SHA256(0x1301, 16, HashAlgorithm.SHA256),
  TLS_AES_256_GCM_SHA384(0x1302, 32, HashAlgorithm.SHA384),
  TLS_CHACHA20_POLY1305_SHA256(0x1303, 32, HashAlgorithm.SHA256);

  private final int code;
  private final int keyLength;
  private final HashAlgorithm hash;

  CipherSuite(int code, int keyLength, HashAlgorithm hash) {
    this.code = code;
    this.keyLength = keyLength;
    this.hash = hash;
  }

  /** The two-byte TLS code point. */
  public int code() {
    return code;
  }

  /** AEAD key length in bytes (also the header protection key length). */
  public int keyLength() {
    return keyLength;
  }

  /** AEAD IV (nonce) length in bytes: 12 for all three suites. */
  public int ivLength() {
    return 12;
  }

  /** AEAD tag length in bytes: 16 for all three suites. */
  public int tagLength() {
    return 16;
  }

  /** The hash of the HKDF used by the key schedule. */
  public HashAlgorithm hash() {
    return hash;
  }

  /** The suite with this code point, or {@code null} if unknown. */
  public static CipherSuite fromCode(int code) {
    switch (code) {
      case 0x1301:
        return TLS_AES_128_GCM_SHA256;
      case 0x1302:
        return TLS_AES_256_GCM_SHA384;
      case 0x1303:
        return TLS_CHACHA20_POLY1305_SHA256;
      default:
        return null;
    }
  }
}
