package dev.ztna.server.cluster.lb;

import java.util.Arrays;

/**
 * One QUIC-LB configuration (draft-ietf-quic-load-balancers-21 §5.3), shared by every node and the
 * load balancer: the config rotation code point, the server ID and nonce lengths, the optional
 * AES-128 key, and whether the first octet's low five bits self-encode the CID length (§3.3) or are
 * random. Immutable.
 *
 * <p>A CID is {@code first octet || server ID || nonce} in plaintext, or {@code first octet ||
 * AES(server ID || nonce)} with a key, so its length is {@code 1 + serverIdLength + nonceLength}.
 */
public final class QuicLbConfig {
  /** §3.2: code point 0b111 marks an unroutable CID and is never a configuration. */
  public static final int UNROUTABLE_CONFIG_ID = 7;

  /** The AES-128 key length. */
  public static final int KEY_LENGTH = 16;

  private final int configId;
  private final int serverIdLength;
  private final int nonceLength;
  private final byte[] key;
  private final boolean encodeLength;

  /**
   * @param configId the config rotation code point, 0..6 (§3.1)
   * @param serverIdLength server ID octets, at least 1 (§5.1)
   * @param nonceLength nonce octets, at least 4; with the server ID at most 19 (§5.3)
   * @param key the 16-byte AES-128 key, or {@code null} for plaintext CIDs (which let observers see
   *     the server of every connection, §5.3)
   * @param encodeLength whether the first octet's low 5 bits carry the CID length minus one (§3.3)
   *     rather than random bits
   */
  public QuicLbConfig(
      int configId, int serverIdLength, int nonceLength, byte[] key, boolean encodeLength) {
    if (configId < 0 || configId >= UNROUTABLE_CONFIG_ID) {
      throw new IllegalArgumentException("config id must be 0..6, got " + configId);
    }
    if (serverIdLength < 1) {
      throw new IllegalArgumentException(
          "server id length must be at least 1, got " + serverIdLength);
    }
    if (nonceLength < 4) {
      throw new IllegalArgumentException("nonce length must be at least 4, got " + nonceLength);
    }
    if (serverIdLength + nonceLength > 19) {
      throw new IllegalArgumentException(
          "server id length + nonce length must be at most 19, got "
              + (serverIdLength + nonceLength));
    }
    if (key != null && key.length != KEY_LENGTH) {
      throw new IllegalArgumentException("key must be 16 bytes, got " + key.length);
    }
    this.configId = configId;
    this.serverIdLength = serverIdLength;
    this.nonceLength = nonceLength;
    this.key = key == null ? null : key.clone();
    this.encodeLength = encodeLength;
  }

  public int configId() {
    return configId;
  }

  public int serverIdLength() {
    return serverIdLength;
  }

  public int nonceLength() {
    return nonceLength;
  }

  /** Server ID plus nonce: the part after the first octet, encrypted as one unit. */
  public int plaintextLength() {
    return serverIdLength + nonceLength;
  }

  /** The CID length: first octet, server ID and nonce. */
  public int cidLength() {
    return 1 + serverIdLength + nonceLength;
  }

  /** Whether CIDs are encrypted. */
  public boolean encrypted() {
    return key != null;
  }

  /** A copy of the key, or {@code null} for plaintext CIDs. */
  public byte[] key() {
    return key == null ? null : key.clone();
  }

  public boolean encodeLength() {
    return encodeLength;
  }

  /** Which encoding CIDs of this configuration use. */
  public String mode() {
    if (key == null) {
      return "plaintext";
    }
    return plaintextLength() == 16 ? "aes-single-pass" : "aes-four-pass";
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof QuicLbConfig)) {
      return false;
    }
    QuicLbConfig c = (QuicLbConfig) o;
    return c.configId == configId
        && c.serverIdLength == serverIdLength
        && c.nonceLength == nonceLength
        && Arrays.equals(c.key, key)
        && c.encodeLength == encodeLength;
  }

  @Override
  public int hashCode() {
    return ((configId * 31 + serverIdLength) * 31 + nonceLength) * 31 + Arrays.hashCode(key);
  }

  /** Describes the configuration without the key. */
  @Override
  public String toString() {
    return "QUIC-LB config "
        + configId
        + " ("
        + mode()
        + ", server id "
        + serverIdLength
        + " bytes, nonce "
        + nonceLength
        + " bytes, cid "
        + cidLength()
        + " bytes)";
  }
}
