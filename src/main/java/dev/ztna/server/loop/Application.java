package dev.ztna.server.loop;

import java.net.InetSocketAddress;
import org.agrona.DirectBuffer;

/**
 * What runs on top of the server loop: the relay (QAD, registry, routing) in production, an echo in
 * tests. Every callback runs on the duty-cycle thread; nothing here may block. Datagrams sent from
 * a callback leave in the same duty-cycle iteration.
 */
public interface Application {
  /** The TLS handshake completed (the client's Finished was verified). */
  void onEstablished(ClientConnection connection);

  /** A DATAGRAM frame arrived; {@code data} is valid only during the call. */
  void onDatagram(ClientConnection connection, DirectBuffer data, int offset, int length);

  /** The connection moved to a new, validated peer address (NAT rebinding or migration). */
  void onAddressChanged(ClientConnection connection, InetSocketAddress newPeer);

  /** The connection ended (closed by either side, idle timeout, stateless reset). Called once. */
  void onClosed(
      ClientConnection connection,
      long errorCode,
      boolean application,
      boolean byPeer,
      String reason);

  /**
   * Called once per duty-cycle iteration, after the datagrams and timers and before the flush, with
   * the loop's clock ({@link System#nanoTime()} scale). For periodic, bounded work and handoffs
   * from other threads; must not block or allocate in steady state.
   *
   * @return the amount of work done (0 when idle), added to the duty cycle's work count
   */
  default int onDutyCycle(long nowNanos) {
    return 0;
  }

  /**
   * The application error code of the CONNECTION_CLOSE the loop sends every connection when the
   * server shuts down gracefully (RFC 9000 §10.2; the code space is the application protocol's, so
   * the loop asks). The default is 0.
   */
  default long shutdownErrorCode() {
    return 0;
  }

  /** The reason phrase sent with {@link #shutdownErrorCode()}. */
  default String shutdownReason() {
    return "server shutting down";
  }

  /** An application that does nothing (the server still handshakes, ACKs and closes). */
  Application NONE =
      new Application() {
        @Override
        public void onEstablished(ClientConnection connection) {}

        @Override
        public void onDatagram(
            ClientConnection connection, DirectBuffer data, int offset, int length) {}

        @Override
        public void onAddressChanged(ClientConnection connection, InetSocketAddress newPeer) {}

        @Override
        public void onClosed(
            ClientConnection connection,
            long errorCode,
            boolean application,
            boolean byPeer,
            String reason) {}
      };
}
