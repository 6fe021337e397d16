package dev.ztna.server.cluster.directory;

import dev.ztna.server.cluster.ServiceDirectory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2LongHashMap;

/**
 * The replicated directory as a deterministic state machine, free of Aeron: per service id the node
 * holding its Connector (newest claim wins) and per node the count of its Agents; per node the
 * cluster session bound to it and the last of its messages applied. {@link DirectoryService} feeds
 * it the cluster log in order, so every member holds the same state.
 *
 * <p>Newest wins (ZTNA-V1 §4) by the claim time the claiming node stamped: a claim older than the
 * current holder's is ignored (it can only be a node re-announcing after it lost its session, while
 * a newer Connector registered elsewhere); an equal or newer claim takes the service. A node's
 * entries go when its session closes or a new session binds the node ({@link #hello}).
 *
 * <p>Every change of a service's visible state (Connector node, sole Agent node) bumps the version
 * by one and is reported to the {@link Changes} given to the call. Not thread-safe: the service
 * container's thread only. Allocates (it runs beside, not on, the relay path).
 */
public final class DirectoryState {
  /** Where changes of a service's visible state go. */
  public interface Changes {
    /** The service's state is now this, at {@code version}; the id array is not to be kept. */
    void onEntry(byte[] id, int connectorNode, int soleAgentNode, long version);
  }

  /** A visitor of every service's visible state. */
  public interface EntryVisitor {
    /** One service. */
    void visit(byte[] id, int connectorNode, int soleAgentNode);
  }

  /** A sink of encoded snapshot records. */
  public interface RecordSink {
    /** One record. */
    void write(DirectBuffer buffer, int offset, int length);
  }

  /** Changes that go nowhere. */
  public static final Changes IGNORE = (id, connectorNode, soleAgentNode, version) -> {};

  private static final int NONE = ServiceDirectory.NO_NODE;

  private static final class Entry {
    final byte[] id;
    int connectorNode = NONE;
    long claimTime;
    final Int2IntHashMap agents = new Int2IntHashMap(0);
    int totalAgents;

    Entry(byte[] id) {
      this.id = id;
    }

    int soleAgentNode() {
      if (totalAgents != 1) {
        return NONE;
      }
      Int2IntHashMap.KeyIterator it = agents.keySet().iterator();
      while (it.hasNext()) {
        int node = it.nextValue();
        if (agents.get(node) == 1) {
          return node;
        }
      }
      return NONE;
    }

    boolean isEmpty() {
      return connectorNode == NONE && totalAgents == 0;
    }
  }

  private static final class Node {
    long sessionId;
    long lastApplied;

    Node(long sessionId, long lastApplied) {
      this.sessionId = sessionId;
      this.lastApplied = lastApplied;
    }
  }

  private final TreeMap<byte[], Entry> services = new TreeMap<>(Arrays::compareUnsigned);
  private final Int2ObjectHashMap<Node> nodes = new Int2ObjectHashMap<>();
  private final Long2LongHashMap nodeBySession = new Long2LongHashMap(NONE);
  private long version;

  /** The version: the number of visible changes so far. */
  public long version() {
    return version;
  }

  /** The node bound to the session, or {@link ServiceDirectory#NO_NODE}. */
  public int nodeOf(long sessionId) {
    return (int) nodeBySession.get(sessionId);
  }

  /** The last message sequence of {@code node} applied (0: none, or the node is unbound). */
  public long lastApplied(int node) {
    Node n = nodes.get(node);
    return n == null ? 0 : n.lastApplied;
  }

  /** Services known (with a Connector or an Agent). */
  public int serviceCount() {
    return services.size();
  }

  /**
   * Binds {@code node} to {@code sessionId}. A new binding removes every entry of the node (its
   * previous session's, or those of a node this session spoke for before): the node re-announces
   * what it holds. Idempotent for the current binding.
   *
   * @return true when the binding is new
   */
  public boolean hello(int node, long sessionId, Changes changes) {
    Node n = nodes.get(node);
    if (n != null && n.sessionId == sessionId) {
      return false;
    }
    int previousNodeOfSession = nodeOf(sessionId);
    if (previousNodeOfSession != NONE) {
      unbind(previousNodeOfSession, changes);
    }
    if (n != null) {
      unbind(node, changes);
    }
    nodes.put(node, new Node(sessionId, 0));
    nodeBySession.put(sessionId, node);
    return true;
  }

