package dev.ztna.server.crypto;

import dev.ztna.server.wire.PacketNumber;

/**
 * QUIC packet protection for one direction at one encryption level (RFC 9001 §5): AEAD payload
 * protection with nonce = iv XOR packet number (§5.3) and header protection (§5.4).
 *
 * <p>Created at handshake time from a traffic secret ({@link #create}); the per-packet methods
 * ({@link #seal}, {@link #open}, {@link #protect}, {@link #unprotect}, {@link
 * #headerProtectionMask}) work in place on a byte[] and allocate nothing. Errors are reported as
 * negative return values, never as exceptions. An instance is NOT thread-safe: it keeps scratch
 * state and the results of the last {@link #unprotect}.
 */
public final class PacketProtection {
  /** unprotect/protect: the packet is too short to hold the header protection sample. */
  public static final int ERR_SHORT = -1;

  /** unprotect: AEAD authentication failed (wrong keys, corrupted or forged packet). */
  public static final int ERR_AUTH = -2;

  /** An offset or length is outside the buffer or inconsistent. */
  public static final int ERR_BOUNDS = -3;

  /** AEAD tag length of all QUIC v1 suites. */
  public static final int TAG_LENGTH = 16;

  /** Header protection sample length (RFC 9001 §5.4.2). */
  public static final int SAMPLE_LENGTH = 16;

  private final CipherSuite suite;
  private final byte[] secret;
  private final byte[] key;
  private final byte[] iv;
  private final byte[] hpKey;
  private final Aead aead;
  private final HeaderProtection hp;
  private final AeadFactory.AesImpl impl;

  private final byte[] nonce = new byte[12];
  private final byte[] mask = new byte[16];

  private int lastPayloadOffset;
  private int lastPayloadLength;
  private int lastFirstByte;
  private int lastPnLength;

  private PacketProtection(
      CipherSuite suite,
      byte[] secret,
      byte[] hpKey,
      HeaderProtection hp,
      AeadFactory.AesImpl impl) {
    HashAlgorithm h = suite.hash();
    this.suite = suite;
    this.secret = secret.clone();
    this.key = Hkdf.expandLabel(h, secret, "quic key", null, suite.keyLength());
    this.iv = Hkdf.expandLabel(h, secret, "quic iv", null, suite.ivLength());
    this.hpKey = hpKey;
    this.hp = hp;
    this.impl = impl;
    this.aead = AeadFactory.create(suite, key, impl);
  }

  /**
   * Derives key, IV and header protection key ("quic key", "quic iv", "quic hp"; RFC 9001 §5.1)
   * from a traffic secret. Handshake-time; allocates.
   */
  public static PacketProtection create(CipherSuite suite, byte[] trafficSecret) {
    return create(suite, trafficSecret, AeadFactory.AesImpl.AUTO);
  }

  /** As {@link #create(CipherSuite, byte[])} with an explicit AES-GCM implementation (tests). */
  static PacketProtection create(
      CipherSuite suite, byte[] trafficSecret, AeadFactory.AesImpl impl) {
    if (trafficSecret.length != suite.hash().length()) {
      throw new IllegalArgumentException("secret length " + trafficSecret.length + " for " + suite);
    }
    byte[] hpKey =
        Hkdf.expandLabel(suite.hash(), trafficSecret, "quic hp", null, suite.keyLength());
    return new PacketProtection(
        suite, trafficSecret, hpKey, HeaderProtection.create(suite, hpKey), impl);
  }

  /**
   * The protection for the next key phase (RFC 9001 §6.1): secret' = HKDF-Expand-Label(secret,
   * "quic ku", "", Hash.length), new key and IV, the SAME header protection key. Allocates.
   */
  public PacketProtection nextKeyPhase() {
    byte[] next = Hkdf.expandLabel(suite.hash(), secret, "quic ku", null, suite.hash().length());
    // The header protection object has its own scratch state; the successor gets its own instance
    // over the same key so that both phases can be used alternately without interference.
    return new PacketProtection(suite, next, hpKey, HeaderProtection.create(suite, hpKey), impl);
  }

  /**
   * The AES-GCM implementation in use by default on this JVM (for logs and status reports). Call it
   * once at server start-up: the first use of the crypto package runs the self-test of the
   * JDK-intrinsic path against JCE (roughly 0.2-0.3 s) and logs the choice once at info.
   */
  public static String aesGcmImplementation() {
    return AeadFactory.aesGcmImplementation();
  }

  /** The name of the AEAD implementation of this instance. */
  public String aeadImplementation() {
    return aead.name();
  }

  public CipherSuite suite() {
    return suite;
  }

  /** Copy of the traffic secret (handshake-time use, e.g. tests and key logging). */
  public byte[] secret() {
    return secret.clone();
  }

