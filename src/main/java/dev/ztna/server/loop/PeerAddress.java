package dev.ztna.server.loop;

import dev.ztna.server.wire.InetBytes;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The raw bytes of a datagram's source address, extracted once per distinct sender object. {@code
 * DatagramChannel.receive} returns the same {@link InetSocketAddress} instance while the sender
 * does not change, so comparing by identity makes the steady state allocation-free; when the sender
 * changes, the JDK has already allocated a new address object and the one {@code getAddress()} copy
 * here is on that same rare path. IPv4-mapped IPv6 addresses (from dual-stack sockets) are
 * normalised to their 4 IPv4 bytes (ZTNA-V1 §3).
 */
public final class PeerAddress {
  private final byte[] ip = new byte[16];
  private int ipLength;
  private int port;
  private InetSocketAddress socketAddress;

  /** Points this holder at {@code address}; cheap when it is the same object as last time. */
  public void update(InetSocketAddress address) {
    if (address == socketAddress) {
      return;
    }
    socketAddress = address;
    port = address.getPort();
    InetAddress inet = address.getAddress();
    byte[] raw = inet == null ? new byte[4] : inet.getAddress();
    ipLength = InetBytes.copyUnmapped(raw, ip);
  }

  /** The address bytes (first {@link #ipLength()} are valid). Do not modify. */
  public byte[] ip() {
    return ip;
  }

  /** 4 for IPv4 (including IPv4-mapped), 16 for IPv6. */
  public int ipLength() {
    return ipLength;
  }

  /** The UDP port. */
  public int port() {
    return port;
  }

  /** True for an IPv4 or IPv4-mapped source. */
  public boolean isIpv4() {
    return ipLength == 4;
  }

  /** The socket address this holder was last updated with. */
  public InetSocketAddress socketAddress() {
    return socketAddress;
  }

  /** True when {@code address}'s IP is IPv4 (not mapped). */
  static boolean isPlainIpv4(InetSocketAddress address) {
    return address.getAddress() instanceof Inet4Address;
  }
}
