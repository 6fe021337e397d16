package dev.ztna.server.tls;

import dev.ztna.server.crypto.CipherSuite;

/**
 * Callbacks from a {@link TlsServerHandshake} to its QUIC connection. All are invoked synchronously
 * from {@link TlsServerHandshake#onCryptoData}; array arguments are owned by the callee afterwards.
 */
public interface TlsListener {
  /**
   * The client's raw quic_transport_parameters extension body (RFC 9001 §8.2), delivered once the
   * ClientHello is otherwise acceptable and before anything is sent, so the connection can decode
   * and validate it and then encode its own parameters (which depend on connection state such as
   * original_destination_connection_id).
   *
   * @return the server's encoded quic_transport_parameters extension body for EncryptedExtensions,
   *     or {@code null} to reject the client's parameters; the handshake then fails with {@link
   *     TlsServerHandshake#TRANSPORT_PARAMETER_ERROR} and the connection closes with
   *     TRANSPORT_PARAMETER_ERROR
   */
  byte[] onClientTransportParameters(byte[] clientParameters);

  /** Handshake bytes to send in CRYPTO frames at {@code level}. */
  void onHandshakeData(EncryptionLevel level, byte[] data, int off, int len);

  /**
   * Traffic secrets for {@link EncryptionLevel#HANDSHAKE} (right after ServerHello is produced) and
   * {@link EncryptionLevel#APPLICATION} (after the server Finished is produced).
   */
  void onSecrets(
      EncryptionLevel level, CipherSuite suite, byte[] clientSecret, byte[] serverSecret);

  /** The client's Finished was verified: the handshake is complete (RFC 9001 §4.1.1). */
  void onHandshakeComplete();
}
