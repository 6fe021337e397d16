package dev.ztna.server.certs;

import dev.ztna.server.certs.ServerCredentials.KeyType;

/**
 * Self-signed credentials for localhost, generated once per test JVM (RSA key generation is slow)
 * and shared by the tests of every layer.
 */
public final class TestCredentials {
  private static ServerCredentials rsa;
  private static ServerCredentials ec;

  private TestCredentials() {}

  /** RSA 2048 (the seeds' development certificate). */
  public static synchronized ServerCredentials rsa() {
    if (rsa == null) {
      rsa = ServerCredentials.generateSelfSigned("localhost", KeyType.RSA);
    }
    return rsa;
  }

  /** ECDSA P-256. */
  public static synchronized ServerCredentials ec() {
    if (ec == null) {
      ec = ServerCredentials.generateSelfSigned("localhost", KeyType.EC_P256);
    }
    return ec;
  }

  private static ServerCredentials fixedEc;

  /**
   * ECDSA P-256 credentials fixed in test resources (valid until 2126), so that a handshake
   * transcript depends only on the seeded randomness of a test: the fuzz targets use these to be
   * reproducible from their printed seed (ECDSA signatures here are deterministic, RFC 6979).
   */
  public static synchronized ServerCredentials fixedEc() {
    if (fixedEc == null) {
      try {
        fixedEc =
            ServerCredentials.load(resource("fixed-ec-cert.pem"), resource("fixed-ec-key.pem"));
      } catch (CredentialsException | java.net.URISyntaxException e) {
        throw new IllegalStateException(e);
      }
    }
    return fixedEc;
  }

  private static java.nio.file.Path resource(String name) throws java.net.URISyntaxException {
    java.net.URL u = TestCredentials.class.getResource(name);
    if (u == null) {
      throw new IllegalStateException("missing test resource " + name);
    }
    return java.nio.file.Path.of(u.toURI());
  }

  /** The credentials of {@code type}. */
  public static ServerCredentials of(KeyType type) {
    return type == KeyType.RSA ? rsa() : ec();
  }
}
