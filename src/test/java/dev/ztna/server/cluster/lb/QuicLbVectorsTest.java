package dev.ztna.server.cluster.lb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The test vectors of draft-ietf-quic-load-balancers-21 (§5.4.2.4 "Encryption Example" and Appendix
 * "Load Balancer Test Vectors"), through both the encoder side (the cipher the generator uses) and
 * the load balancer's {@link QuicLbDecoder}.
 */
class QuicLbVectorsTest {
  private static final byte[] VECTOR_KEY = hex("8f95f09245765f80256934e50c66207f");

  static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /** Encodes {@code sid || nonce} as the server does, with a length-encoding first octet. */
  private static byte[] encode(int configId, byte[] key, String sid, String nonce) {
    byte[] plain = hex(sid + nonce);
    byte[] cid = new byte[1 + plain.length];
    cid[0] = (byte) ((configId << 5) | plain.length);
    if (key == null) {
      System.arraycopy(plain, 0, cid, 1, plain.length);
    } else {
      new QuicLbCipher(key, plain.length).encrypt(plain, 0, cid, 1);
    }
    return cid;
  }

  /** Checks encoding gives {@code cid} and the decoder gives back the server ID and the nonce. */
  private static void vector(int configId, byte[] key, String sid, String nonce, String cid) {
    assertEquals(cid, hex(encode(configId, key, sid, nonce)), "encoded cid");
    QuicLbConfig config =
        new QuicLbConfig(configId, sid.length() / 2, nonce.length() / 2, key, true);
    QuicLbDecoder decoder = new QuicLbDecoder(config);
    byte[] c = hex(cid);
    byte[] out = new byte[19];
    assertEquals(sid.length() / 2, decoder.serverId(c, 0, c.length, out, 0));
    assertEquals(sid, hex(Arrays.copyOf(out, sid.length() / 2)), "decoded server id");
    int n = decoder.plaintext(c, 0, c.length, out, 0);
    assertEquals(sid + nonce, hex(Arrays.copyOf(out, n)), "decoded server id || nonce");
  }

  @Test
  void unencryptedVector() {
    vector(0, null, "c4605e", "4504cc4f", "07c4605e4504cc4f");
    // The appendix's second unencrypted vector (cr 1, sid 350d28b420, nonce 3487d970b, cid
    // 20a350d28b4203487d970b) has a 9-digit nonce and a malformed cid in every draft revision up
    // to -21, so it cannot be checked as written. Checked instead: our reconstruction with a 5-byte
    // nonce (a guess at the intent, not a draft vector).
    vector(1, null, "350d28b420", "3487d970b0", "2a350d28b4203487d970b0");
  }

  @Test
  void fourPassEncryptionExample() {
    // §5.4.2.4: odd plaintext length (7), every intermediate value printed in the draft.
    vector(0, hex("fdf726a9893ec05c0632d3956680baf0"), "31441a", "9c69c275", "0767947d29be054a");
  }

  @Test
  void fourPassOddLength() {
    vector(0, VECTOR_KEY, "ed793a", "ee080dbf", "0720b1d07b359d3c");
  }

  @Test
  void fourPassServerIdLongerThanNonce() {
    // Needs the fourth decryption pass: the server id spills into right_0.
    vector(1, VECTOR_KEY, "ed793a51d49b8f5fab65", "ee080dbf48", "2fcc381bc74cb4fbad2823a3d1f8fed2");
  }

  @Test
  void singlePass() {
    vector(
        2,
        VECTOR_KEY,
        "ed793a51d49b8f5f",
        "ee080dbf48c0d1e5",
        "504dd2d05a7b0de9b2b9907afb5ecf8cc3");
  }

  @Test
  void fourPassEighteenBytes() {
    // The appendix lists this vector under cr_bits 3 but prints first octet 0x12 (code point 0,
    // length 18); the encrypted part does not depend on the first octet, so it is checked with
    // code point 0 as printed.
    vector(
        0,
        VECTOR_KEY,
        "ed793a51d49b8f5fab",
        "ee080dbf48c0d1e55d",
        "125779c9cc86beb3a3a4a3ca96fce4bfe0cdbc");
  }

  @Test
  void decoderRejectsOtherConfigsAndShortCids() {
    QuicLbDecoder decoder = new QuicLbDecoder(new QuicLbConfig(2, 3, 4, VECTOR_KEY, true));
    byte[] out = new byte[19];
    byte[] other = hex("0720b1d07b359d3c"); // code point 0
    assertEquals(QuicLbDecoder.OTHER_CONFIG, decoder.serverId(other, 0, other.length, out, 0));
    byte[] unroutable = hex("e720b1d07b359d3c"); // 0b111
    assertEquals(
        QuicLbDecoder.OTHER_CONFIG, decoder.serverId(unroutable, 0, unroutable.length, out, 0));
    byte[] shortCid = hex("4720b1d07b359d");
    assertEquals(QuicLbDecoder.TOO_SHORT, decoder.serverId(shortCid, 0, shortCid.length, out, 0));
  }

  @Test
  void configLimits() {
    assertThrows(IllegalArgumentException.class, () -> new QuicLbConfig(7, 2, 6, null, true));
    assertThrows(IllegalArgumentException.class, () -> new QuicLbConfig(0, 0, 6, null, true));
    assertThrows(IllegalArgumentException.class, () -> new QuicLbConfig(0, 2, 3, null, true));
    assertThrows(IllegalArgumentException.class, () -> new QuicLbConfig(0, 10, 10, null, true));
    assertThrows(
        IllegalArgumentException.class, () -> new QuicLbConfig(0, 2, 6, new byte[15], true));
    assertEquals(9, new QuicLbConfig(0, 2, 6, null, true).cidLength());
    assertArrayEquals(VECTOR_KEY, new QuicLbConfig(0, 2, 6, VECTOR_KEY, true).key());
  }
}
