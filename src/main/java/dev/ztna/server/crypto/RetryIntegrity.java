package dev.ztna.server.crypto;

/**
 * Retry Packet Integrity tag (RFC 9001 §5.8): AES-128-GCM with a fixed key and nonce over an empty
 * plaintext, AAD = the Retry Pseudo-Packet (ODCID length, ODCID, Retry packet without the tag).
 * Zero allocation per call once the internal pseudo-packet buffer is large enough (it starts at 2
 * KiB and grows if a larger Retry is ever seen). Not thread-safe: one instance per thread.
 */
public final class RetryIntegrity {
  /** Length of the integrity tag. */
  public static final int TAG_LENGTH = 16;

  private static final byte[] KEY_V1 = {
    (byte) 0xbe, (byte) 0x0c, (byte) 0x69, (byte) 0x0b, (byte) 0x9f, (byte) 0x66, (byte) 0x57,
    (byte) 0x5a, (byte) 0x1d, (byte) 0x76, (byte) 0x6b, (byte) 0x54, (byte) 0xe3, (byte) 0x68,
    (byte) 0xc8, (byte) 0x4e
  };
  private static final byte[] NONCE_V1 = {
    (byte) 0x46,
    (byte) 0x15,
    (byte) 0x99,
    (byte) 0xd3,
    (byte) 0x5d,
    (byte) 0x63,
    (byte) 0x2b,
    (byte) 0xf2,
    (byte) 0x23,
    (byte) 0x98,
    (byte) 0x25,
    (byte) 0xbb
  };

  private final Aead aead;
  private byte[] pseudo = new byte[2048];
  private final byte[] tag = new byte[TAG_LENGTH];

  public RetryIntegrity() {
    this(AeadFactory.AesImpl.AUTO);
  }

  RetryIntegrity(AeadFactory.AesImpl impl) {
    this.aead = AeadFactory.create(CipherSuite.TLS_AES_128_GCM_SHA256, KEY_V1.clone(), impl);
  }

  /**
   * Computes the tag for the Retry packet {@code retryWithoutTag[off, off+len)} sent in response to
   * a packet whose Destination Connection ID was {@code odcid[odcidOff, +odcidLen)}, writing it to
   * {@code tagOut[tagOutOff, +16)}.
   *
   * @throws IllegalArgumentException if a range is out of bounds or {@code odcidLen > 255}
   */
  public void computeTag(
      byte[] odcid,
      int odcidOff,
      int odcidLen,
      byte[] retryWithoutTag,
      int off,
      int len,
      byte[] tagOut,
      int tagOutOff) {
    if (!Aead.inBounds(tagOut, tagOutOff, TAG_LENGTH)) {
      throw new IllegalArgumentException("tag output out of bounds");
    }
    int n = pseudoPacket(odcid, odcidOff, odcidLen, retryWithoutTag, off, len);
    if (n < 0) {
      throw new IllegalArgumentException("Retry pseudo-packet input out of bounds");
    }
    aead.seal(NONCE_V1, pseudo, 0, n, tagOut, tagOutOff, 0);
  }

  /**
   * Verifies the tag at the end of {@code retryPacket[off, off+totalLenIncludingTag)}. Returns
   * false (never throws) for a bad tag or out-of-bounds input.
   */
  public boolean verify(
      byte[] odcid,
      int odcidOff,
      int odcidLen,
      byte[] retryPacket,
      int off,
      int totalLenIncludingTag) {
    if (totalLenIncludingTag < TAG_LENGTH
        || !Aead.inBounds(retryPacket, off, totalLenIncludingTag)) {
      return false;
    }
    int len = totalLenIncludingTag - TAG_LENGTH;
    int n = pseudoPacket(odcid, odcidOff, odcidLen, retryPacket, off, len);
    if (n < 0) {
      return false;
    }
    aead.seal(NONCE_V1, pseudo, 0, n, tag, 0, 0);
    return Aead.tagEquals(tag, 0, retryPacket, off + len);
  }

  private int pseudoPacket(
      byte[] odcid, int odcidOff, int odcidLen, byte[] retry, int off, int len) {
    if (odcidLen > 255
        || !Aead.inBounds(odcid, odcidOff, odcidLen)
        || !Aead.inBounds(retry, off, len)) {
      return -1;
    }
    int n = 1 + odcidLen + len;
    if (n > pseudo.length) {
      pseudo = new byte[Math.max(n, pseudo.length * 2)];
    }
    pseudo[0] = (byte) odcidLen;
    System.arraycopy(odcid, odcidOff, pseudo, 1, odcidLen);
    System.arraycopy(retry, off, pseudo, 1 + odcidLen, len);
    return n;
  }
}
