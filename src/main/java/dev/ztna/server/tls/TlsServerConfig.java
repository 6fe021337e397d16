package dev.ztna.server.tls;

import dev.ztna.server.certs.ServerCredentials;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Server-wide TLS settings shared by all connections: the certificate chain with its signing key,
 * the ALPN protocols the server accepts, most preferred first, and client authentication (mutual
 * TLS; {@code null}: none, no CertificateRequest is sent).
 */
public final class TlsServerConfig {
  /** The only application protocol of the ztna-v1 contract. */
  public static final String ZTNA_V1 = "ztna-v1";

  private final ServerCredentials credentials;
  private final List<String> applicationProtocols;
  private final List<byte[]> alpnBytes;
  private final ClientAuth clientAuth;

  /** Credentials with ALPN {@code ["ztna-v1"]}. */
  public TlsServerConfig(ServerCredentials credentials) {
    this(credentials, List.of(ZTNA_V1));
  }

  public TlsServerConfig(ServerCredentials credentials, List<String> applicationProtocols) {
    this(credentials, applicationProtocols, null);
  }

  /**
   * @param clientAuth client authentication settings, or {@code null} for none
   */
  public TlsServerConfig(
      ServerCredentials credentials, List<String> applicationProtocols, ClientAuth clientAuth) {
    if (credentials == null) {
      throw new IllegalArgumentException("credentials required");
    }
    if (applicationProtocols == null || applicationProtocols.isEmpty()) {
      throw new IllegalArgumentException("at least one application protocol required");
    }
    List<byte[]> encoded = new ArrayList<>();
    for (String p : applicationProtocols) {
      byte[] b = p.getBytes(StandardCharsets.US_ASCII);
      if (b.length == 0 || b.length > 255) {
        throw new IllegalArgumentException("bad ALPN protocol name: " + p);
      }
      encoded.add(b);
    }
    this.credentials = credentials;
    this.applicationProtocols = List.copyOf(applicationProtocols);
    this.alpnBytes = encoded;
    this.clientAuth = clientAuth;
  }

  /** Client authentication, or {@code null} when clients are not asked for a certificate. */
  public ClientAuth clientAuth() {
    return clientAuth;
  }

  public ServerCredentials credentials() {
    return credentials;
  }

  public List<String> applicationProtocols() {
    return applicationProtocols;
  }

  List<byte[]> alpnBytes() {
    return alpnBytes;
  }
}