  byte[] key() {
    return key.clone();
  }

  byte[] iv() {
    return iv.clone();
  }

  byte[] hpKey() {
    return hpKey.clone();
  }

  private void makeNonce(long pn) {
    // RFC 9001 §5.3: the 62-bit packet number, left-padded to the IV length, XOR the IV.
    System.arraycopy(iv, 0, nonce, 0, 12);
    for (int i = 0; i < 8; i++) {
      nonce[11 - i] ^= (byte) (pn >>> (8 * i));
    }
  }

  /**
   * AEAD-encrypts in place {@code buf[headerOff+headerLen, +payloadLen)} with the header bytes as
   * AAD and appends the 16-byte tag.
   *
   * @return {@code payloadLen + 16}, or -1 if the ranges do not fit the buffer
   */
  public int seal(byte[] buf, int headerOff, int headerLen, int payloadLen, long pn) {
    if (!Aead.inBounds(buf, headerOff, headerLen) || pn < 0) {
      return -1;
    }
    makeNonce(pn);
    return aead.seal(nonce, buf, headerOff, headerLen, buf, headerOff + headerLen, payloadLen);
  }

  /**
   * Verifies and decrypts in place {@code buf[headerOff+headerLen, +ciphertextLen)} (the last 16
   * bytes being the tag). Never throws for bad input.
   *
   * @return the plaintext length, or -1 on authentication failure or bad bounds (buffer unchanged)
   */
  public int open(byte[] buf, int headerOff, int headerLen, int ciphertextLen, long pn) {
    if (!Aead.inBounds(buf, headerOff, headerLen) || pn < 0) {
      return -1;
    }
    makeNonce(pn);
    return aead.open(nonce, buf, headerOff, headerLen, buf, headerOff + headerLen, ciphertextLen);
  }

  /**
   * Computes the header protection mask for the 16-byte sample at {@code sample[sampleOff]} and
   * writes its first 5 bytes to {@code maskOut[0, 5)} (RFC 9001 §5.4.1). Does nothing if the sample
   * or the output is out of bounds.
   */
  public void headerProtectionMask(byte[] sample, int sampleOff, byte[] maskOut) {
    if (!Aead.inBounds(sample, sampleOff, SAMPLE_LENGTH) || maskOut == null || maskOut.length < 5) {
      return;
    }
    hp.mask(sample, sampleOff, mask);
    System.arraycopy(mask, 0, maskOut, 0, 5);
  }

  /**
   * Seals a packet and applies header protection (RFC 9001 §5.4). The caller has written the header
   * in clear from {@code packetOff}: the first byte (with the packet number length bits), for long
   * headers the Length field already covering {@code pnLen + payloadLen + 16}, and the {@code
   * pnLen}-byte truncated packet number at {@code pnOff}; the plaintext payload follows at {@code
   * pnOff + pnLen}. The sample is taken at {@code pnOff + 4}, so {@code pnLen + payloadLen} must be
   * at least 4 (RFC 9001 §5.4.2: pad the payload otherwise).
   *
   * @return the total packet length {@code pnOff + pnLen + payloadLen + 16 - packetOff}, or {@link
   *     #ERR_SHORT} / {@link #ERR_BOUNDS}
   */
  public int protect(byte[] buf, int packetOff, int pnOff, int pnLen, int payloadLen, long pn) {
    if (buf == null
        || packetOff < 0
        || pnOff <= packetOff
        || pnLen < 1
        || pnLen > 4
        || payloadLen < 0
        || pnOff > buf.length - pnLen - TAG_LENGTH
        || payloadLen > buf.length - pnOff - pnLen - TAG_LENGTH
        || ((buf[packetOff] & 0x03) + 1) != pnLen
        || pn < 0) {
      return ERR_BOUNDS;
    }
    if (pnLen + payloadLen < 4) {
      return ERR_SHORT;
    }
    int headerLen = pnOff + pnLen - packetOff;
    int sealed = seal(buf, packetOff, headerLen, payloadLen, pn);
    if (sealed < 0) {
      return ERR_BOUNDS;
    }
    hp.mask(buf, pnOff + 4, mask);
    int first = buf[packetOff];
    buf[packetOff] = (byte) (first ^ (mask[0] & ((first & 0x80) != 0 ? 0x0f : 0x1f)));
    for (int i = 0; i < pnLen; i++) {
      buf[pnOff + i] ^= mask[1 + i];
    }
    return headerLen + sealed;
  }

