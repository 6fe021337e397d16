package dev.ztna.server.cluster.lb;

/**
 * What a load balancer does with a QUIC-LB connection ID (draft-ietf-quic-load-balancers-21 §4.1,
 * §5.5): checks the config rotation bits and the length, then reads (plaintext) or decrypts the
 * server ID. Allocation-free; one instance per thread.
 */
public final class QuicLbDecoder {
  /** The CID's config rotation bits name another configuration (or 0b111, unroutable). */
  public static final int OTHER_CONFIG = -1;

  /** The CID is shorter than this configuration's CIDs. */
  public static final int TOO_SHORT = -2;

  private final QuicLbConfig config;
  private final QuicLbCipher cipher;
  private final byte[] plain = new byte[19];

  public QuicLbDecoder(QuicLbConfig config) {
    this.config = config;
    byte[] key = config.key();
    this.cipher = key == null ? null : new QuicLbCipher(key, config.plaintextLength());
  }

  public QuicLbConfig config() {
    return config;
  }

  /** The config rotation code point of a CID's first octet (§3.1). */
  public static int configIdOf(byte firstOctet) {
    return (firstOctet & 0xff) >>> 5;
  }

  /**
   * Writes the server ID of the CID at {@code cid[off]} ({@code len} bytes) into {@code
   * out[outOff]} and returns its length, or {@link #OTHER_CONFIG} or {@link #TOO_SHORT}. Any other
   * CID of this configuration yields some server ID; whether it names a node is the caller's
   * question (§4.1).
   */
  public int serverId(byte[] cid, int off, int len, byte[] out, int outOff) {
    int r = decode(cid, off, len);
    if (r < 0) {
      return r;
    }
    System.arraycopy(plain, 0, out, outOff, config.serverIdLength());
    return config.serverIdLength();
  }

  /**
   * Decodes the whole {@code server ID || nonce} field of a CID into {@code out[outOff]} (for tests
   * and diagnostics: a load balancer needs only {@link #serverId}); returns its length or an error
   * as {@link #serverId} does.
   */
  public int plaintext(byte[] cid, int off, int len, byte[] out, int outOff) {
    int r = decode(cid, off, len);
    if (r < 0) {
      return r;
    }
    System.arraycopy(plain, 0, out, outOff, config.plaintextLength());
    return config.plaintextLength();
  }

  private int decode(byte[] cid, int off, int len) {
    if (len < 1 || configIdOf(cid[off]) != config.configId()) {
      return OTHER_CONFIG;
    }
    if (len < config.cidLength()) {
      return TOO_SHORT;
    }
    if (cipher == null) {
      System.arraycopy(cid, off + 1, plain, 0, config.plaintextLength());
    } else {
      cipher.decrypt(cid, off + 1, plain, 0);
    }
    return 0;
  }
}
