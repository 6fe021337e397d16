package dev.ztna.server.loop;

import dev.ztna.server.certs.ServerCredentials;

/** Development credentials shared by tests (generated once per JVM: key generation is slow). */
public final class TestCredentials {
  private static ServerCredentials ec;
  private static ServerCredentials rsa;

  private TestCredentials() {}

  /** A self-signed ECDSA P-256 certificate for localhost. */
  public static synchronized ServerCredentials ec() {
    if (ec == null) {
      ec = ServerCredentials.generateSelfSigned("localhost", ServerCredentials.KeyType.EC_P256);
    }
    return ec;
  }

  /** A self-signed RSA 2048 certificate for localhost (the seeds' development certificate). */
  public static synchronized ServerCredentials rsa() {
    if (rsa == null) {
      rsa = ServerCredentials.generateSelfSigned("localhost", ServerCredentials.KeyType.RSA);
    }
    return rsa;
  }
}
