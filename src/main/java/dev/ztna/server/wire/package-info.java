/**
 * QUIC v1 wire codecs (RFC 9000 §16-§19, Appendix A; RFC 9221 §4;
 * draft-ietf-quic-address-discovery).
 *
 * <p>The lowest layer of the server: allocation-free flyweights and static codecs over Agrona
 * {@link org.agrona.DirectBuffer}/{@link org.agrona.MutableDirectBuffer}, all multi-byte fields
 * big-endian at explicit offsets. Malformed network input is reported as a negative {@code int}
 * code, never as an exception; exceptions ({@link IllegalArgumentException}) are reserved for
 * programming errors on the writing side. This package depends on Agrona (and the JDK) only and
 * must not import any other {@code dev.ztna.server} package.
 */
package dev.ztna.server.wire;