  /**
   * Removes header protection, decodes the full packet number (RFC 9000 §A.3) against {@code
   * largestPn} (the largest packet number successfully processed in this packet number space, -1 if
   * none) and opens the payload in place: {@link #removeHeaderProtection} then {@link
   * #openPayload}. The packet spans {@code buf[packetOff, packetEnd)} (for a long header, {@code
   * packetEnd} comes from its Length field).
   *
   * <p>On success the accessors {@link #lastPayloadOffset()}, {@link #lastPayloadLength()} and
   * {@link #lastFirstByte()} describe the packet. NOTE: whenever the result is not {@link
   * #ERR_SHORT}/{@link #ERR_BOUNDS}, the first byte and packet number bytes in {@code buf} have
   * been unmasked in place, including on {@link #ERR_AUTH} (the caller drops such a packet). The
   * reserved bits of the unprotected first byte are NOT checked here (RFC 9000 §17.2/§17.3.1: a
   * non-zero value after successful removal of protection is a PROTOCOL_VIOLATION; the caller
   * checks {@link #lastFirstByte()}).
   *
   * @return the full packet number (>= 0), or {@link #ERR_SHORT}, {@link #ERR_AUTH}, {@link
   *     #ERR_BOUNDS}
   */
  public long unprotect(byte[] buf, int packetOff, int pnOff, int packetEnd, long largestPn) {
    long pn = removeHeaderProtection(buf, packetOff, pnOff, packetEnd, largestPn);
    if (pn < 0) {
      return pn;
    }
    int n = openPayload(buf, packetOff, pnOff + lastPnLength, packetEnd, pn);
    return n < 0 ? ERR_AUTH : pn;
  }

  /**
   * Removes header protection in place (RFC 9001 §5.4) and decodes the full packet number against
   * {@code largestPn} (RFC 9000 §A.3, {@link PacketNumber#decode}); {@link #lastFirstByte()} and
   * {@link #lastPacketNumberLength()} then describe the header. Header protection keys do not
   * change with the 1-RTT key phase (RFC 9001 §6.1), so a receiver unmasks once with its current
   * keys, reads the key phase bit, and opens the payload ({@link #openPayload}) with the keys of
   * that phase.
   *
   * @return the full packet number (>= 0), or {@link #ERR_SHORT}, {@link #ERR_BOUNDS}
   */
  public long removeHeaderProtection(
      byte[] buf, int packetOff, int pnOff, int packetEnd, long largestPn) {
    if (buf == null || packetOff < 0 || pnOff <= packetOff || packetEnd > buf.length) {
      return ERR_BOUNDS;
    }
    if (packetEnd - pnOff < 4 + SAMPLE_LENGTH) {
      return ERR_SHORT;
    }
    hp.mask(buf, pnOff + 4, mask);
    int first = buf[packetOff] & 0xff;
    first ^= mask[0] & ((first & 0x80) != 0 ? 0x0f : 0x1f);
    buf[packetOff] = (byte) first;
    int pnLen = (first & 0x03) + 1;
    long truncated = 0;
    for (int i = 0; i < pnLen; i++) {
      int b = (buf[pnOff + i] ^ mask[1 + i]) & 0xff;
      buf[pnOff + i] = (byte) b;
      truncated = (truncated << 8) | b;
    }
    lastFirstByte = first;
    lastPnLength = pnLen;
    return PacketNumber.decode(largestPn, truncated, pnLen * 8);
  }

  /** Length in bytes of the packet number of the last {@link #removeHeaderProtection}. */
  public int lastPacketNumberLength() {
    return lastPnLength;
  }

  /**
   * Opens in place the payload {@code buf[payloadOff, packetEnd)} of packet {@code pn} whose header
   * {@code buf[packetOff, payloadOff)} is already unmasked (the associated data, RFC 9001 §5.3).
   *
   * @return the plaintext length ({@link #lastPayloadOffset()}, {@link #lastPayloadLength()}
   *     describe it), or {@link #ERR_AUTH}
   */
  public int openPayload(byte[] buf, int packetOff, int payloadOff, int packetEnd, long pn) {
    makeNonce(pn);
    int n =
        aead.open(
            nonce, buf, packetOff, payloadOff - packetOff, buf, payloadOff, packetEnd - payloadOff);
    if (n < 0) {
      return ERR_AUTH;
    }
    lastPayloadOffset = payloadOff;
    lastPayloadLength = n;
    return n;
  }

  /** Offset of the plaintext payload of the last successful {@link #unprotect}. */
  public int lastPayloadOffset() {
    return lastPayloadOffset;
  }

  /** Plaintext length of the last successful {@link #unprotect}. */
  public int lastPayloadLength() {
    return lastPayloadLength;
  }

  /**
   * Unprotected first byte of the last {@link #removeHeaderProtection} (or successful {@link
   * #unprotect}); for a short header the key phase bit is {@code (lastFirstByte() & 0x04)}.
   */
  public int lastFirstByte() {
    return lastFirstByte;
  }
}
