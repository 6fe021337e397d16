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

  /** The credentials of {@code type}. */
  public static ServerCredentials of(KeyType type) {
    return type == KeyType.RSA ? rsa() : ec();
  }
}
