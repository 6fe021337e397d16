package dev.ztna.server.loop;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The loop's socket I/O: receiving batches of datagrams into the loop's working array, sending (or
 * queueing for one batched send), and, for implementations that keep per-connection sockets,
 * following a connection's peer. The sender of a received datagram is handed over as an {@link
 * InetSocketAddress} the loop may keep and compare: implementations hand out the same instance for
 * the same sender while they can (the JDK's {@code receive} does while the sender does not change;
 * {@code BatchedDatagramIo} interns them in an {@link AddressCache}).
 *
 * <p>Everything is called from the loop thread only; no method blocks or, in steady state,
 * allocates. Sends and receive errors are counted by the implementation in the loop's {@link
 * ServerCounters} ({@code datagrams_sent}, {@code bytes_sent}, {@code receive_errors}, {@code
 * drop_send_buffer_full}, {@code drop_send_error}).
 */
public interface DatagramIo extends AutoCloseable {
  /** Where a received datagram goes; its bytes are at {@code [0, len)} of the receive array. */
  @FunctionalInterface
  interface Receiver {
    /**
     * @return false to end the batch early (the rest stays queued for the next call)
     */
    boolean onDatagram(UdpEndpoint endpoint, InetSocketAddress from, int len);
  }

  /** The name logged at start-up ({@code nio}, {@code nio-connected}, {@code batched}). */
  String name();

  /** The bound listen sockets, in listen order. */
  List<UdpEndpoint> endpoints();

  /**
   * Receives up to {@code max} datagrams from {@code endpoint}, copying each into {@code rx} and
   * handing it to {@code receiver} before the next is copied.
   *
   * @return how many were handed over
   */
  int receive(UdpEndpoint endpoint, byte[] rx, Receiver receiver, int max);

  /** Receives from per-connection sockets, if this I/O has any (up to {@code max} from each). */
  default int receiveConnected(byte[] rx, Receiver receiver, int max) {
    return 0;
  }

  /**
   * Sends {@code tx[0, len)} to {@code to} from {@code endpoint} (through {@code connection}'s own
   * socket when it has one connected to {@code to}), or queues it for {@link #flush()}.
   *
   * @param connection the connection sending, or null for a stateless response
   * @return false when it was dropped (counted)
   */
  boolean send(
      UdpEndpoint endpoint, ServerConnection connection, InetSocketAddress to, byte[] tx, int len);

  /** Sends whatever {@link #send} queued; the loop calls it at the end of every duty cycle. */
  default void flush() {}

  /** {@code connection} now sends to {@code peer} (accepted, migrating or migrated). */
  default void onPeerChanged(ServerConnection connection, InetSocketAddress peer) {}

  /** {@code connection} is gone: release whatever this I/O held for it. */
  default void onFreed(ServerConnection connection) {}

  /** Closes every socket. */
  @Override
  void close();
}
