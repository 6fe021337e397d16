package dev.ztna.server.perf;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The floor target: a dumb NAT-style UDP forwarder in front of one Connector. Each client address
 * gets its own upstream socket connected to the Connector (so the Connector sees one source address
 * per client and its answers come back on that socket); datagrams from a client go out on its
 * upstream socket, datagrams arriving on an upstream socket go back to its client from the
 * listening socket. Clients talk end-to-end QUIC with the Connector through it. Entries are never
 * evicted (a measurement tool, one process per run).
 *
 * <p>One thread, busy-spinning on {@link Selector#selectNow(Consumer)} over all sockets (like our
 * server with {@code --idle-strategy busy-spin}); one datagram per ready socket per iteration.
 * Compared with the original single-pair version (one socket, {@code receive} in a spin loop), a
 * forwarded datagram costs one {@code epoll_wait} and one {@code HashMap} lookup more (client to
 * Connector direction only), and allocates nothing either way.
 *
 * <p>Usage: {@code FloorForwarder LISTEN_PORT CONNECTOR_PORT [block]} (both on 127.0.0.1); {@code
 * block} waits in {@code select} instead of spinning.
 */
public final class FloorForwarder {
  private static final int BUFFER_BYTES = 4 << 20;

  /** One client's entry: its address and its socket connected to the Connector. */
  private static final class Flow {
    final SocketAddress client;
    final DatagramChannel upstream;

    Flow(SocketAddress client, DatagramChannel upstream) {
      this.client = client;
      this.upstream = upstream;
    }
  }

  private final DatagramChannel listen;
  private final InetSocketAddress connector;
  private final Selector selector;
  private final Map<SocketAddress, Flow> flows = new HashMap<>();
  private final ByteBuffer buf = ByteBuffer.allocateDirect(65536);
  private final Consumer<SelectionKey> onReady = this::onReady;

  private FloorForwarder(DatagramChannel listen, InetSocketAddress connector) throws IOException {
    this.listen = listen;
    this.connector = connector;
    this.selector = Selector.open();
    listen.register(selector, SelectionKey.OP_READ, null);
  }

  private void onReady(SelectionKey key) {
    Flow flow = (Flow) key.attachment();
    buf.clear();
    try {
      if (flow == null) {
        SocketAddress from = listen.receive(buf); // same cached address object while it repeats
        if (from == null) {
          return;
        }
        buf.flip();
        flow = flows.get(from);
        if (flow == null) {
          flow = open(from);
        }
        flow.upstream.write(buf);
      } else if (flow.upstream.read(buf) > 0) {
        buf.flip();
        listen.send(buf, flow.client);
      }
    } catch (IOException e) {
      // e.g. ICMP port unreachable on a connected upstream socket: a dumb forwarder drops it.
    }
  }

  /** New client: a socket of its own, connected to the Connector. Once per client. */
  private Flow open(SocketAddress client) throws IOException {
    DatagramChannel up = DatagramChannel.open(StandardProtocolFamily.INET);
    up.setOption(StandardSocketOptions.SO_RCVBUF, BUFFER_BYTES);
    up.setOption(StandardSocketOptions.SO_SNDBUF, BUFFER_BYTES);
    up.bind(new InetSocketAddress("127.0.0.1", 0));
    up.connect(connector);
    up.configureBlocking(false);
    Flow flow = new Flow(client, up);
    up.register(selector, SelectionKey.OP_READ, flow);
    flows.put(client, flow);
    if (flows.size() % 1000 == 0) {
      System.out.println("floor forwarder: " + flows.size() + " clients");
    }
    return flow;
  }

  public static void main(String[] args) throws Exception {
    int listenPort = Integer.parseInt(args[0]);
    InetSocketAddress connector = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]));
    boolean spin = args.length < 3 || !"block".equals(args[2]);
    try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET)) {
      ch.setOption(StandardSocketOptions.SO_RCVBUF, BUFFER_BYTES);
      ch.setOption(StandardSocketOptions.SO_SNDBUF, BUFFER_BYTES);
      ch.bind(new InetSocketAddress("127.0.0.1", listenPort));
      ch.configureBlocking(false);
      FloorForwarder f = new FloorForwarder(ch, connector);
      System.out.println("floor forwarder on " + ch.getLocalAddress() + " -> " + connector);
      while (true) {
        if (spin) {
          if (f.selector.selectNow(f.onReady) == 0) {
            Thread.onSpinWait();
          }
        } else {
          f.selector.select(f.onReady);
        }
      }
    }
  }
}
