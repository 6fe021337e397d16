package dev.ztna.server.tls;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.certs.ServerCredentials.KeyType;

/** Self-signed credentials generated once per test JVM (RSA key generation is slow). */
final class TestCredentials {
  private static ServerCredentials rsa;
  private static ServerCredentials ec;

  private TestCredentials() {}

  static synchronized ServerCredentials rsa() {
    if (rsa == null) {
      rsa = ServerCredentials.generateSelfSigned("localhost", KeyType.RSA);
    }
    return rsa;
  }

  static synchronized ServerCredentials ec() {
    if (ec == null) {
      ec = ServerCredentials.generateSelfSigned("localhost", KeyType.EC_P256);
    }
    return ec;
  }

  static ServerCredentials of(KeyType type) {
    return type == KeyType.RSA ? rsa() : ec();
  }
}
