package dev.ztna.server.tls;

/**
 * Receives a connection's TLS traffic secrets for an NSS key log ({@code SSLKEYLOGFILE}, as read by
 * Wireshark). Called on the handshake's thread (the loop thread) right after each secret is
 * derived; an implementation must not block, format or allocate. {@link #NONE} (the default)
 * ignores everything.
 *
 * <p>The label ids name the key log labels of TLS 1.3 (NSS key log format, also
 * draft-ietf-tls-keylogfile): QUIC uses the TLS 1.3 traffic secrets unchanged (RFC 9001 §5.1), so
 * these four lines per connection let a dissector derive every Handshake and 1-RTT packet key,
 * including those after key updates (RFC 9001 §6). Initial keys need no log: they derive from the
 * client's first Destination Connection ID (RFC 9001 §5.2).
 */
public interface KeyLogSink {
  int CLIENT_HANDSHAKE_TRAFFIC_SECRET = 1;
  int SERVER_HANDSHAKE_TRAFFIC_SECRET = 2;
  int CLIENT_TRAFFIC_SECRET_0 = 3;
  int SERVER_TRAFFIC_SECRET_0 = 4;

  /** The largest secret: SHA-384 (TLS_AES_256_GCM_SHA384). */
  int MAX_SECRET_LENGTH = 48;

  /** Length of a ClientHello.random. */
  int CLIENT_RANDOM_LENGTH = 32;

  /** Ignores every secret (the default). */
  KeyLogSink NONE = (label, clientRandom, secret) -> {};

  /**
   * One secret of the connection whose ClientHello.random is {@code clientRandom} (32 bytes).
   * Neither array may be kept: copy what is needed.
   */
  void log(int label, byte[] clientRandom, byte[] secret);

  /** The key log label for a label id, e.g. {@code CLIENT_TRAFFIC_SECRET_0}. */
  static String labelName(int label) {
    switch (label) {
      case CLIENT_HANDSHAKE_TRAFFIC_SECRET:
        return "CLIENT_HANDSHAKE_TRAFFIC_SECRET";
      case SERVER_HANDSHAKE_TRAFFIC_SECRET:
        return "SERVER_HANDSHAKE_TRAFFIC_SECRET";
      case CLIENT_TRAFFIC_SECRET_0:
        return "CLIENT_TRAFFIC_SECRET_0";
      case SERVER_TRAFFIC_SECRET_0:
        return "SERVER_TRAFFIC_SECRET_0";
      default:
        throw new IllegalArgumentException("key log label " + label);
    }
  }
}
