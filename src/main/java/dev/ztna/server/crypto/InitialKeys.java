package dev.ztna.server.crypto;

/**
 * The pair of Initial packet protections. A server unprotects with {@link #client} and protects
 * with {@link #server}; a client the other way round.
 */
public final class InitialKeys {
  /** Protection of packets sent by the client. */
  public final PacketProtection client;

  /** Protection of packets sent by the server. */
  public final PacketProtection server;

  public InitialKeys(PacketProtection client, PacketProtection server) {
    this.client = client;
    this.server = server;
  }

  /** Copy of client_initial_secret. */
  public byte[] clientSecret() {
    return client.secret();
  }

  /** Copy of server_initial_secret. */
  public byte[] serverSecret() {
    return server.secret();
  }
}
