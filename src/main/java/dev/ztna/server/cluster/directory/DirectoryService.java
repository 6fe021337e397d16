package dev.ztna.server.cluster.directory;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.cluster.codecs.CloseReason;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory's {@link ClusteredService}: applies the nodes' messages from the cluster log to a
 * {@link DirectoryState}, sends every visible change to every node's session ({@link
 * DirectoryMessage#ENTRY}), acknowledges a node's sequenced messages to it ({@link
 * DirectoryMessage#ACK}), answers HELLO and SYNC_REQUEST with a full state ({@link
 * DirectoryMessage#SYNC_BEGIN} … {@link DirectoryMessage#SYNC_END}), removes a node's entries when
 * its session closes or times out, and writes and loads snapshots.
 *
 * <p>Egress is best effort: an offer back-pressured past a bounded retry is given up, and the node
 * sees a gap in the versions and asks for a SYNC. Followers' offers are no-ops (Aeron Cluster only
 * sends from the leader), so every member runs the same code.
 */
public final class DirectoryService implements ClusteredService {
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryService.class);

  /** Offer attempts for one egress message before it is given up (back pressure). */
  private static final int OFFER_ATTEMPTS = 200;

  private final DirectoryState state = new DirectoryState();
  private final DirectoryMessage in = new DirectoryMessage();
  private final DirectoryMessage out = new DirectoryMessage();
  private final UnsafeBuffer outBuffer = new UnsafeBuffer(new byte[DirectoryMessage.MAX_LENGTH]);
  private final DirectoryState.Changes broadcast = this::broadcastEntry;
  private Cluster cluster;
  private IdleStrategy idle;
  private long malformed;
  private long egressGivenUp;
  private volatile long loadedVersion = -1;
  private volatile long appliedVersion;

  /** The state (tests). */
  DirectoryState state() {
    return state;
  }

  /** The version loaded from the snapshot at start, or -1 (started without one). Any thread. */
  public long loadedVersion() {
    return loadedVersion;
  }

  /** The version after the last message applied (from the log or its replay). Any thread. */
  public long appliedVersion() {
    return appliedVersion;
  }

  /** Malformed ingress messages ignored so far. */
  public long malformed() {
    return malformed;
  }

  /** Egress messages given up after back pressure so far. */
  public long egressGivenUp() {
    return egressGivenUp;
  }

  @Override
  public void onStart(Cluster cluster, Image snapshotImage) {
    this.cluster = cluster;
    this.idle = cluster.idleStrategy();
    if (snapshotImage != null) {
      loadSnapshot(snapshotImage);
    }
  }

  private void loadSnapshot(Image image) {
    boolean[] done = {false};
    FragmentHandler handler =
        (buffer, offset, length, header) -> done[0] |= state.load(buffer, offset, length);
    idle.reset();
    while (!done[0] && !image.isEndOfStream()) {
      int fragments = image.poll(handler, 64);
      idle.idle(fragments);
    }
    if (!done[0]) {
      throw new IllegalStateException("directory snapshot ended without its end record");
    }
    loadedVersion = state.version();
    appliedVersion = state.version();
    LOG.info(
        "directory loaded from snapshot: {} services, version {}",
        state.serviceCount(),
        state.version());
  }

  @Override
  public void onSessionOpen(ClientSession session, long timestamp) {
    // A session speaks for a node once it says HELLO.
  }

  @Override
  public void onSessionClose(ClientSession session, long timestamp, CloseReason closeReason) {
    int node = state.nodeOf(session.id());
    if (node >= 0) {
      LOG.info(
          "directory: node {} left (session {} closed: {}), its entries are removed",
          node,
          session.id(),
          closeReason);
    }
    state.sessionClosed(session.id(), broadcast);
    appliedVersion = state.version();
  }

  @Override
  public void onSessionMessage(
      ClientSession session,
      long timestamp,
      DirectBuffer buffer,
      int offset,
      int length,
      Header header) {
    if (!in.wrap(buffer, offset, length) || !in.isValid() || in.node() < 0) {
      malformed++;
      return;
    }
    int node = in.node();
    long sessionId = session.id();
    switch (in.type()) {
      case DirectoryMessage.HELLO:
        if (state.hello(node, sessionId, broadcast)) {
          LOG.info("directory: node {} joined on session {}", node, sessionId);
        }
        sendSync(session, node);
        break;
      case DirectoryMessage.SYNC_REQUEST:
        if (state.nodeOf(sessionId) == node) {
          sendSync(session, node);
        } else {
          sendAck(session, -1, 0); // not bound: the node says HELLO again
        }
        break;
      case DirectoryMessage.HEARTBEAT:
        if (state.nodeOf(sessionId) == node) {
          sendAck(session, node, state.lastApplied(node));
        } else {
          sendAck(session, -1, 0);
        }
        break;
      case DirectoryMessage.CLAIM:
      case DirectoryMessage.RELEASE:
      case DirectoryMessage.AGENTS:
        applySequenced(session, node);
        break;
      default:
        malformed++;
    }
    appliedVersion = state.version();
  }

  private void applySequenced(ClientSession session, int node) {
    if (state.nodeOf(session.id()) != node) {
      sendAck(session, -1, 0);
      return;
    }
    if (in.idLength() == 0) {
      malformed++;
    } else if (state.accept(node, session.id(), in.seq())) {
      byte[] id = in.idBytes();
      switch (in.type()) {
        case DirectoryMessage.CLAIM:
          state.claim(node, in.value(), id, broadcast);
          break;
        case DirectoryMessage.RELEASE:
          state.release(node, id, broadcast);
          break;
        default:
          state.agents(node, in.a(), id, broadcast);
          break;
      }
    }
    sendAck(session, node, state.lastApplied(node));
  }

  private void sendAck(ClientSession session, int node, long lastApplied) {
    out.encode(outBuffer, 0, DirectoryMessage.ACK).node(node).seq(lastApplied);
    offer(session, out.length());
  }

  private void sendSync(ClientSession session, int node) {
    out.encode(outBuffer, 0, DirectoryMessage.SYNC_BEGIN).node(node).seq(state.version());
    if (!offer(session, out.length())) {
      return; // the node asks again
    }
    boolean[] ok = {true};
    state.forEach(
        (id, connectorNode, soleAgentNode) -> {
          if (ok[0]) {
            out.encode(outBuffer, 0, DirectoryMessage.SYNC_ENTRY)
                .value(state.claimTime(id))
                .a(connectorNode)
                .b(soleAgentNode)
                .id(id);
            ok[0] = offer(session, out.length());
          }
        });
    if (ok[0]) {
      out.encode(outBuffer, 0, DirectoryMessage.SYNC_END)
          .node(node)
          .seq(state.version())
          .value(state.lastApplied(node));
      offer(session, out.length());
    }
  }

  private void broadcastEntry(byte[] id, int connectorNode, int soleAgentNode, long version) {
    if (cluster == null) {
      return;
    }
    out.encode(outBuffer, 0, DirectoryMessage.ENTRY)
        .seq(version)
        .value(state.claimTime(id))
        .a(connectorNode)
        .b(soleAgentNode)
        .id(id);
    for (ClientSession session : cluster.clientSessions()) {
      if (!session.isClosing()) {
        offer(session, out.length());
      }
    }
  }

  private boolean offer(ClientSession session, int length) {
    idle.reset();
    for (int attempt = 0; attempt < OFFER_ATTEMPTS; attempt++) {
      long result = session.offer(outBuffer, 0, length);
      if (result > 0) {
        return true;
      }
      if (result != Publication.BACK_PRESSURED && result != Publication.ADMIN_ACTION) {
        break; // not connected or closed: the node syncs when it is back
      }
      idle.idle();
    }
    egressGivenUp++;
    return false;
  }

  @Override
  public void onTimerEvent(long correlationId, long timestamp) {}

  @Override
  public void onTakeSnapshot(ExclusivePublication snapshotPublication) {
    UnsafeBuffer scratch = new UnsafeBuffer(new byte[DirectoryMessage.MAX_LENGTH]);
    state.snapshot(
        scratch,
        (buffer, offset, length) -> {
          idle.reset();
          long result;
          while ((result = snapshotPublication.offer(buffer, offset, length)) < 0) {
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
              throw new IllegalStateException("snapshot publication failed: " + result);
            }
            idle.idle(); // the snapshot must be whole; the container waits for the archive
          }
        });
    LOG.info(
        "directory snapshot taken: {} services, version {}", state.serviceCount(), state.version());
  }

  @Override
  public void onRoleChange(Cluster.Role newRole) {
    LOG.info("directory member role: {}", newRole);
  }

  @Override
  public void onTerminate(Cluster cluster) {}
}
