package dev.ztna.server.tls;

import dev.ztna.server.certs.ServerCredentials;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Server-wide TLS settings shared by all connections: the certificate chain with its signing key
 * and the ALPN protocols the server accepts, most preferred first.
 */
public final class TlsServerConfig {
  /** The only application protocol of the ztna-v1 contract. */
  public static final String ZTNA_V1 = "ztna-v1";

  private final ServerCredentials credentials;
  private final List<String> applicationProtocols;
  private final List<byte[]> alpnBytes;

  /** Credentials with ALPN {@code ["ztna-v1"]}. */
  public TlsServerConfig(ServerCredentials credentials) {
    this(credentials, List.of(ZTNA_V1));
  }

  public TlsServerConfig(ServerCredentials credentials, List<String> applicationProtocols) {
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
