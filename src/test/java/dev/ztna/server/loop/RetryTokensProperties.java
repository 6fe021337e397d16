package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class RetryTokensProperties {
  private static final long NOW = 1_763_000_000_000L;
  private static final long LIFETIME = 10_000;

  @Provide
  Arbitrary<byte[]> ips() {
    return Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofSize(4),
        Arbitraries.bytes().array(byte[].class).ofSize(16));
  }

  @Provide
  Arbitrary<byte[]> odcids() {
    return Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(20);
  }

  @Provide
  Arbitrary<byte[]> secrets() {
    return Arbitraries.bytes().array(byte[].class).ofSize(32);
  }

  /** The SCID of the Retry that carries the tokens below (fixed unless a property varies it). */
  private static final byte[] RSCID = {9, 8, 7, 6, 5, 4, 3, 2};

  private static byte[] mint(RetryTokens t, byte[] ip, int port, byte[] odcid, long now) {
    return mint(t, ip, port, odcid, RSCID, now);
  }

  private static byte[] mint(
      RetryTokens t, byte[] ip, int port, byte[] odcid, byte[] retryScid, long now) {
    byte[] out = new byte[RetryTokens.MAX_LENGTH];
    int n =
        t.mint(
            ip,
            ip.length,
            port,
            odcid,
            0,
            odcid.length,
            retryScid,
            0,
            retryScid.length,
            now,
            out,
            0);
    return Arrays.copyOf(out, n);
  }

  /** Validates as the server does for an Initial sent to the Retry's SCID. */
  private static int validate(
      RetryTokens t, byte[] token, byte[] ip, int ipLen, int port, long now) {
    return t.validate(token, 0, token.length, RSCID, 0, RSCID.length, ip, ipLen, port, now);
  }

  @Property
  void tokenValidatesOnlyWithTheRetrysSourceCid(
      @ForAll("secrets") byte[] secret,
      @ForAll("ips") byte[] ip,
      @ForAll("odcids") byte[] odcid,
      @ForAll("odcids") byte[] retryScid,
      @ForAll("odcids") byte[] otherDcid) {
    // RFC 9000 §8.1.4, §17.2.5.1: the client's Initial after the Retry goes to the Retry's SCID.
    RetryTokens t = new RetryTokens(secret, LIFETIME);
    byte[] token = mint(t, ip, 443, odcid, retryScid, NOW);
    assertEquals(
        RetryTokens.VALID,
        t.validate(
            token, 0, token.length, retryScid, 0, retryScid.length, ip, ip.length, 443, NOW));
    if (!Arrays.equals(retryScid, otherDcid)) {
      assertEquals(
          RetryTokens.ERR_INVALID,
          t.validate(
              token, 0, token.length, otherDcid, 0, otherDcid.length, ip, ip.length, 443, NOW));
    }
  }

  @Property
  void anyByteTamperedIsRefused(
      @ForAll("secrets") byte[] secret,
      @ForAll("ips") byte[] ip,
      @ForAll("odcids") byte[] odcid,
      @ForAll @IntRange(max = 10_000) int at,
      @ForAll @IntRange(min = 1, max = 255) int xor) {
    RetryTokens t = new RetryTokens(secret, LIFETIME);
    byte[] token = mint(t, ip, 1, odcid, NOW);
    token[at % token.length] ^= (byte) xor;
    assertEquals(true, validate(t, token, ip, ip.length, 1, NOW) != RetryTokens.VALID);
  }

  @Property
  void validTokenYieldsOriginalDcid(
      @ForAll("secrets") byte[] secret,
      @ForAll("ips") byte[] ip,
      @ForAll @IntRange(max = 65535) int port,
      @ForAll("odcids") byte[] odcid,
      @ForAll @IntRange(max = 10_000) int age) {
    RetryTokens t = new RetryTokens(secret, LIFETIME);
    byte[] token = mint(t, ip, port, odcid, NOW);
    assertEquals(RetryTokens.VALID, validate(t, token, ip, ip.length, port, NOW + age));
    assertArrayEquals(
        odcid, Arrays.copyOfRange(token, t.odcidOffset(), t.odcidOffset() + t.odcidLength()));
  }

  @Property
  void anyBitFlipIsRefused(
      @ForAll("secrets") byte[] secret,
      @ForAll("ips") byte[] ip,
      @ForAll @IntRange(max = 65535) int port,
      @ForAll("odcids") byte[] odcid,
      @ForAll @IntRange(max = 10_000) int bitSeed) {
    RetryTokens t = new RetryTokens(secret, LIFETIME);
    byte[] token = mint(t, ip, port, odcid, NOW);
    int bit = bitSeed % (token.length * 8);
    token[bit / 8] ^= (byte) (1 << (bit % 8));
    int r = validate(t, token, ip, ip.length, port, NOW);
    assertEquals(true, r != RetryTokens.VALID, "flipped bit " + bit + " accepted");
  }

  @Property
  void otherAddressOrPortIsRefused(
      @ForAll("secrets") byte[] secret,
      @ForAll @Size(4) byte[] ip,
      @ForAll @IntRange(max = 65534) int port,
      @ForAll("odcids") byte[] odcid,
      @ForAll @IntRange(max = 3) int which) {
    RetryTokens t = new RetryTokens(secret, LIFETIME);
    byte[] token = mint(t, ip, port, odcid, NOW);
    byte[] otherIp = ip.clone();
    int otherPort = port;
    if (which == 0) {
      otherPort = port + 1;
    } else {
      otherIp[which] ^= 1;
    }
    assertEquals(
        RetryTokens.ERR_INVALID, validate(t, token, otherIp, otherIp.length, otherPort, NOW));
  }

  @Property
  void expiredOrFutureTokensAreRefused(
      @ForAll("secrets") byte[] secret,
      @ForAll @Size(16) byte[] ip,
      @ForAll("odcids") byte[] odcid,
      @ForAll @IntRange(min = 1, max = 1_000_000) int late) {
    RetryTokens t = new RetryTokens(secret, LIFETIME);
    byte[] token = mint(t, ip, 4433, odcid, NOW);
    assertEquals(RetryTokens.ERR_EXPIRED, validate(t, token, ip, 16, 4433, NOW + LIFETIME + late));
    assertEquals(RetryTokens.ERR_EXPIRED, validate(t, token, ip, 16, 4433, NOW - 1_000 - late));
  }

  @Property
  void anotherProcessSecretIsRefused(
      @ForAll("secrets") byte[] secret,
      @ForAll("secrets") byte[] other,
      @ForAll @Size(4) byte[] ip) {
    if (Arrays.equals(secret, other)) {
      return;
    }
    byte[] token = mint(new RetryTokens(secret, LIFETIME), ip, 1, new byte[8], NOW);
    assertEquals(
        RetryTokens.ERR_INVALID, validate(new RetryTokens(other, LIFETIME), token, ip, 4, 1, NOW));
  }

  @Property
  void garbageNeverThrows(
      @ForAll @Size(max = 100) byte[] garbage, @ForAll("secrets") byte[] secret) {
    int r =
        new RetryTokens(secret, LIFETIME)
            .validate(garbage, 0, garbage.length, RSCID, 0, 8, new byte[4], 4, 1, NOW);
    assertEquals(true, r != RetryTokens.VALID);
  }
}
