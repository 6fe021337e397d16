package dev.ztna.server.cluster.lb;

import dev.ztna.server.conn.ConnectionIdGenerator;
import dev.ztna.server.conn.RandomConnectionIdGenerator;
import java.security.SecureRandom;

/**
 * A node's QUIC-LB connection IDs (draft-ietf-quic-load-balancers-21 §5): {@code first octet ||
 * server ID || nonce}, the last two encrypted when the configuration has a key.
 *
 * <p>The nonce is a counter that starts at a random value (§10.6: a nonce is never reused within
 * one configuration; starting at random maximises the usable space). Encrypted, the counter is the
 * nonce as is: the cipher is a permutation, so every CID is distinct and unlinkable to the others.
 * In plaintext the counter would link CIDs (§10.6 forbids linkable plaintext nonces), so it is
 * first permuted with the same Feistel construction under a key private to this process, which
 * keeps the nonces distinct while hiding their order. Nonces wider than 8 bytes put the counter in
 * the last 8 and random bytes, fixed at start, before it.
 *
 * <p>When the nonce space is exhausted (only a 4..7-byte nonce can be, after 2^32..2^56 CIDs), §3.2
 * and §10.6 require a new configuration; until the operator supplies one this generator mints
 * unroutable CIDs (config code point 0b111, length self-encoded, random bytes) and {@link
 * #exhausted()} says so. Allocation-free; duty-cycle thread only.
 */
public final class QuicLbConnectionIds implements ConnectionIdGenerator {
  private final QuicLbConfig config;
  private final int cidLength;
  private final int serverIdLength;
  private final int nonceLength;
  private final byte[] plain = new byte[19];
  private final QuicLbCipher cipher;
  private final QuicLbCipher noncePermutation;
  private final RandomConnectionIdGenerator random;
  private final byte[] randomBlock = new byte[16];
  private final int counterBytes;
  private final long capacity; // CIDs before the counter returns to its start; -1: 2^64
  private long counter;
  private long issued;

  /**
   * @param config the shared configuration
   * @param serverId this node's server ID, {@link QuicLbConfig#serverIdLength()} bytes
   * @param random the source of the starting nonce, the private nonce key and the random bits
   */
  public QuicLbConnectionIds(QuicLbConfig config, byte[] serverId, SecureRandom random) {
    if (serverId.length != config.serverIdLength()) {
      throw new IllegalArgumentException(
          "server id must be "
              + config.serverIdLength()
              + " bytes (the configured server id length), got "
              + serverId.length);
    }
    this.config = config;
    this.cidLength = config.cidLength();
    this.serverIdLength = config.serverIdLength();
    this.nonceLength = config.nonceLength();
    System.arraycopy(serverId, 0, plain, 0, serverIdLength);
    this.random = new RandomConnectionIdGenerator(16, random);
    byte[] key = config.key();
    this.cipher = key == null ? null : new QuicLbCipher(key, config.plaintextLength());
    if (key == null) {
      byte[] nonceKey = new byte[QuicLbConfig.KEY_LENGTH];
      random.nextBytes(nonceKey);
      this.noncePermutation = new QuicLbCipher(nonceKey, nonceLength);
    } else {
      this.noncePermutation = null;
    }
    this.counterBytes = Math.min(nonceLength, 8);
    this.capacity = counterBytes == 8 ? -1 : 1L << (8 * counterBytes);
    byte[] start = new byte[nonceLength];
    random.nextBytes(start);
    // Bytes before the counter (nonces over 8 bytes) stay fixed at their random start value.
    System.arraycopy(start, 0, plain, serverIdLength, nonceLength - counterBytes);
    long c = 0;
    for (int i = nonceLength - counterBytes; i < nonceLength; i++) {
      c = (c << 8) | (start[i] & 0xffL);
    }
    this.counter = c;
  }

  /** The configuration these CIDs follow. */
  public QuicLbConfig config() {
    return config;
  }

  @Override
  public int length() {
    return cidLength;
  }

  /** Whether the nonce space ran out and the CIDs minted now are unroutable (0b111). */
  public boolean exhausted() {
    return capacity >= 0 && issued >= capacity;
  }

  @Override
  public void next(byte[] dst, int offset) {
    random.next(randomBlock, 0);
    if (exhausted()) {
      unroutable(dst, offset);
      return;
    }
    issued++;
    long c = counter++;
    int counterAt = serverIdLength + nonceLength - counterBytes;
    for (int i = 0; i < counterBytes; i++) {
      plain[counterAt + i] = (byte) (c >>> (8 * (counterBytes - 1 - i)));
    }
    int lengthBits = config.encodeLength() ? cidLength - 1 : randomBlock[0] & 0x1f;
    dst[offset] = (byte) ((config.configId() << 5) | lengthBits);
    if (cipher != null) {
      cipher.encrypt(plain, 0, dst, offset + 1);
    } else {
      System.arraycopy(plain, 0, dst, offset + 1, serverIdLength);
      noncePermutation.encrypt(plain, serverIdLength, dst, offset + 1 + serverIdLength);
    }
  }

  /** §3.2: config code point 0b111, self-encoded length, random remaining bytes. */
  private void unroutable(byte[] dst, int offset) {
    dst[offset] = (byte) ((QuicLbConfig.UNROUTABLE_CONFIG_ID << 5) | (cidLength - 1));
    int written = 1;
    while (written < cidLength) {
      random.next(randomBlock, 0);
      int n = Math.min(16, cidLength - written);
      System.arraycopy(randomBlock, 0, dst, offset + written, n);
      written += n;
    }
  }
}
