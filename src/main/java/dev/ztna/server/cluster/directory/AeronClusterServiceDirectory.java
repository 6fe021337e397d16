package dev.ztna.server.cluster.directory;

import dev.ztna.server.cluster.ServiceDirectory;
import dev.ztna.server.cluster.directory.DirectoryCounters.Counter;
import dev.ztna.server.loop.LogRateLimiter;
import io.aeron.Aeron;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.logbuffer.Header;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's {@link ServiceDirectory} on Aeron Cluster: one cluster session per node (the session is
 * the node's liveness: when it ends, the cluster removes the node's entries), a bounded queue of
 * sequenced announcements towards the cluster, and a local copy of the directory fed by the
 * cluster's egress, so that {@link #connectorNode} and {@link #soleAgentNode} are local,
 * allocation-free primitive-map reads.
 *
 * <p>The protocol ({@link DirectoryMessage}): on each new session the node says HELLO (which clears
 * whatever the cluster held for it), then re-announces what it holds (its Connectors with their
 * original claim times, its Agent counts); the cluster answers HELLO with a full SYNC. Each
 * announcement carries a sequence number; the cluster acknowledges them, and a new leader (Aeron
 * Cluster's NewLeader event) makes the node send the unacknowledged ones again (the cluster ignores
 * duplicates) and ask for a SYNC, as does a gap in the versions of the changes it hears. A
 * keep-alive every {@code heartbeatInterval} keeps the session open (Aeron Cluster's, not logged);
 * a HEARTBEAT every quarter of {@code livenessTimeout} goes through the log and is answered, so a
 * session closed by the cluster, or silent for {@code livenessTimeout}, is found, dropped, and a
 * new one opened with {@link AeronCluster#asyncConnect}, never blocking the duty cycle.
 *
 * <p>Duty-cycle thread only (the Aeron client's conductor runs on its own thread). Steady state
 * ({@link #poll()} with no changes, lookups) allocates nothing; a service first seen allocates its
 * entry.
 */
public final class AeronClusterServiceDirectory implements ServiceDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(AeronClusterServiceDirectory.class);

  /** What the client needs; build one per node. */
  public static final class Config {
    int node;
    String aeronDirectoryName;
    String ingressChannel = "aeron:udp";
    String ingressEndpoints;
    String egressChannel = "aeron:udp?endpoint=localhost:0";
    int queueCapacity = 4096;
    long heartbeatIntervalNs = TimeUnit.MILLISECONDS.toNanos(500);
    long livenessTimeoutNs = TimeUnit.SECONDS.toNanos(10);
    long syncTimeoutNs = TimeUnit.SECONDS.toNanos(1);
    long reconnectIntervalNs = TimeUnit.MILLISECONDS.toNanos(500);
    long messageTimeoutNs = TimeUnit.SECONDS.toNanos(5);
    NanoClock nanoClock = SystemNanoClock.INSTANCE;
    EpochClock epochClock = SystemEpochClock.INSTANCE;
    long hashSeed = new SecureRandom().nextLong();
    long hashMask = -1L;

    /** This node's id, 0..{@link DirectoryMessage#MAX_NODES}-1. */
    public Config node(int node) {
      if (node < 0 || node >= DirectoryMessage.MAX_NODES) {
        throw new IllegalArgumentException(
            "node id outside 0.." + (DirectoryMessage.MAX_NODES - 1));
      }
      this.node = node;
      return this;
    }

    /** The media driver's directory (the client's Aeron connects to it). */
    public Config aeronDirectoryName(String dir) {
      this.aeronDirectoryName = dir;
      return this;
    }

    /** Aeron Cluster ingress channel (default {@code aeron:udp}: endpoints from the list). */
    public Config ingressChannel(String channel) {
      this.ingressChannel = channel;
      return this;
    }

    /** Members' ingress endpoints, {@code 0=host:port,1=host:port,...}. */
    public Config ingressEndpoints(String endpoints) {
      this.ingressEndpoints = endpoints;
      return this;
    }

    /** The channel the cluster answers on, e.g. {@code aeron:udp?endpoint=10.0.0.1:0}. */
    public Config egressChannel(String channel) {
      this.egressChannel = channel;
      return this;
    }

    /** Unacknowledged announcements queued before announcing fails (default 4096). */
    public Config queueCapacity(int capacity) {
      this.queueCapacity = capacity;
      return this;
    }

    /**
     * How often the node sends Aeron Cluster's keep-alive (default 500 ms): well under the
     * cluster's session timeout.
     */
    public Config heartbeatInterval(long value, TimeUnit unit) {
      this.heartbeatIntervalNs = unit.toNanos(value);
      return this;
    }

    /**
     * How long the cluster may stay silent before the session is taken as lost and a new one opened
     * (default 10 s): above the time a leader election takes.
     */
    public Config livenessTimeout(long value, TimeUnit unit) {
      this.livenessTimeoutNs = unit.toNanos(value);
      return this;
    }

    /** How long to wait for an asked-for SYNC before asking again (default 1 s). */
    public Config syncTimeout(long value, TimeUnit unit) {
      this.syncTimeoutNs = unit.toNanos(value);
      return this;
    }

    /** Pause between connection attempts (default 500 ms). */
    public Config reconnectInterval(long value, TimeUnit unit) {
      this.reconnectIntervalNs = unit.toNanos(value);
      return this;
    }

    /** Aeron Cluster's connect timeout (default 5 s). */
    public Config messageTimeout(long value, TimeUnit unit) {
      this.messageTimeoutNs = unit.toNanos(value);
      return this;
    }

    /** Clocks (tests). */
    public Config clocks(NanoClock nanoClock, EpochClock epochClock) {
      this.nanoClock = nanoClock;
      this.epochClock = epochClock;
      return this;
    }

    /** The id-hash seed and mask (tests: a mask of 0 makes every id collide). */
    public Config hash(long seed, long mask) {
      this.hashSeed = seed;
      this.hashMask = mask;
      return this;
    }
  }

  /** One service in the local copy. */
  private static final class CopyEntry extends IdTable.Entry {
    final UnsafeBuffer idBuffer;
    int connectorNode = NO_NODE;
    int soleAgentNode = NO_NODE;
    int mark;

    CopyEntry(byte[] id, long hash) {
      super(id, hash);
      this.idBuffer = new UnsafeBuffer(id);
    }
  }

  /** One service this node holds a Connector or Agents of. */
  private static final class OwnEntry extends IdTable.Entry {
    final UnsafeBuffer idBuffer;
    boolean connector;
    long claimTime;
    int agents;

    OwnEntry(byte[] id, long hash) {
      super(id, hash);
      this.idBuffer = new UnsafeBuffer(id);
    }
  }

  private final Config config;
  private final int node;
  private final DirectoryCounters counters;
  private final Aeron aeron;
  private final IdTable<CopyEntry> copy;
  private final IdTable<OwnEntry> own;
  private final OutboundQueue queue;
  private final DirectoryMessage in = new DirectoryMessage();
  private final DirectoryMessage control = new DirectoryMessage();
  private final UnsafeBuffer controlBuffer =
      new UnsafeBuffer(new byte[DirectoryMessage.MAX_LENGTH]);
  private final EgressListener egress = new Egress();
  private final LogRateLimiter connectLog = new LogRateLimiter(1, 3);
  private Listener listener = (serviceId, offset, length, n) -> {};

  private AeronCluster cluster;
  private AeronCluster.AsyncConnect connecting;
  private long nextConnectNs;
  private boolean helloPending;
  private boolean syncRequestPending;
  private boolean syncing;
  private boolean inDump;
  private long syncDeadlineNs;
  private long nextHeartbeatNs;
  private long nextProbeNs;
  private long lastEgressNs;
  private long version = -1;
  private int mark;
  private boolean closed;

  /**
   * Connects an Aeron client to the media driver (blocking, once, at start-up); the cluster session
   * is opened from {@link #poll()}.
   */
  public AeronClusterServiceDirectory(Config config, DirectoryCounters counters) {
    if (config.ingressEndpoints == null) {
      throw new IllegalArgumentException("ingressEndpoints are required");
    }
    this.config = config;
    this.node = config.node;
    this.counters = counters;
    this.copy = new IdTable<>(config.hashSeed, config.hashMask);
    this.own = new IdTable<>(config.hashSeed, config.hashMask);
    this.queue = new OutboundQueue(config.queueCapacity);
    Aeron.Context ctx = new Aeron.Context();
    if (config.aeronDirectoryName != null) {
      ctx.aeronDirectoryName(config.aeronDirectoryName);
    }
    this.aeron = Aeron.connect(ctx);
  }

  /** The counters. */
  public DirectoryCounters counters() {
    return counters;
  }

  /** Whether a cluster session is open and its first SYNC applied. */
  public boolean isSynced() {
    return cluster != null && !syncing && version >= 0;
  }

  /** The current cluster session id, or -1. */
  public long sessionId() {
    return cluster == null ? -1 : cluster.clusterSessionId();
  }

  /** Announcements queued or sent but not yet acknowledged by the cluster. */
  public int pendingAnnouncements() {
    return queue.pending();
  }

  /** The services in the local copy. */
  public int knownServices() {
    return copy.size();
  }

  @Override
  public int localNode() {
    return node;
  }

  @Override
  public int connectorNode(DirectBuffer serviceId, int offset, int length) {
    CopyEntry e = copy.find(serviceId, offset, length);
    return e == null ? NO_NODE : e.connectorNode;
  }

  @Override
  public int soleAgentNode(DirectBuffer serviceId, int offset, int length) {
    CopyEntry e = copy.find(serviceId, offset, length);
    return e == null ? NO_NODE : e.soleAgentNode;
  }

  @Override
  public boolean announceConnector(DirectBuffer serviceId, int offset, int length) {
    OwnEntry e = ownEntry(serviceId, offset, length);
    long claimTime = config.epochClock.time();
    if (!enqueueClaim(e.idBuffer, claimTime)) {
      return false;
    }
    e.connector = true;
    e.claimTime = claimTime;
    return true;
  }

  @Override
  public boolean withdrawConnector(DirectBuffer serviceId, int offset, int length) {
    OwnEntry e = own.find(serviceId, offset, length);
    if (e == null || !e.connector) {
      return true; // not ours (e.g. already replaced elsewhere): nothing to say
    }
    if (!enqueue(DirectoryMessage.RELEASE, e.idBuffer, 0)) {
      return false;
    }
    e.connector = false;
    removeIfEmpty(e);
    return true;
  }

  @Override
  public boolean announceAgent(DirectBuffer serviceId, int offset, int length) {
    OwnEntry e = ownEntry(serviceId, offset, length);
    if (!enqueue(DirectoryMessage.AGENTS, e.idBuffer, e.agents + 1)) {
      removeIfEmpty(e);
      return false;
    }
    e.agents++;
    return true;
  }

  @Override
  public boolean withdrawAgent(DirectBuffer serviceId, int offset, int length) {
    OwnEntry e = own.find(serviceId, offset, length);
    if (e == null || e.agents == 0) {
      return true;
    }
    if (!enqueue(DirectoryMessage.AGENTS, e.idBuffer, e.agents - 1)) {
      return false;
    }
    e.agents--;
    removeIfEmpty(e);
    return true;
  }

  @Override
  public void listener(Listener listener) {
    this.listener = listener;
  }

  @Override
  public int poll() {
    if (closed) {
      return 0;
    }
    long now = config.nanoClock.nanoTime();
    if (cluster == null) {
      return connect(now);
    }
    try {
      return pollSession(now);
    } catch (RuntimeException ex) {
      sessionLost(now, ex.toString()); // e.g. the media driver went away: start again
      return 1;
    }
  }

  private int pollSession(long now) {
    int work = cluster.pollEgress();
    if (cluster.isClosed()) {
      sessionLost(now, "closed by the cluster");
      return work + 1;
    }
    if (now - lastEgressNs > config.livenessTimeoutNs) {
      sessionLost(now, "no answer from the cluster");
      return work + 1;
    }
    if (helloPending) {
      if (!offerControl(DirectoryMessage.HELLO)) {
        return work;
      }
      helloPending = false;
      work++;
    }
    if (syncing && now - syncDeadlineNs > 0) {
      requestSync(now); // the SYNC asked for did not come, or stopped half-way
    }
    if (syncRequestPending && offerControl(DirectoryMessage.SYNC_REQUEST)) {
      syncRequestPending = false;
      work++;
    }
    work += queue.drain(cluster);
    if (now - nextHeartbeatNs >= 0 && cluster.sendKeepAlive()) {
      nextHeartbeatNs = now + config.heartbeatIntervalNs; // keeps the session open, not logged
      work++;
    }
    if (now - nextProbeNs >= 0 && offerControl(DirectoryMessage.HEARTBEAT)) {
      nextProbeNs = now + config.livenessTimeoutNs / 4; // logged and answered: proves the session
      work++;
    }
    return work;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    CloseHelper.quietClose(connecting);
    CloseHelper.quietClose(cluster); // a graceful close: the cluster removes our entries now
    connecting = null;
    cluster = null;
    CloseHelper.quietClose(aeron);
  }

  private int connect(long now) {
    try {
      if (connecting == null) {
        if (now - nextConnectNs < 0) {
          return 0;
        }
        connecting = AeronCluster.asyncConnect(clusterContext());
      }
      AeronCluster c = connecting.poll();
      if (c == null) {
        return 0;
      }
      connecting = null;
      cluster = c;
      onSessionOpened(now);
      return 1;
    } catch (RuntimeException ex) {
      CloseHelper.quietClose(connecting);
      connecting = null;
      nextConnectNs = now + config.reconnectIntervalNs;
      counters.increment(Counter.DIRECTORY_CONNECT_FAILURES);
      if (connectLog.tryAcquire(now)) {
        LOG.warn("node {}: cannot reach the directory cluster (retrying): {}", node, ex.toString());
      }
      return 1;
    }
  }

  private AeronCluster.Context clusterContext() {
    return new AeronCluster.Context()
        .aeron(aeron)
        .ownsAeronClient(false)
        .ingressChannel(config.ingressChannel)
        .ingressEndpoints(config.ingressEndpoints)
        .egressChannel(config.egressChannel)
        .messageTimeoutNs(config.messageTimeoutNs)
        .egressListener(egress);
  }

  private void onSessionOpened(long now) {
    counters.increment(Counter.DIRECTORY_SESSIONS_OPENED);
    LOG.info("node {}: directory session {} open", node, cluster.clusterSessionId());
    lastEgressNs = now;
    nextHeartbeatNs = now + config.heartbeatIntervalNs;
    nextProbeNs = now + config.livenessTimeoutNs / 4;
    rebind(now);
  }

  /** HELLO (the cluster drops what it held for us), then everything we hold, then a SYNC. */
  private void rebind(long now) {
    queue.reset();
    helloPending = true;
    syncRequestPending = false; // HELLO is answered with a SYNC
    syncing = true;
    inDump = false;
    syncDeadlineNs = now + config.syncTimeoutNs;
    for (int i = 0; i < own.size(); i++) {
      OwnEntry e = own.at(i);
      if (e.connector) {
        enqueueClaim(e.idBuffer, e.claimTime);
      }
      if (e.agents > 0) {
        enqueue(DirectoryMessage.AGENTS, e.idBuffer, e.agents);
      }
    }
  }

  private void sessionLost(long now, String why) {
    counters.increment(Counter.DIRECTORY_SESSIONS_LOST);
    LOG.warn("node {}: directory session lost ({}); reconnecting", node, why);
    CloseHelper.quietClose(cluster);
    cluster = null;
    nextConnectNs = now + config.reconnectIntervalNs;
  }

  private void requestSync(long now) {
    counters.increment(Counter.DIRECTORY_SYNC_REQUESTS);
    syncRequestPending = true;
    syncing = true;
    inDump = false;
    syncDeadlineNs = now + config.syncTimeoutNs;
  }

  private boolean offerControl(int type) {
    control.encode(controlBuffer, 0, type).node(node);
    return cluster.offer(controlBuffer, 0, control.length()) > 0;
  }

  private boolean enqueueClaim(DirectBuffer id, long claimTime) {
    if (cluster == null) {
      return true; // re-announced when the session opens
    }
    DirectoryMessage m = queue.claim(DirectoryMessage.CLAIM);
    if (m == null) {
      counters.increment(Counter.DROP_DIRECTORY_BACK_PRESSURE);
      return false;
    }
    m.node(node).value(claimTime).id(id, 0, id.capacity());
    queue.commit();
    return true;
  }

  private boolean enqueue(int type, DirectBuffer id, int a) {
    if (cluster == null) {
      return true; // re-announced when the session opens
    }
    DirectoryMessage m = queue.claim(type);
    if (m == null) {
      counters.increment(Counter.DROP_DIRECTORY_BACK_PRESSURE);
      return false;
    }
    m.node(node).a(a).id(id, 0, id.capacity());
    queue.commit();
    return true;
  }

  private OwnEntry ownEntry(DirectBuffer serviceId, int offset, int length) {
    if (length < 1 || length > DirectoryMessage.MAX_ID_LENGTH) {
      throw new IllegalArgumentException("service id must be 1..255 bytes");
    }
    long hash = own.hash(serviceId, offset, length);
    OwnEntry e = own.find(hash, serviceId, offset, length);
    if (e == null) {
      byte[] id = new byte[length];
      serviceId.getBytes(offset, id);
      e = new OwnEntry(id, hash);
      own.add(e);
    }
    return e;
  }

  private void removeIfEmpty(OwnEntry e) {
    if (!e.connector && e.agents == 0 && e.index >= 0) {
      own.remove(e);
    }
  }

  /** Applies one service's replicated state to the local copy; tells the listener of a move. */
  private void apply(
      DirectBuffer buffer, int idOffset, int idLength, int connector, long claimTime, int sole) {
    long hash = copy.hash(buffer, idOffset, idLength);
    CopyEntry e = copy.find(hash, buffer, idOffset, idLength);
    int before = NO_NODE;
    if (e == null) {
      if (connector == NO_NODE && sole == NO_NODE) {
        return;
      }
      byte[] id = new byte[idLength];
      buffer.getBytes(idOffset, id);
      e = new CopyEntry(id, hash);
      copy.add(e);
    } else {
      before = e.connectorNode;
    }
    e.connectorNode = connector;
    e.soleAgentNode = sole;
    e.mark = mark;
    counters.increment(Counter.DIRECTORY_UPDATES);
    if (connector != node) {
      OwnEntry mine = own.find(hash, buffer, idOffset, idLength);
      if (mine != null && mine.connector && connector != NO_NODE && claimTime >= mine.claimTime) {
        mine.connector = false; // replaced by a newer Connector elsewhere: never re-claim it
        removeIfEmpty(mine);
      }
    }
    if (connector == NO_NODE && sole == NO_NODE) {
      copy.remove(e);
    }
    if (before != connector) {
      listener.onConnectorNode(buffer, idOffset, idLength, connector);
    }
  }

  /** After a SYNC: services the SYNC did not list are gone. */
  private void sweep() {
    for (int i = copy.size() - 1; i >= 0; i--) {
      CopyEntry e = copy.at(i);
      if (e.mark != mark) {
        int before = e.connectorNode;
        copy.remove(e);
        counters.increment(Counter.DIRECTORY_UPDATES);
        if (before != NO_NODE) {
          listener.onConnectorNode(e.idBuffer, 0, e.id.length, NO_NODE);
        }
      }
    }
  }

  private final class Egress implements EgressListener {
    @Override
    public void onMessage(
        long clusterSessionId,
        long timestamp,
        DirectBuffer buffer,
        int offset,
        int length,
        Header header) {
      lastEgressNs = config.nanoClock.nanoTime();
      if (!in.wrap(buffer, offset, length) || !in.isValid()) {
        counters.increment(Counter.DROP_DIRECTORY_MALFORMED);
        return;
      }
      switch (in.type()) {
        case DirectoryMessage.ENTRY:
          onEntry();
          break;
        case DirectoryMessage.ACK:
          if (in.node() != node) {
            // The cluster does not know this session as ours (it restarted empty, or another
            // process took our node id): bind again.
            counters.increment(Counter.DIRECTORY_REBINDS);
            if (connectLog.tryAcquire(lastEgressNs)) {
              LOG.warn(
                  "node {}: the directory cluster did not know this session as node {}'s; bound it"
                      + " again (if this repeats, another process uses cluster.node_id {})",
                  node,
                  node,
                  node);
            }
            rebind(lastEgressNs);
          } else {
            queue.ack(in.seq());
          }
          break;
        case DirectoryMessage.SYNC_BEGIN:
          if (syncing && in.node() == node) {
            inDump = true;
            syncDeadlineNs = lastEgressNs + config.syncTimeoutNs; // progress
            mark++;
          }
          break;
        case DirectoryMessage.SYNC_ENTRY:
          if (inDump) {
            syncDeadlineNs = lastEgressNs + config.syncTimeoutNs; // progress
            apply(buffer, in.idOffset(), in.idLength(), in.a(), in.value(), in.b());
          }
          break;
        case DirectoryMessage.SYNC_END:
          if (inDump && in.node() == node) {
            sweep();
            version = in.seq();
            queue.ack(in.value());
            inDump = false;
            syncing = false;
            counters.increment(Counter.DIRECTORY_SYNCS);
          }
          break;
        default:
          counters.increment(Counter.DROP_DIRECTORY_MALFORMED);
      }
    }

    private void onEntry() {
      if (syncing) {
        return; // the SYNC under way brings this or a newer state
      }
      long v = in.seq();
      if (v == version + 1) {
        version = v;
        apply(in.buffer(), in.idOffset(), in.idLength(), in.a(), in.value(), in.b());
      } else if (v > version + 1) {
        requestSync(lastEgressNs); // we missed a change
      }
    }

    @Override
    public void onNewLeader(
        long clusterSessionId, long leadershipTermId, int leaderMemberId, String ingressEndpoints) {
      counters.increment(Counter.DIRECTORY_NEW_LEADERS);
      lastEgressNs = config.nanoClock.nanoTime();
      LOG.info("node {}: directory leader is now member {}", node, leaderMemberId);
      queue.rewind(); // the new leader may lack what the old one had not committed
      requestSync(lastEgressNs);
    }
  }
}
