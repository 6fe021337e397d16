/**
 * TLS 1.3 server handshake for QUIC (RFC 8446, RFC 9001 §4 and §8), written from the RFCs on top of
 * JCA and BouncyCastle lightweight primitives only (no TLS library).
 *
 * <p>The handshake is transport-agnostic: {@link dev.ztna.server.tls.TlsServerHandshake} consumes
 * in-order CRYPTO stream bytes per {@link dev.ztna.server.tls.EncryptionLevel} and reports the
 * bytes to send, the traffic secrets and completion through {@link
 * dev.ztna.server.tls.TlsListener}. No TLS records, no 0-RTT, no resumption, no session tickets;
 * client authentication (mutual TLS) when configured ({@link dev.ztna.server.tls.ClientAuth},
 * checks in {@link dev.ztna.server.tls.ClientCertificateVerifier}).
 *
 * <p>May depend on {@code wire}, {@code crypto} and {@code certs}; never on {@code conn} or
 * anything above it. Runs once per connection at handshake time, so it may allocate moderately.
 */
package dev.ztna.server.tls;
