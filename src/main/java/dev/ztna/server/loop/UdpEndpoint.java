package dev.ztna.server.loop;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;

/**
 * One bound, non-blocking UDP socket the loop listens on: a {@link DatagramChannel} ({@code nio}),
 * or a socket the batched I/O opened itself and owns (then {@link #channel()} is null).
 */
public final class UdpEndpoint implements AutoCloseable {
  /** Socket buffer size asked of the kernel: loopback load tests overflow the 208 KiB default. */
  public static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

  /**
   * Buffer size asked for each connection's connected socket: bursts from one peer must not
   * overflow the kernel's default (about 208 KiB) while the loop serves others; the kernel caps it
   * at net.core.rmem_max.
   */
  public static final int CONNECTED_SOCKET_BUFFER_BYTES = 1024 * 1024;

  private final DatagramChannel channel;
  private final InetSocketAddress localAddress;

  private UdpEndpoint(DatagramChannel channel, InetSocketAddress localAddress) {
    this.channel = channel;
    this.localAddress = localAddress;
  }

  /**
   * A socket {@code BatchedDatagramIo} opened natively (it closes it); the loop only needs its
   * address.
   */
  static UdpEndpoint ofNative(InetSocketAddress localAddress) {
    return new UdpEndpoint(null, localAddress);
  }

  /**
   * Binds {@code address}. An IPv6 wildcard ({@code [::]}) is dual-stack: IPv4 peers arrive as
   * IPv4-mapped addresses.
   */
  public static UdpEndpoint open(InetSocketAddress address) throws IOException {
    boolean v6 = address.getAddress() instanceof Inet6Address;
    DatagramChannel ch =
        DatagramChannel.open(v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
    try {
      ch.configureBlocking(false);
      if (ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
        // Lets per-connection connected sockets share the port (see openConnected).
        ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      }
      ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
      ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
      ch.bind(address);
      return new UdpEndpoint(ch, (InetSocketAddress) ch.getLocalAddress());
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * Opens a socket bound to this endpoint's address and connected to {@code peer}. With {@code
   * SO_REUSEPORT} the kernel delivers that peer's datagrams to the connected socket (the exact
   * 4-tuple match wins) and everything else to the listening socket. Reading a connected socket
   * does not make the JDK allocate a sender address per datagram, which {@code
   * DatagramChannel.receive} does whenever the sender differs from the previous one: with many
   * peers interleaving on one socket that is an allocation per packet.
   */
  public DatagramChannel openConnected(InetSocketAddress peer) throws IOException {
    boolean v6 = localAddress.getAddress() instanceof Inet6Address;
    DatagramChannel ch =
        DatagramChannel.open(v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
    try {
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      ch.setOption(StandardSocketOptions.SO_RCVBUF, CONNECTED_SOCKET_BUFFER_BYTES);
      ch.setOption(StandardSocketOptions.SO_SNDBUF, CONNECTED_SOCKET_BUFFER_BYTES);
      ch.bind(localAddress);
      ch.connect(peer);
      return ch;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** True when the platform supports sharing the port with connected sockets. */
  public boolean supportsConnectedSockets() {
    return channel != null
        && channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
  }

  /** The channel (non-blocking); null for a native socket. */
  public DatagramChannel channel() {
    return channel;
  }

  /** The bound address, with the real port when 0 was asked for. */
  public InetSocketAddress localAddress() {
    return localAddress;
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
    }
  }

  @Override
  public String toString() {
    return "udp:" + localAddress;
  }
}
