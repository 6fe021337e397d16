package dev.ztna.server.loop;

import dev.ztna.server.loop.ServerCounters.Counter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Socket I/O through {@link DatagramChannel} (any JDK 17+ platform): {@code receive} on each listen
 * socket, {@code send} per datagram.
 *
 * <p>{@code DatagramChannel.receive} returns the same sender object while the sender does not
 * change, and allocates a new {@link InetSocketAddress} (with its {@code InetAddress}) whenever it
 * does: with many peers interleaving on one socket that is an allocation per datagram (measured in
 * {@code perf/RESULTS.md}, "Receive without a socket per connection"). With {@code connected} on,
 * each connection also gets a socket bound to the listen address and connected to its peer ({@link
 * UdpEndpoint#openConnected}); the kernel delivers that peer's datagrams there (the exact 4-tuple
 * wins over the listening socket), and reading a connected socket allocates nothing. That costs a
 * file descriptor and kernel buffers per connection.
 *
 * <p>Datagrams are received into one direct buffer (so the kernel copies straight into native
 * memory) and then copied once into the loop's heap working array: a heap {@code ByteBuffer} given
 * to the channel would be copied through a temporary direct buffer by the JDK anyway, so this is
 * the same single copy, made explicit.
 */
public final class NioDatagramIo implements DatagramIo {
  private static final Logger LOG = LoggerFactory.getLogger(NioDatagramIo.class);
  private static final int MAX_DATAGRAM = 65_536;

  private final List<UdpEndpoint> endpoints;
  private final ServerCounters counters;
  private final boolean connected;
  private final Selector connectedSockets;
  private final ByteBuffer rxDirect = ByteBuffer.allocateDirect(MAX_DATAGRAM);
  private final ByteBuffer txDirect = ByteBuffer.allocateDirect(MAX_DATAGRAM);
  private final Consumer<SelectionKey> onConnectedReadable = this::onConnectedReadable;
  private byte[] connectedRx;
  private Receiver connectedReceiver;
  private int connectedMax;
  private int connectedCount;

  /**
   * @param endpoints bound NIO sockets, owned (and closed) by this I/O from now on
   * @param connected also give each connection its own connected socket (where the platform
   *     supports SO_REUSEPORT; otherwise this is plain {@code nio})
   */
  public NioDatagramIo(List<UdpEndpoint> endpoints, ServerCounters counters, boolean connected) {
    this.endpoints = List.copyOf(endpoints);
    this.counters = counters;
    this.connected = connected && this.endpoints.get(0).supportsConnectedSockets();
    try {
      this.connectedSockets = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector", e);
    }
  }

  /** Binds every address in {@code listen} (closing what was bound if one fails). */
  public static NioDatagramIo open(
      List<InetSocketAddress> listen, ServerCounters counters, boolean connected)
      throws IOException {
    List<UdpEndpoint> opened = new java.util.ArrayList<>();
    try {
      for (InetSocketAddress address : listen) {
        opened.add(UdpEndpoint.open(address));
      }
    } catch (IOException | RuntimeException e) {
      for (UdpEndpoint endpoint : opened) {
        endpoint.close();
      }
      throw e;
    }
    return new NioDatagramIo(opened, counters, connected);
  }

  @Override
  public String name() {
    return connected ? "nio-connected" : "nio";
  }

  @Override
  public List<UdpEndpoint> endpoints() {
    return endpoints;
  }

  @Override
  public int receive(UdpEndpoint endpoint, byte[] rx, Receiver receiver, int max) {
    int count = 0;
    while (count < max) {
      SocketAddress from;
      rxDirect.clear();
      try {
        from = endpoint.channel().receive(rxDirect);
      } catch (IOException e) {
        counters.increment(Counter.RECEIVE_ERRORS);
        LOG.debug("receive failed on {}", endpoint, e);
        break;
      }
      if (from == null) {
        break;
      }
      int len = rxDirect.position();
      rxDirect.flip();
      rxDirect.get(rx, 0, len);
      count++;
      if (!receiver.onDatagram(endpoint, (InetSocketAddress) from, len)) {
        break;
      }
    }
    return count;
  }

  @Override
  public int receiveConnected(byte[] rx, Receiver receiver, int max) {
    if (connectedSockets.keys().isEmpty()) {
      return 0;
    }
    connectedRx = rx;
    connectedReceiver = receiver;
    connectedMax = max;
    connectedCount = 0;
    try {
      connectedSockets.selectNow(onConnectedReadable);
    } catch (IOException e) {
      counters.increment(Counter.RECEIVE_ERRORS);
      LOG.debug("select failed", e);
    }
    return connectedCount;
  }

  private void onConnectedReadable(SelectionKey key) {
    ServerConnection sc = (ServerConnection) key.attachment();
    DatagramChannel channel = sc.connectedChannel;
    if (channel == null || sc.freed) {
      return;
    }
    for (int count = 0; count < connectedMax; count++) {
      rxDirect.clear();
      int len;
      try {
        len = channel.read(rxDirect);
      } catch (IOException e) {
        // e.g. ICMP port unreachable reported on the connected socket: the peer may have moved.
        counters.increment(Counter.RECEIVE_ERRORS);
        LOG.debug("{}: read failed on its connected socket", sc, e);
        return;
      }
      if (len <= 0) {
        return;
      }
      rxDirect.flip();
      rxDirect.get(connectedRx, 0, len);
      connectedCount++;
      connectedReceiver.onDatagram(sc.endpoint(), sc.connectedPeer, len);
      if (sc.connectedChannel != channel) {
        return; // the connection moved to a new path and got a new socket
      }
    }
  }

  @Override
  public void onPeerChanged(ServerConnection sc, InetSocketAddress peer) {
    if (!connected || (sc.connectedChannel != null && peer.equals(sc.connectedPeer))) {
      return;
    }
    onFreed(sc);
    try {
      DatagramChannel channel = sc.endpoint().openConnected(peer);
      channel.register(connectedSockets, SelectionKey.OP_READ, sc);
      sc.connectedChannel = channel;
      sc.connectedPeer = peer;
    } catch (IOException e) {
      counters.increment(Counter.CONNECTED_SOCKET_FAILURES);
      LOG.debug("{}: no connected socket for {}, using the shared one", sc, peer, e);
    }
  }

  @Override
  public void onFreed(ServerConnection sc) {
    DatagramChannel channel = sc.connectedChannel;
    if (channel != null) {
      sc.connectedChannel = null;
      sc.connectedPeer = null;
      try {
        channel.close();
      } catch (IOException e) {
        LOG.debug("{}: closing its connected socket failed", sc, e);
      }
    }
  }

  @Override
  public boolean send(
      UdpEndpoint endpoint, ServerConnection sc, InetSocketAddress to, byte[] tx, int len) {
    txDirect.clear();
    txDirect.put(tx, 0, len);
    txDirect.flip();
    boolean viaConnected = sc != null && sc.connectedChannel != null && to.equals(sc.connectedPeer);
    try {
      int written =
          viaConnected
              ? sc.connectedChannel.write(txDirect)
              : endpoint.channel().send(txDirect, to);
      if (written == 0) {
        counters.increment(Counter.DROP_SEND_BUFFER_FULL);
        return false;
      }
    } catch (IOException e) {
      counters.increment(Counter.DROP_SEND_ERROR);
      LOG.debug("send to {} failed", to, e);
      return false;
    }
    counters.increment(Counter.DATAGRAMS_SENT);
    counters.add(Counter.BYTES_SENT, len);
    return true;
  }

  @Override
  public void close() {
    try {
      connectedSockets.close();
    } catch (IOException e) {
      LOG.warn("closing the selector failed", e);
    }
    for (UdpEndpoint endpoint : endpoints) {
      try {
        endpoint.close();
      } catch (IOException e) {
        LOG.warn("closing {} failed", endpoint, e);
      }
    }
  }

  @Override
  public String toString() {
    return name() + endpoints;
  }
}
