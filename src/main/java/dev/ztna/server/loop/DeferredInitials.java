package dev.ztna.server.loop;

import java.net.InetSocketAddress;

/**
 * New-client Initials that arrived after the handshake budget of an iteration was spent (on a
 * socket the loop was reading anyway, e.g. a connected socket whose 4-tuple a new connection
 * shares), kept for the next iteration instead of dropped. A fixed ring of preallocated slots:
 * bounded memory, no allocation; when it is full the Initial is dropped and counted.
 */
final class DeferredInitials {
  private final byte[][] data;
  private final int[] length;
  private final UdpEndpoint[] endpoint;
  private final InetSocketAddress[] from;
  private int head;
  private int size;

  DeferredInitials(int slots, int slotBytes) {
    data = new byte[slots][slotBytes];
    length = new int[slots];
    endpoint = new UdpEndpoint[slots];
    from = new InetSocketAddress[slots];
  }

  /** Copies {@code buf[0, len)}; false when full or too large (the caller drops and counts). */
  boolean offer(UdpEndpoint ep, InetSocketAddress sender, byte[] buf, int len) {
    if (size == data.length || len > data[0].length) {
      return false;
    }
    int i = (head + size) % data.length;
    System.arraycopy(buf, 0, data[i], 0, len);
    length[i] = len;
    endpoint[i] = ep;
    from[i] = sender;
    size++;
    return true;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Copies the oldest datagram to {@code buf} and returns its length; see {@link #endpoint()}. */
  int peekInto(byte[] buf) {
    System.arraycopy(data[head], 0, buf, 0, length[head]);
    return length[head];
  }

  UdpEndpoint endpoint() {
    return endpoint[head];
  }

  InetSocketAddress from() {
    return from[head];
  }

  /** Drops the oldest entry (after {@link #peekInto}). */
  void remove() {
    endpoint[head] = null;
    from[head] = null;
    head = (head + 1) % data.length;
    size--;
  }
}
