package dev.ztna.server.certs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials.KeyType;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Provider;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Loads files written by OpenSSL 3.0 (see {@code openssl/README.md} next to the fixtures) and
 * checks signatures with BouncyCastle's provider, an implementation independent of the JDK one that
 * signs.
 */
class ServerCredentialsOpensslTest {
  /** Not registered globally: used only by name in {@link Signature#getInstance}. */
  private static final Provider BC = new BouncyCastleProvider();

  private static Path fixture(String name) {
    URL url = ServerCredentialsOpensslTest.class.getResource("openssl/" + name);
    if (url == null) {
      throw new IllegalStateException("missing fixture " + name);
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest
  @CsvSource({
    "rsa.crt, rsa-pkcs8.key, RSA, 'RSA 2048, CN=rsa.test, expires '",
    "rsa.crt, rsa-pkcs1.key, RSA, 'RSA 2048, CN=rsa.test, expires '",
    "ec.crt, ec-pkcs8.key, EC_P256, 'EC P-256, CN=ec.test, expires '",
    "ec.crt, ec-sec1.key, EC_P256, 'EC P-256, CN=ec.test, expires '",
    "ec.crt, ec-sec1-params.key, EC_P256, 'EC P-256, CN=ec.test, expires '",
    "chain.crt, leaf.key, EC_P256, 'EC P-256, CN=leaf.test, expires '"
  })
  void loadsOpensslFiles(String cert, String key, KeyType type, String describePrefix)
      throws Exception {
    ServerCredentials c = ServerCredentials.load(fixture(cert), fixture(key));
    assertEquals(type, c.keyType());
    assertTrue(c.describe().startsWith(describePrefix), c.describe());
    List<X509Certificate> chain = c.certificateChain();
    assertEquals(cert.equals("chain.crt") ? 2 : 1, chain.size());
    if (chain.size() == 2) {
      assertEquals("CN=Test-Intermediate", chain.get(1).getSubjectX500Principal().getName());
      chain.get(0).verify(chain.get(1).getPublicKey());
    }
    int scheme =
        type == KeyType.RSA
            ? ServerCredentials.RSA_PSS_RSAE_SHA256
            : ServerCredentials.ECDSA_SECP256R1_SHA256;
    byte[] content = ("CertificateVerify content " + cert).getBytes(StandardCharsets.US_ASCII);
    byte[] sig = c.sign(scheme, content);
    Signature v =
        Signature.getInstance(type == KeyType.RSA ? "SHA256withRSAandMGF1" : "SHA256withECDSA", BC);
    v.initVerify(chain.get(0).getPublicKey());
    v.update(content);
    assertTrue(v.verify(sig), "BouncyCastle verifies the signature");
  }

  @ParameterizedTest
  @CsvSource({
    "2052, SHA256withRSAandMGF1",
    "2053, SHA384withRSAandMGF1",
    "2054, SHA512withRSAandMGF1"
  })
  void rsaPssMatchesBouncyCastleDefaults(int scheme, String bcAlgorithm) throws Exception {
    // BC's "<hash>withRSAandMGF1" is RSASSA-PSS with MGF1(<hash>) and salt = hash length: exactly
    // the rsa_pss_rsae_* parameters of RFC 8446 §4.2.3.
    ServerCredentials c = ServerCredentials.load(fixture("rsa.crt"), fixture("rsa-pkcs1.key"));
    byte[] content = new byte[130];
    for (int i = 0; i < content.length; i++) {
      content[i] = (byte) (i * 7 + scheme);
    }
    Signature v = Signature.getInstance(bcAlgorithm, BC);
    v.initVerify(c.certificateChain().get(0).getPublicKey());
    v.update(content);
    assertTrue(v.verify(c.sign(scheme, content)));
  }

  @ParameterizedTest
  @CsvSource({
    "rsa.crt, rsa-encrypted-pkcs8.key, encrypted private keys are not supported",
    "rsa.crt, rsa-encrypted-pkcs1.key, encrypted private keys are not supported",
    "ec.crt, ec-encrypted-sec1.key, encrypted private keys are not supported",
    "ec.crt, ec-p384-sec1.key, not on curve P-256",
    "rsa.crt, rsa1024.key, is 1024 bits; at least 2048 bits are required",
    "ec.crt, ed25519.key, only RSA (2048 bits or more) and EC P-256 keys are supported",
    "rsa.crt, rsapss.key, only RSA (2048 bits or more) and EC P-256 keys are supported",
    "rsa.crt, ec-sec1.key, private key does not match certificate",
    "ec.crt, leaf.key, private key does not match certificate",
    "ca.crt, leaf.key, private key does not match certificate",
    "chain-wrong-order.crt, leaf.key, private key does not match certificate",
    "rsa-pkcs8.key, rsa-pkcs8.key, contains no certificate",
    "rsa.crt, rsa.crt, contains no private key"
  })
  void refusesWithAClearMessage(String cert, String key, String message) {
    CredentialsException e =
        assertThrows(
            CredentialsException.class, () -> ServerCredentials.load(fixture(cert), fixture(key)));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa", "ec"})
  void writePemOfLoadedCredentialsLoadsAgain(String kind) throws Exception {
    ServerCredentials c =
        ServerCredentials.load(fixture(kind + ".crt"), fixture(kind + "-pkcs8.key"));
    Path dir = Files.createTempDirectory("ztna-certs");
    try {
      c.writePem(dir.resolve("cert.pem"), dir.resolve("key.pem"));
      ServerCredentials again =
          ServerCredentials.load(dir.resolve("cert.pem"), dir.resolve("key.pem"));
      assertArrayEquals(c.chainDer().get(0), again.chainDer().get(0));
      assertArrayEquals(c.privateKey().getEncoded(), again.privateKey().getEncoded());
      // OpenSSL's PKCS#8 file and ours encode the key identically.
      assertEquals(
          Files.readString(fixture(kind + "-pkcs8.key")).strip(),
          Files.readString(dir.resolve("key.pem")).strip());
    } finally {
      Files.deleteIfExists(dir.resolve("cert.pem"));
      Files.deleteIfExists(dir.resolve("key.pem"));
      Files.deleteIfExists(dir);
    }
  }
}
