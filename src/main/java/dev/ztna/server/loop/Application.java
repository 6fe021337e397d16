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
