/**
 * QUIC packet protection (RFC 9001 §5) and the TLS 1.3 key schedule primitives (HKDF, RFC 5869 /
 * RFC 8446 §7.1).
 *
 * <p>Per-packet operations ({@link dev.ztna.server.crypto.PacketProtection#seal}, {@code open},
 * {@code protect}, {@code unprotect}, header-protection masks, Retry integrity tags) allocate
 * nothing in steady state and report errors as negative codes. Handshake-time operations (HKDF, key
 * derivation) may allocate.
 *
 * <p>Depends only on the JDK, Agrona, BouncyCastle and, for the one packet number decoder (RFC 9000
 * §A.3), {@link dev.ztna.server.wire.PacketNumber} from the layer below; it must not import any
 * higher layer.
 */
package dev.ztna.server.crypto;
