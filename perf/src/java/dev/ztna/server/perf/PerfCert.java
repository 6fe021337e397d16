package dev.ztna.server.perf;

import dev.ztna.server.certs.ServerCredentials;
import java.nio.file.Path;

/**
 * Writes a self-signed ECDSA P-256 certificate for {@code localhost} (the same kind the quiche peer
 * uses) so that every target signs its handshakes with the same algorithm.
 *
 * <p>Usage: {@code PerfCert CERT_PEM KEY_PEM}.
 */
public final class PerfCert {
  private PerfCert() {}

  public static void main(String[] args) throws Exception {
    ServerCredentials.generateSelfSigned("localhost", ServerCredentials.KeyType.EC_P256)
        .writePem(Path.of(args[0]), Path.of(args[1]));
  }
}
