package dev.ztna.server.loop;

import java.net.InetSocketAddress;
import org.agrona.DirectBuffer;

/**
 * What an {@link Application} sees of one client connection. Implemented by the loop's {@link
 * ServerConnection}; applications' unit tests implement it with fakes. All methods are for the
 * duty-cycle thread only.
 */
public interface ClientConnection {
  /** DATAGRAM queued; it leaves at the end of the current duty-cycle iteration. */
  int SEND_QUEUED = 0;

  /** A process-unique number, for logs. */
  long id();

  /**
   * The client's authenticated identity (its certificate's first SAN URI, else first SAN DNS name,
   * else subject CN), or {@code null} when the client was not authenticated.
   */
  default String peerIdentity() {
    return null;
  }

  /** The peer's current validated address (what QAD reports). */
  InetSocketAddress peerAddress();

  /**
   * Queues a DATAGRAM frame with {@code data[offset, offset + length)}.
   *
   * @return {@link #SEND_QUEUED}, or a negative drop reason from the connection layer (too big,
   *     queue full, peer does not support DATAGRAM, closing)
   */
  int sendDatagram(DirectBuffer data, int offset, int length);

  /**
   * The largest DATAGRAM payload this connection can send now (0 if the peer does not support
   * DATAGRAM).
   */
  int maxDatagramPayload();

  /**
   * Closes with an application error code (ZTNA-V1 §5) and a reason phrase, which goes on the wire
   * in 1-RTT packets (printable ASCII, at most 64 bytes; keep it free of secrets).
   */
  void close(long applicationErrorCode, String reason);

  /** True once the connection is closing, draining or gone: nothing more can be sent to it. */
  boolean isClosing();

  /** The application's per-connection state (null until set). */
  Object attachment();

  /** Sets the application's per-connection state. */
  void attachment(Object value);
}
