package dev.ztna.server.cluster.lb;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * A test-scope stateless QUIC-LB load balancer (draft-ietf-quic-load-balancers-21 §4): a UDP
 * forwarder with one front address that reads the server ID from the destination CID of each client
 * datagram and forwards the datagram to that node.
 *
 * <p>Routing, in the draft's order (§4.2): a routable CID (this configuration's code point, long
 * enough, a server ID that names an active node) goes to its node. Otherwise an Initial or 0-RTT
 * packet, whose DCID the client may have chosen, takes the fallback (§4.3.1): the node this client
 * 4-tuple was sent to before if it is still active, else {@link #defaultNode} if set and active,
 * else a hash of the client address over the active nodes. Any other packet with an unroutable CID
 * (a short header or Handshake packet naming no node, or another code point) is dropped and
 * counted: a node could only answer it with a stateless reset.
 *
 * <p>Return traffic: like a NAT, the forwarder opens one back socket per client address, so a
 * node's reply on that socket goes back to that client through the front socket. A client that
 * rebinds (new source port at the front) gets a new back socket, and its packets still reach their
 * node because the CID names it; the node sees a new peer address and validates the path.
 *
 * <p>One daemon thread, blocking in a {@link Selector} with a bounded wait. Node membership may
 * change from any thread ({@link #addNode}, {@link #removeNode}).
 */
final class QuicLbForwarder implements AutoCloseable {
  private static final int SOCKET_BUFFER_BYTES = 4 << 20;
  private static final long SELECT_WAIT_MS = 100;

  private final QuicLbDecoder decoder;
  private final int cidLength;
  private final Map<String, InetSocketAddress> nodes = new ConcurrentHashMap<>();
  private final Map<InetSocketAddress, String> nodeByAddress = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> forwardedTo = new ConcurrentHashMap<>();
  private final Map<InetSocketAddress, Session> sessions = new ConcurrentHashMap<>();
  private final Selector selector;
  private final DatagramChannel front;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(65_536);
  private final byte[] packet = new byte[65_536];
  private final byte[] sid = new byte[19];
  private final Thread thread;
  private volatile String defaultNode;
  private volatile BiConsumer<String, byte[]> serverPacketObserver = (node, bytes) -> {};
  private volatile boolean closed;
  private volatile Throwable failure;

  /** Short-header or Handshake datagrams whose server ID names no active node (dropped). */
  final AtomicLong droppedUnknownServerId = new AtomicLong();

  /** Non-Initial datagrams whose CID is of another code point or too short (dropped). */
  final AtomicLong droppedUnroutable = new AtomicLong();

  /** Datagrams too short to carry a QUIC header, or with no active node at all (dropped). */
  final AtomicLong droppedMalformed = new AtomicLong();

  /** Initial / 0-RTT datagrams routed by the fallback rather than by their CID. */
  final AtomicLong fallbackRouted = new AtomicLong();

  QuicLbForwarder(QuicLbConfig config) throws IOException {
    this.decoder = new QuicLbDecoder(config);
    this.cidLength = config.cidLength();
    this.selector = Selector.open();
    this.front = openChannel();
    front.bind(new InetSocketAddress("127.0.0.1", 0));
    front.register(selector, SelectionKey.OP_READ, null);
    this.thread = new Thread(this::run, "quic-lb-forwarder");
    thread.setDaemon(true);
    thread.start();
  }

  /** Where clients send. */
  InetSocketAddress frontAddress() throws IOException {
    return (InetSocketAddress) front.getLocalAddress();
  }

  /** Adds (or moves) the node with this server ID. */
  void addNode(byte[] serverId, InetSocketAddress address) {
    String key = HexFormat.of().formatHex(serverId);
    nodes.put(key, address);
    nodeByAddress.put(address, key);
    forwardedTo.computeIfAbsent(key, k -> new AtomicLong());
  }

  /** Takes a node out of the pool (drained or dead): its CIDs become unroutable. */
  void removeNode(String serverIdHex) {
    nodes.remove(serverIdHex);
  }

  /** The fallback's first choice for new client 4-tuples (null: hash of the client address). */
  void defaultNode(String serverIdHex) {
    defaultNode = serverIdHex;
  }

  /**
   * Called on the forwarder thread with the server ID (hex) and bytes of every datagram a node
   * sends back, before it is forwarded to the client.
   */
  void onServerPacket(BiConsumer<String, byte[]> observer) {
    serverPacketObserver = observer;
  }

  /** Client datagrams forwarded to the node with this server ID. */
  long forwardedTo(String serverIdHex) {
    AtomicLong n = forwardedTo.get(serverIdHex);
    return n == null ? 0 : n.get();
  }

  /** The error that stopped the forwarder thread, or null. */
  Throwable failure() {
    return failure;
  }

  private static DatagramChannel openChannel() throws IOException {
    DatagramChannel ch = DatagramChannel.open();
    ch.configureBlocking(false);
    ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
    ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
    return ch;
  }

  private void run() {
    try {
      while (!closed) {
        selector.select(SELECT_WAIT_MS);
        for (SelectionKey key : selector.selectedKeys()) {
          if (key.isValid() && key.isReadable()) {
            if (key.attachment() == null) {
              drainFront();
            } else {
              drainBack((Session) key.attachment());
            }
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (ClosedSelectorException e) {
      // closed
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        failure = e;
      }
    }
  }

  private void drainFront() throws IOException {
    while (true) {
      buffer.clear();
      InetSocketAddress client = (InetSocketAddress) front.receive(buffer);
      if (client == null) {
        return;
      }
      buffer.flip();
      int len = buffer.remaining();
      buffer.get(packet, 0, len);
      Session session = sessions.get(client);
      if (session == null) {
        session = new Session(client);
        sessions.put(client, session);
      }
      String node = route(session, len);
      if (node == null) {
        continue;
      }
      InetSocketAddress to = nodes.get(node);
      if (to == null) {
        droppedMalformed.incrementAndGet();
        continue;
      }
      forwardedTo.get(node).incrementAndGet();
      buffer.flip();
      session.back.send(buffer, to);
    }
  }

  /** The server ID (hex) of the node this datagram goes to, or null when it is dropped. */
  private String route(Session session, int len) {
    if (len < 1 + cidLength) {
      droppedMalformed.incrementAndGet();
      return null;
    }
    boolean longHeader = (packet[0] & 0x80) != 0;
    int dcidOff;
    int dcidLen;
    boolean mayStartConnection = false;
    if (longHeader) {
      if (len < 7) {
        droppedMalformed.incrementAndGet();
        return null;
      }
      dcidLen = packet[5] & 0xff;
      dcidOff = 6;
      if (dcidOff + dcidLen > len) {
        droppedMalformed.incrementAndGet();
        return null;
      }
      int type = (packet[0] & 0x30) >> 4; // QUIC v1: 0 Initial, 1 0-RTT, 2 Handshake, 3 Retry
      mayStartConnection = type == 0 || type == 1;
    } else {
      dcidOff = 1;
      dcidLen = cidLength;
    }
    int r = decoder.serverId(packet, dcidOff, dcidLen, sid, 0);
    if (r > 0) {
      String node = HexFormat.of().formatHex(sid, 0, r);
      if (nodes.containsKey(node)) {
        return node;
      }
      if (!mayStartConnection) {
        droppedUnknownServerId.incrementAndGet();
        return null;
      }
    } else if (!mayStartConnection) {
      droppedUnroutable.incrementAndGet();
      return null;
    }
    fallbackRouted.incrementAndGet();
    return fallback(session);
  }

  private String fallback(Session session) {
    if (session.fallbackNode != null && nodes.containsKey(session.fallbackNode)) {
      return session.fallbackNode;
    }
    String d = defaultNode;
    String chosen;
    if (d != null && nodes.containsKey(d)) {
      chosen = d;
    } else {
      List<String> active = new ArrayList<>(nodes.keySet());
      if (active.isEmpty()) {
        droppedMalformed.incrementAndGet();
        return null;
      }
      active.sort(null);
      chosen = active.get(Math.floorMod(session.client.hashCode(), active.size()));
    }
    session.fallbackNode = chosen;
    return chosen;
  }

  private void drainBack(Session session) throws IOException {
    while (true) {
      buffer.clear();
      InetSocketAddress from = (InetSocketAddress) session.back.receive(buffer);
      if (from == null) {
        return;
      }
      buffer.flip();
      String node = nodeByAddress.get(from);
      if (node != null) {
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        serverPacketObserver.accept(node, copy);
      }
      front.send(buffer, session.client);
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      selector.close();
    } catch (IOException e) {
      // closing anyway
    }
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Session s : sessions.values()) {
      try {
        s.back.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    try {
      front.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** One client address at the front and its back socket toward the nodes. */
  private final class Session {
    final InetSocketAddress client;
    final DatagramChannel back;
    String fallbackNode;

    Session(InetSocketAddress client) throws IOException {
      this.client = client;
      this.back = openChannel();
      back.bind(new InetSocketAddress("127.0.0.1", 0));
      back.register(selector, SelectionKey.OP_READ, this);
    }
  }
}
