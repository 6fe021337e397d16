package dev.ztna.server.tls;

/**
 * QUIC encryption levels that carry TLS handshake messages (RFC 9001 §4.1.4); 0-RTT is not
 * supported.
 */
public enum EncryptionLevel {
  INITIAL,
  HANDSHAKE,
  APPLICATION
}
