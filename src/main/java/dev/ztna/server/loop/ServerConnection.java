package dev.ztna.server.loop;

import dev.ztna.server.conn.ConnectionListener;
import dev.ztna.server.conn.QuicConnection;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import org.agrona.DirectBuffer;

/**
 * The loop's handle on one connection: the QUIC connection, the socket it arrived on, its timer,
 * and a slot for the application's own state. Applications send and close through it so that the
 * loop knows to flush. It is also its QUIC connection's {@link ConnectionListener}: each event
 * reaches the loop with its connection's handle, without a lookup.
 */
public final class ServerConnection implements ClientConnection, ConnectionListener {
  private final ServerAgent agent;
  private final long id;
  private final UdpEndpoint endpoint;
  private final long startNanos;
  QuicConnection quic;
  long timerId = -1;
  long deadline = ConnectionTimers.NO_DEADLINE;
  boolean dirty;
  boolean freed;
  boolean closed;
  boolean established;

  /** A socket connected to the peer (null when not in use), and the peer it is connected to. */
  DatagramChannel connectedChannel;

  InetSocketAddress connectedPeer;
  private Object attachment;

  /** Admission bookkeeping ({@link AdmissionControl}): the source it counts against, and state. */
  long sourceKey;

  boolean counted;
  boolean halfOpen;
  long handshakeTimerId = -1;
  InetSocketAddress acceptedFrom;
  final TokenBucket datagramBucket = new TokenBucket();
  final TokenBucket byteBucket = new TokenBucket();
  long[] routedKeys = new long[8];
  int routedCount;

  /** Index in the loop's table of live connections, -1 once freed. */
  int liveIndex = -1;

  ServerConnection(ServerAgent agent, long id, UdpEndpoint endpoint, long startNanos) {
    this.agent = agent;
    this.id = id;
    this.endpoint = endpoint;
    this.startNanos = startNanos;
  }

  void addRoutedKey(long key) {
    if (routedCount == routedKeys.length) {
      routedKeys = java.util.Arrays.copyOf(routedKeys, routedCount * 2);
    }
    routedKeys[routedCount++] = key;
  }

  void removeRoutedKey(long key) {
    for (int i = 0; i < routedCount; i++) {
      if (routedKeys[i] == key) {
        routedKeys[i] = routedKeys[--routedCount];
        return;
      }
    }
  }

  /** A process-unique number for logs. */
  @Override
  public long id() {
    return id;
  }

  /** The QUIC connection (for read-only inspection: state, peer, cipher suite, counters). */
  public QuicConnection quic() {
    return quic;
  }

  /** The socket this connection's packets arrive on and leave from. */
  public UdpEndpoint endpoint() {
    return endpoint;
  }

  /** When the connection was accepted, by the loop's nano clock. */
  public long startNanos() {
    return startNanos;
  }

  /** The peer's current (validated) address. */
  @Override
  public InetSocketAddress peerAddress() {
    return quic.peerAddress();
  }

  @Override
  public String peerIdentity() {
    return quic.peerIdentity();
  }

  /**
   * Queues a DATAGRAM; it leaves at the end of the current duty-cycle iteration.
   *
   * @return {@link #SEND_QUEUED} or one of the negative {@code SEND_*} drop reasons
   */
  @Override
  public int sendDatagram(DirectBuffer data, int offset, int length) {
    int result = quic.sendDatagram(data, offset, length);
    agent.markDirty(this);
    if (result >= 0) {
      agent.onApplicationDatagramQueued();
    }
    return result;
  }

  /** Closes with an application error code (ZTNA-V1 §5) and a reason phrase. */
  @Override
  public void close(long applicationErrorCode, String reason) {
    quic.close(applicationErrorCode, reason);
    agent.markDirty(this);
  }

  /** True once the connection is closing, draining or gone. */
  @Override
  public boolean isClosing() {
    return closed || freed;
  }

  /** The application's per-connection state. */
  @Override
  public Object attachment() {
    return attachment;
  }

  /** Sets the application's per-connection state. */
  @Override
  public void attachment(Object value) {
    attachment = value;
  }

  @Override
  public int maxDatagramPayload() {
    return closed || freed ? 0 : quic.maxDatagramPayload();
  }

  // ------------------------------------------------------------------------------------------
  // ConnectionListener: this connection's events, forwarded to the loop

  @Override
  public void onLocalCidIssued(QuicConnection c, byte[] cid, int off, int len) {
    agent.onLocalCidIssued(this, cid, off, len);
  }

  @Override
  public void onLocalCidRetired(QuicConnection c, byte[] cid, int off, int len) {
    agent.onLocalCidRetired(this, cid, off, len);
  }

  @Override
  public void onEstablished(QuicConnection c) {
    agent.onEstablished(this, c);
  }

  @Override
  public void onDatagram(QuicConnection c, DirectBuffer data, int off, int len) {
    agent.onDatagram(this, data, off, len);
  }

  @Override
  public void onPeerAddressChanged(QuicConnection c, InetSocketAddress newPeer) {
    agent.onPeerAddressChanged(this, newPeer);
  }

  @Override
  public void onAddressChanged(QuicConnection c, InetSocketAddress newPeer) {
    agent.onAddressChanged(this, newPeer);
  }

  @Override
  public void onClosed(
      QuicConnection c, long errorCode, boolean application, boolean byPeer, String reason) {
    agent.onClosed(this, c, errorCode, application, byPeer, reason);
  }

  @Override
  public String toString() {
    return "conn#" + id;
  }
}
