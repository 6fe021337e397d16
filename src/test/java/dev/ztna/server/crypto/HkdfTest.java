package dev.ztna.server.crypto;

import static dev.ztna.server.crypto.Hex.b;
import static dev.ztna.server.crypto.Hex.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HkdfTest {
  @Test
  void rfc5869TestCase1() {
    byte[] ikm = b("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    byte[] salt = b("000102030405060708090a0b0c");
    byte[] info = b("f0f1f2f3f4f5f6f7f8f9");
    byte[] prk = Hkdf.extract(HashAlgorithm.SHA256, salt, ikm);
    assertEquals("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", s(prk));
    assertEquals(
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        s(Hkdf.expand(HashAlgorithm.SHA256, prk, info, 42)));
  }

  @Test
  void rfc5869TestCase3EmptySaltAndInfo() {
    byte[] ikm = b("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    byte[] prk = Hkdf.extract(HashAlgorithm.SHA256, new byte[0], ikm);
    assertEquals("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04", s(prk));
    assertEquals(
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        s(Hkdf.expand(HashAlgorithm.SHA256, prk, new byte[0], 42)));
  }

  @Test
  void hkdfLabelEncodingsFromRfc9001A1() {
    assertEquals(
        "00200f746c73313320636c69656e7420696e00", s(Hkdf.hkdfLabel("client in", null, 32)));
    assertEquals("00100e746c7331332071756963206b657900", s(Hkdf.hkdfLabel("quic key", null, 16)));
    assertEquals("000c0d746c733133207175696320697600", s(Hkdf.hkdfLabel("quic iv", null, 12)));
    assertEquals("00100d746c733133207175696320687000", s(Hkdf.hkdfLabel("quic hp", null, 16)));
  }

  @Test
  void initialSecretsFromRfc9001A1() {
    byte[] initial =
        Hkdf.extract(
            HashAlgorithm.SHA256,
            b("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
            b("8394c8f03e515708"));
    assertEquals("7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44", s(initial));
    byte[] client = Hkdf.expandLabel(HashAlgorithm.SHA256, initial, "client in", new byte[0], 32);
    assertEquals("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea", s(client));
    assertEquals(
        "1f369613dd76d5467730efcbe3b1a22d",
        s(Hkdf.expandLabel(HashAlgorithm.SHA256, client, "quic key", null, 16)));
  }

  @Test
  void sha384AndLimits() {
    byte[] prk = Hkdf.extract(HashAlgorithm.SHA384, null, new byte[48]);
    assertEquals(48, prk.length);
    assertEquals(48, Hkdf.expand(HashAlgorithm.SHA384, prk, null, 48).length);
    assertEquals(255 * 48, Hkdf.expand(HashAlgorithm.SHA384, prk, null, 255 * 48).length);
    assertThrows(
        IllegalArgumentException.class,
        () -> Hkdf.expand(HashAlgorithm.SHA256, prk, null, 255 * 32 + 1));
    assertArrayEquals(
        HashAlgorithm.SHA256.hash(new byte[] {1, 2}, new byte[] {3}),
        HashAlgorithm.SHA256.hash(new byte[] {1, 2, 3}, 0, 3));
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        s(HashAlgorithm.SHA256.emptyHash()));
  }

  @Test
  void cipherSuiteCodes() {
    for (CipherSuite cs : CipherSuite.values()) {
      assertEquals(cs, CipherSuite.fromCode(cs.code()));
    }
    assertNull(CipherSuite.fromCode(0x1304));
    assertEquals(16, CipherSuite.TLS_AES_128_GCM_SHA256.keyLength());
    assertEquals(HashAlgorithm.SHA384, CipherSuite.TLS_AES_256_GCM_SHA384.hash());
  }
}
