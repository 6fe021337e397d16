package dev.ztna.server.conn;

import java.net.InetSocketAddress;
import org.agrona.DirectBuffer;

/**
 * Events of a {@link QuicConnection} for the server loop. Implemented once by the loop (no
 * per-connection or per-call allocation); every callback runs synchronously on the thread that
 * drives the connection.
 */
public interface ConnectionListener {
  /**
   * Route packets whose DCID is {@code cid[off, off+len)} to {@code c}. Also called at accept for
   * the client's Initial DCID (an alias used by retransmitted client Initials).
   */
  void onLocalCidIssued(QuicConnection c, byte[] cid, int off, int len);

  /**
   * Stop routing {@code cid}. Called for every routed CID before {@link QuicConnection#isClosed()}
   * becomes true.
   */
  void onLocalCidRetired(QuicConnection c, byte[] cid, int off, int len);

  /** The TLS handshake is complete (the client's Finished was verified). */
  void onEstablished(QuicConnection c);

  /** A received DATAGRAM frame payload; the buffer range is valid only during the call. */
  void onDatagram(QuicConnection c, DirectBuffer data, int off, int len);

  /**
   * The connection now sends to {@code newPeer}, not validated yet (a non-probing packet came from
   * it, RFC 9000 §9.3), or back to its last validated address after a failed validation (§9.3.2).
   * {@link #onAddressChanged} follows once a new address is validated.
   */
  default void onPeerAddressChanged(QuicConnection c, InetSocketAddress newPeer) {}

  /** A new path was validated and is now the connection's path (RFC 9000 §9). */
  void onAddressChanged(QuicConnection c, InetSocketAddress newPeer);

  /**
   * Called exactly once when the connection enters closing or draining, or ends by idle timeout.
   *
   * @param errorCode the transport or application error code
   * @param application whether it is an application error code (CONNECTION_CLOSE 0x1d)
   * @param byPeer whether the peer closed the connection
   * @param reason a short reason for logs
   */
  void onClosed(
      QuicConnection c, long errorCode, boolean application, boolean byPeer, String reason);
}
