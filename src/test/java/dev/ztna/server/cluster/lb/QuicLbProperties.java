package dev.ztna.server.cluster.lb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Invariants of the QUIC-LB codec over every configuration the draft allows (code point 0..6,
 * server ID of 1.., nonce of 4.., together at most 19 bytes, plaintext or keyed, length bits or
 * random): what a node mints decodes to its server ID, never repeats, has the configured length and
 * code point; the cipher is a bijection for every length. Randomness comes from jqwik (whose seed
 * it prints on failure) through a seeded SHA1PRNG.
 */
class QuicLbProperties {

  /** A configuration plus a server ID of its length and a seed for the generator's randomness. */
  record Case(QuicLbConfig config, byte[] serverId, long seed) {
    @Override
    public String toString() {
      return config
          + " encodeLength="
          + config.encodeLength()
          + " sid="
          + QuicLbVectorsTest.hex(serverId)
          + " seed="
          + seed;
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<int[]> lengths =
        Arbitraries.integers()
            .between(1, 15)
            .flatMap(
                sid ->
                    Arbitraries.integers()
                        .between(4, 19 - sid)
                        .map(nonce -> new int[] {sid, nonce}));
    Arbitrary<byte[]> keys =
        Arbitraries.oneOf(
            Arbitraries.just((byte[]) null), Arbitraries.bytes().array(byte[].class).ofSize(16));
    return Combinators.combine(
            Arbitraries.integers().between(0, 6),
            lengths,
            keys,
            Arbitraries.of(true, false),
            Arbitraries.longs())
        .flatAs(
            (configId, len, key, encodeLength, seed) ->
                Arbitraries.bytes()
                    .array(byte[].class)
                    .ofSize(len[0])
                    .map(
                        sid ->
                            new Case(
                                new QuicLbConfig(configId, len[0], len[1], key, encodeLength),
                                sid,
                                seed)));
  }

  static SecureRandom seeded(long seed) {
    try {
      SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
      r.setSeed(seed);
      return r;
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  @Property(tries = 300)
  void everyCidDecodesToTheServerId(@ForAll("cases") Case c) {
    QuicLbConnectionIds ids = new QuicLbConnectionIds(c.config(), c.serverId(), seeded(c.seed()));
    QuicLbDecoder decoder = new QuicLbDecoder(c.config());
    int len = c.config().cidLength();
    assertEquals(len, ids.length());
    byte[] cid = new byte[len + 2];
    byte[] sid = new byte[19];
    for (int i = 0; i < 50; i++) {
      ids.next(cid, 1);
      assertEquals(c.config().configId(), QuicLbDecoder.configIdOf(cid[1]), "code point");
      if (c.config().encodeLength()) {
        assertEquals(len - 1, cid[1] & 0x1f, "self-encoded length");
      }
      assertEquals(c.serverId().length, decoder.serverId(cid, 1, len, sid, 0));
      assertArrayEquals(c.serverId(), Arrays.copyOf(sid, c.serverId().length));
    }
    assertFalse(ids.exhausted());
  }

  @Property(tries = 100)
  void cidsNeverRepeat(@ForAll("cases") Case c) {
    QuicLbConnectionIds ids = new QuicLbConnectionIds(c.config(), c.serverId(), seeded(c.seed()));
    QuicLbDecoder decoder = new QuicLbDecoder(c.config());
    Set<String> cids = new HashSet<>();
    Set<String> nonces = new HashSet<>();
    byte[] cid = new byte[c.config().cidLength()];
    byte[] plain = new byte[19];
    int n = 2_000;
    for (int i = 0; i < n; i++) {
      ids.next(cid, 0);
      // Everything after the first octet (whose low bits may be random) is distinct, and so is
      // the decrypted nonce: the server never reuses a nonce (§10.6).
      cids.add(QuicLbVectorsTest.hex(Arrays.copyOfRange(cid, 1, cid.length)));
      int pl = decoder.plaintext(cid, 0, cid.length, plain, 0);
      nonces.add(QuicLbVectorsTest.hex(Arrays.copyOfRange(plain, c.serverId().length, pl)));
    }
    assertEquals(n, cids.size(), "distinct cids");
    assertEquals(n, nonces.size(), "distinct nonces");
  }

  @Property(tries = 300)
  void cipherIsABijection(@ForAll @IntRange(min = 2, max = 19) int length, @ForAll long seed) {
    SecureRandom r = seeded(seed);
    byte[] key = new byte[16];
    r.nextBytes(key);
    QuicLbCipher cipher = new QuicLbCipher(key, length);
    byte[] plain = new byte[length];
    r.nextBytes(plain);
    byte[] enc = new byte[length];
    cipher.encrypt(plain, 0, enc, 0);
    byte[] dec = new byte[length];
    cipher.decrypt(enc, 0, dec, 0);
    assertArrayEquals(plain, dec);
    // In place, too (the decoder and generator rely on overlapping calls working).
    cipher.encrypt(plain, 0, plain, 0);
    assertArrayEquals(enc, plain);
  }

  @Property(tries = 50)
  void otherServersCidsDecodeToTheirOwnIds(@ForAll("cases") Case c, @ForAll long otherSeed) {
    byte[] other = c.serverId().clone();
    other[other.length - 1] ^= 1;
    QuicLbConnectionIds a = new QuicLbConnectionIds(c.config(), c.serverId(), seeded(c.seed()));
    QuicLbConnectionIds b = new QuicLbConnectionIds(c.config(), other, seeded(otherSeed));
    QuicLbDecoder decoder = new QuicLbDecoder(c.config());
    byte[] cid = new byte[c.config().cidLength()];
    byte[] sid = new byte[19];
    a.next(cid, 0);
    decoder.serverId(cid, 0, cid.length, sid, 0);
    assertArrayEquals(c.serverId(), Arrays.copyOf(sid, other.length));
    b.next(cid, 0);
    decoder.serverId(cid, 0, cid.length, sid, 0);
    assertArrayEquals(other, Arrays.copyOf(sid, other.length));
    assertTrue(cid.length >= 6);
  }
}
