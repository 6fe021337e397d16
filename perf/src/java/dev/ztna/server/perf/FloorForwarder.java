package dev.ztna.server.perf;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * The floor target: a dumb UDP forwarder between one Agent and one Connector that talk a single
 * end-to-end QUIC connection through it. Packets from the Connector's address go to the last Agent
 * address seen; everything else goes to the Connector (and teaches the Agent address). Busy-spins
 * on a non-blocking channel, like our server with {@code --idle-strategy busy-spin}.
 *
 * <p>Usage: {@code FloorForwarder LISTEN_PORT CONNECTOR_PORT} (both on 127.0.0.1).
 */
public final class FloorForwarder {
  private FloorForwarder() {}

  public static void main(String[] args) throws Exception {
    int listenPort = Integer.parseInt(args[0]);
    InetSocketAddress connector = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]));
    boolean spin = args.length < 3 || !"block".equals(args[2]);
    try (DatagramChannel ch = DatagramChannel.open()) {
      ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
      ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
      ch.bind(new InetSocketAddress("127.0.0.1", listenPort));
      ch.configureBlocking(!spin);
      System.out.println("floor forwarder on " + ch.getLocalAddress() + " -> " + connector);
      ByteBuffer buf = ByteBuffer.allocateDirect(65536);
      SocketAddress agent = null;
      while (true) {
        buf.clear();
        SocketAddress from = ch.receive(buf);
        if (from == null) {
          Thread.onSpinWait();
          continue;
        }
        buf.flip();
        if (from.equals(connector)) {
          if (agent != null) {
            ch.send(buf, agent);
          }
        } else {
          agent = from;
          ch.send(buf, connector);
        }
      }
    }
  }
}
