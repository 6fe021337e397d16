package dev.ztna.server.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/** Hkdf (JCE HMAC based) against BouncyCastle's independent HKDF for both hashes. */
class HkdfProperties {
  @Property(tries = 200)
  void matchesBouncyCastle(
      @ForAll boolean sha384,
      @ForAll @Size(max = 80) byte[] salt,
      @ForAll @Size(max = 80) byte[] ikm,
      @ForAll @Size(max = 80) byte[] info,
      @ForAll @IntRange(min = 0, max = 600) int length) {
    HashAlgorithm h = sha384 ? HashAlgorithm.SHA384 : HashAlgorithm.SHA256;
    Digest d = sha384 ? new SHA384Digest() : new SHA256Digest();
    HKDFBytesGenerator bc = new HKDFBytesGenerator(d);
    bc.init(new HKDFParameters(ikm, salt.length == 0 ? null : salt, info));
    byte[] expected = new byte[length];
    bc.generateBytes(expected, 0, length);
    byte[] prk = Hkdf.extract(h, salt, ikm);
    assertArrayEquals(expected, Hkdf.expand(h, prk, info, length));
  }
}
