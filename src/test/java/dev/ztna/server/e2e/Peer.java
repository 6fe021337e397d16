package dev.ztna.server.e2e;

import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;

/** One real client connection (quiche or Kwik), as the end-to-end tests see it. */
interface Peer extends AutoCloseable {
  /** Queues one DATAGRAM frame. */
  void send(byte[] payload);

  /** Received DATAGRAM payloads, in arrival order (OBSERVED_ADDRESS included). */
  BlockingQueue<byte[]> datagrams();

  /** The largest DATAGRAM payload this client can send to the server. */
  int maxDatagram();

  /** The client's local UDP address. */
  InetSocketAddress localAddress();

  /**
   * The application error code of the CONNECTION_CLOSE the server sent, or -1 while none was seen
   * (transport closes are reported as {@code -2 - code}).
   */
  long closeError();

  /** True once the client considers the connection gone. */
  boolean isClosed();

  /** A short name for messages. */
  String name();

  @Override
  void close();
}