  /** The session closed (or timed out): its node's entries go. */
  public void sessionClosed(long sessionId, Changes changes) {
    int node = nodeOf(sessionId);
    if (node != NONE) {
      unbind(node, changes);
    }
  }

  /**
   * Whether a sequenced message of {@code node} on {@code sessionId} is to be applied: the session
   * is the node's and {@code seq} is past the last applied (duplicates after a leader change are
   * ignored). Records {@code seq} when true.
   */
  public boolean accept(int node, long sessionId, long seq) {
    Node n = nodes.get(node);
    if (n == null || n.sessionId != sessionId || seq <= n.lastApplied) {
      return false;
    }
    n.lastApplied = seq;
    return true;
  }

  /** {@code node} holds the service's Connector since {@code claimTime}. */
  public void claim(int node, long claimTime, byte[] id, Changes changes) {
    Entry e = services.get(id);
    if (e == null) {
      e = new Entry(id.clone());
      services.put(e.id, e);
    } else if (e.connectorNode != NONE && e.connectorNode != node && e.claimTime > claimTime) {
      return; // an older claim than the holder's: the holder is newer
    }
    int before = e.connectorNode;
    e.connectorNode = node;
    e.claimTime = claimTime;
    if (before != node) {
      emit(e, changes);
    }
  }

  /** {@code node}'s Connector of the service left (nothing when another node holds it). */
  public void release(int node, byte[] id, Changes changes) {
    Entry e = services.get(id);
    if (e == null || e.connectorNode != node) {
      return;
    }
    e.connectorNode = NONE;
    e.claimTime = 0;
    emit(e, changes);
    removeIfEmpty(e);
  }

  /** {@code node} holds {@code count} Agents of the service. */
  public void agents(int node, int count, byte[] id, Changes changes) {
    int c = Math.max(0, count);
    Entry e = services.get(id);
    if (e == null) {
      if (c == 0) {
        return;
      }
      e = new Entry(id.clone());
      services.put(e.id, e);
    }
    int old = e.agents.get(node);
    if (old == c) {
      return;
    }
    int soleBefore = e.soleAgentNode();
    if (c == 0) {
      e.agents.remove(node);
    } else {
      e.agents.put(node, c);
    }
    e.totalAgents += c - old;
    if (e.soleAgentNode() != soleBefore) {
      emit(e, changes);
    }
    removeIfEmpty(e);
  }

  /** The node holding the service's Connector, or {@link ServiceDirectory#NO_NODE}. */
  public int connectorNode(byte[] id) {
    Entry e = services.get(id);
    return e == null ? NONE : e.connectorNode;
  }

  /** The claim time of the service's Connector (0: none). */
  public long claimTime(byte[] id) {
    Entry e = services.get(id);
    return e == null ? 0 : e.claimTime;
  }

  /** The node holding the only Agent of the service, or {@link ServiceDirectory#NO_NODE}. */
  public int soleAgentNode(byte[] id) {
    Entry e = services.get(id);
    return e == null ? NONE : e.soleAgentNode();
  }

  /** The Agents of the service on {@code node}. */
  public int agentCount(byte[] id, int node) {
    Entry e = services.get(id);
    return e == null ? 0 : e.agents.get(node);
  }

  /** Visits every service in id order. */
  public void forEach(EntryVisitor visitor) {
    for (Entry e : services.values()) {
      visitor.visit(e.id, e.connectorNode, e.soleAgentNode());
    }
  }

