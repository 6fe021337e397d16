package dev.ztna.server.conn;

/**
 * Mints the server's connection IDs. Every server-chosen CID comes from here, so that a future
 * QUIC-LB encoding (draft-ietf-quic-load-balancers: a server ID in the CID so several nodes can sit
 * behind one load balancer) is a new implementation of this interface and nothing else.
 * Implementations must be unpredictable (RFC 9000 §5.1) and allocation-free; they are used from the
 * duty-cycle thread only.
 */
public interface ConnectionIdGenerator {
  /** The fixed length of every CID this generator mints, 4..20 bytes. */
  int length();

  /** Writes a fresh CID of {@link #length()} bytes at {@code dst[offset]}. */
  void next(byte[] dst, int offset);
}
