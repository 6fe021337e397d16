package dev.ztna.server.tls;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/** Deterministic SecureRandom for tests: SHA1PRNG seeded before first use. */
final class TestRandom {
  private TestRandom() {}

  static SecureRandom seeded(long seed) {
    try {
      SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
      // setSeed(long) ignores 0, so always seed through the byte[] overload.
      r.setSeed(java.nio.ByteBuffer.allocate(8).putLong(seed).array());
      return r;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