  /**
   * Writes the whole state as snapshot records ({@link DirectoryMessage} SNAP_*), in a
   * deterministic order, into {@code sink} through {@code scratch} ({@link
   * DirectoryMessage#MAX_LENGTH} bytes).
   */
  public void snapshot(MutableDirectBuffer scratch, RecordSink sink) {
    DirectoryMessage m = new DirectoryMessage();
    m.encode(scratch, 0, DirectoryMessage.SNAP_BEGIN).seq(version);
    sink.write(scratch, 0, m.length());
    int[] nodeIds = nodes.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
    for (int node : nodeIds) {
      Node n = nodes.get(node);
      m.encode(scratch, 0, DirectoryMessage.SNAP_NODE)
          .node(node)
          .seq(n.lastApplied)
          .value(n.sessionId);
      sink.write(scratch, 0, m.length());
    }
    for (Entry e : services.values()) {
      if (e.connectorNode != NONE) {
        m.encode(scratch, 0, DirectoryMessage.SNAP_CONNECTOR)
            .a(e.connectorNode)
            .value(e.claimTime)
            .id(e.id);
        sink.write(scratch, 0, m.length());
      }
      int[] agentNodes = e.agents.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
      for (int node : agentNodes) {
        m.encode(scratch, 0, DirectoryMessage.SNAP_AGENTS)
            .node(node)
            .a(e.agents.get(node))
            .id(e.id);
        sink.write(scratch, 0, m.length());
      }
    }
    m.encode(scratch, 0, DirectoryMessage.SNAP_END);
    sink.write(scratch, 0, m.length());
  }

  /**
   * Loads one snapshot record (into an empty state, in the order {@link #snapshot} wrote them).
   *
   * @return true at the end record
   * @throws IllegalArgumentException for a record that is not a snapshot record
   */
  public boolean load(DirectBuffer buffer, int offset, int length) {
    DirectoryMessage m = new DirectoryMessage();
    if (!m.wrap(buffer, offset, length) || !m.isValid()) {
      throw new IllegalArgumentException("malformed snapshot record of " + length + " bytes");
    }
    switch (m.type()) {
      case DirectoryMessage.SNAP_BEGIN:
        version = m.seq();
        return false;
      case DirectoryMessage.SNAP_NODE:
        nodes.put(m.node(), new Node(m.value(), m.seq()));
        nodeBySession.put(m.value(), m.node());
        return false;
      case DirectoryMessage.SNAP_CONNECTOR:
        {
          Entry e = services.computeIfAbsent(m.idBytes(), Entry::new);
          e.connectorNode = m.a();
          e.claimTime = m.value();
          return false;
        }
      case DirectoryMessage.SNAP_AGENTS:
        {
          Entry e = services.computeIfAbsent(m.idBytes(), Entry::new);
          e.agents.put(m.node(), m.a());
          e.totalAgents += m.a();
          return false;
        }
      case DirectoryMessage.SNAP_END:
        return true;
      default:
        throw new IllegalArgumentException("not a snapshot record: type " + m.type());
    }
  }

  /** A canonical text of the whole state (tests compare states with it). */
  public String describe() {
    StringBuilder sb = new StringBuilder("version=").append(version);
    nodes.keySet().stream()
        .sorted()
        .forEach(
            node -> {
              Node n = nodes.get(node);
              sb.append(" node").append(node).append("=session:").append(n.sessionId);
              sb.append(",applied:").append(n.lastApplied);
            });
    for (Map.Entry<byte[], Entry> me : services.entrySet()) {
      Entry e = me.getValue();
      sb.append(" [").append(new String(e.id, java.nio.charset.StandardCharsets.UTF_8));
      sb.append(" connector=").append(e.connectorNode).append('@').append(e.claimTime);
      e.agents.keySet().stream()
          .sorted()
          .forEach(
              node -> sb.append(" agents").append(node).append('=').append(e.agents.get(node)));
      sb.append(']');
    }
    return sb.toString();
  }

  private void unbind(int node, Changes changes) {
    Node n = nodes.remove(node);
    if (n != null) {
      nodeBySession.remove(n.sessionId);
    }
    List<Entry> emptied = new ArrayList<>();
    for (Entry e : services.values()) {
      int soleBefore = e.soleAgentNode();
      boolean changed = false;
      if (e.connectorNode == node) {
        e.connectorNode = NONE;
        e.claimTime = 0;
        changed = true;
      }
      int count = e.agents.remove(node);
      if (count != 0) {
        e.totalAgents -= count;
        changed |= e.soleAgentNode() != soleBefore;
      }
      if (changed) {
        emit(e, changes);
      }
      if (e.isEmpty()) {
        emptied.add(e);
      }
    }
    for (Entry e : emptied) {
      services.remove(e.id);
    }
  }

  private void emit(Entry e, Changes changes) {
    version++;
    changes.onEntry(e.id, e.connectorNode, e.soleAgentNode(), version);
  }

  private void removeIfEmpty(Entry e) {
    if (e.isEmpty()) {
      services.remove(e.id);
    }
  }
}
