package dev.ztna.server.cluster;

import java.util.ArrayList;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * An in-memory {@link ServiceDirectory} for nodes in one JVM (tests): a {@link Log} stands in for
 * the cluster's replicated log (announcements are appended in one total order, from any node's
 * thread), and each node's view applies it to its own local copy in {@link #poll()}, telling its
 * listener when a service's Connector node changes. So, as with Aeron Cluster, a node's own
 * announcement reaches its copy only when it polls, newest wins by log order, and lookups are local
 * primitive-map reads that allocate nothing. {@link #close()} removes the node's entries, as a
 * cluster session ending would.
 */
public final class LocalServiceDirectory implements ServiceDirectory {
  /** The shared, totally ordered log of one test's nodes. */
  public static final class Log {
    private final List<Event> events = new ArrayList<>();
    private final int nodes;

    /** A log for nodes 0 .. {@code nodes - 1}. */
    public Log(int nodes) {
      this.nodes = nodes;
    }

    /** Node {@code id}'s view (one per node). */
    public LocalServiceDirectory node(int id) {
      return new LocalServiceDirectory(this, id);
    }

    synchronized void append(Event e) {
      events.add(e);
    }

    synchronized int size() {
      return events.size();
    }

    synchronized Event get(int i) {
      return events.get(i);
    }
  }

  private static final int ANNOUNCE_CONNECTOR = 1;
  private static final int WITHDRAW_CONNECTOR = 2;
  private static final int ANNOUNCE_AGENT = 3;
  private static final int WITHDRAW_AGENT = 4;
  private static final int NODE_LEFT = 5;

  private static final class Event {
    final int type;
    final int node;
    final byte[] id;

    Event(int type, int node, byte[] id) {
      this.type = type;
      this.node = node;
      this.id = id;
    }
  }

  private static final class Entry {
    final byte[] id;
    final org.agrona.concurrent.UnsafeBuffer idBuffer;
    final int[] agents;
    int connector = NO_NODE;
    Entry next;

    Entry(byte[] id, int nodes) {
      this.id = id;
      this.idBuffer = new org.agrona.concurrent.UnsafeBuffer(id);
      this.agents = new int[nodes];
    }
  }

  private final Log log;
  private final int node;
  private final Long2ObjectHashMap<Entry> entries = new Long2ObjectHashMap<>();
  private final List<Entry> all = new ArrayList<>();
  private int applied;
  private boolean closed;
  private Listener listener;

  private LocalServiceDirectory(Log log, int node) {
    this.log = log;
    this.node = node;
  }

  @Override
  public int localNode() {
    return node;
  }

  @Override
  public int connectorNode(DirectBuffer serviceId, int offset, int length) {
    Entry e = find(serviceId, offset, length);
    return e == null ? NO_NODE : e.connector;
  }

  @Override
  public int soleAgentNode(DirectBuffer serviceId, int offset, int length) {
    Entry e = find(serviceId, offset, length);
    if (e == null) {
      return NO_NODE;
    }
    int sole = NO_NODE;
    int total = 0;
    for (int n = 0; n < e.agents.length; n++) {
      if (e.agents[n] > 0) {
        total += e.agents[n];
        sole = n;
      }
    }
    return total == 1 ? sole : NO_NODE;
  }

  @Override
  public boolean announceConnector(DirectBuffer serviceId, int offset, int length) {
    return append(ANNOUNCE_CONNECTOR, serviceId, offset, length);
  }

  @Override
  public boolean withdrawConnector(DirectBuffer serviceId, int offset, int length) {
    return append(WITHDRAW_CONNECTOR, serviceId, offset, length);
  }

  @Override
  public boolean announceAgent(DirectBuffer serviceId, int offset, int length) {
    return append(ANNOUNCE_AGENT, serviceId, offset, length);
  }

  @Override
  public boolean withdrawAgent(DirectBuffer serviceId, int offset, int length) {
    return append(WITHDRAW_AGENT, serviceId, offset, length);
  }

  private boolean append(int type, DirectBuffer serviceId, int offset, int length) {
    if (closed) {
      return false;
    }
    byte[] id = new byte[length];
    serviceId.getBytes(offset, id);
    log.append(new Event(type, node, id));
    return true;
  }

  @Override
  public int poll() {
    int size = log.size();
    int work = 0;
    while (applied < size) {
      apply(log.get(applied++));
      work++;
    }
    return work;
  }

  private void apply(Event event) {
    if (event.type == NODE_LEFT) {
      for (Entry e : all) {
        e.agents[event.node] = 0;
        if (e.connector == event.node) {
          changeConnector(e, NO_NODE);
        }
      }
      return;
    }
    org.agrona.concurrent.UnsafeBuffer id = new org.agrona.concurrent.UnsafeBuffer(event.id);
    Entry e = find(id, 0, event.id.length);
    if (e == null) {
      e = new Entry(event.id, log.nodes);
      long h = hash(id, 0, event.id.length);
      e.next = entries.get(h);
      entries.put(h, e);
      all.add(e);
    }
    switch (event.type) {
      case ANNOUNCE_CONNECTOR:
        changeConnector(e, event.node);
        break;
      case WITHDRAW_CONNECTOR:
        if (e.connector == event.node) {
          changeConnector(e, NO_NODE);
        }
        break;
      case ANNOUNCE_AGENT:
        e.agents[event.node]++;
        break;
      default:
        e.agents[event.node] = Math.max(0, e.agents[event.node] - 1);
        break;
    }
  }

  private void changeConnector(Entry e, int to) {
    if (e.connector == to) {
      return;
    }
    e.connector = to;
    if (listener != null) {
      listener.onConnectorNode(e.idBuffer, 0, e.id.length, to);
    }
  }

  @Override
  public void listener(Listener listener) {
    this.listener = listener;
  }

  /** Leaves: every node's copy drops this node's entries when it next polls. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      log.append(new Event(NODE_LEFT, node, new byte[0]));
    }
  }

  private Entry find(DirectBuffer id, int offset, int length) {
    for (Entry e = entries.get(hash(id, offset, length)); e != null; e = e.next) {
      if (e.id.length == length && equal(e.id, id, offset)) {
        return e;
      }
    }
    return null;
  }

  private static boolean equal(byte[] a, DirectBuffer b, int offset) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] != b.getByte(offset + i)) {
        return false;
      }
    }
    return true;
  }

  private static long hash(DirectBuffer id, int offset, int length) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < length; i++) {
      h = (h ^ (id.getByte(offset + i) & 0xff)) * 0x100000001b3L;
    }
    return h;
  }
}
