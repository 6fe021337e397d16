package dev.ztna.server.relay;

import dev.ztna.server.cluster.ServiceDirectory;
import dev.ztna.server.cluster.fabric.Fabric;
import dev.ztna.server.cluster.fabric.FabricCounters;
import dev.ztna.server.cluster.fabric.FabricHandler;
import dev.ztna.server.cluster.fabric.FabricHeader;
import dev.ztna.server.relay.RelayCounters.Counter;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's routes to other nodes (issue 11 §1), consulted by {@link RelayApplication} only when
 * a fabric is configured. The rules are ZTNA-V1 §4's, across nodes, with at most one fabric hop:
 *
 * <ul>
 *   <li>An Agent's datagram for a service whose Connector is not on this node goes to the node the
 *       {@link ServiceDirectory} names ({@link #toRemoteConnector}).
 *   <li>On the Connector's node it is delivered to the local Connector, and its inner source
 *       address is learned as belonging to a stand-in for the remote Agent ({@link RemoteAgent}:
 *       its node and its connection handle there), with the same ownership rule as a local Agent's.
 *   <li>A Connector's datagram goes to the service's only Agent if the directory says there is one
 *       in all nodes ({@link ServiceDirectory#soleAgentNode}; on another node it travels with
 *       {@link FabricHeader#SOLE_AGENT}), else to the Agent, local or remote, that owns the inner
 *       destination address ({@link #fromConnector}); on the Agent's node it is delivered by
 *       handle.
 *   <li>Newest wins across nodes: when the directory reports another node as the holder of a
 *       service whose Connector is here (and had been confirmed here), the local one is closed with
 *       0x102 ({@link #onConnectorNode}).
 * </ul>
 *
 * <p>Counting: the relay's {@code relayed_*} counters count on the node where the sender is
 * connected (handed to a local connection or to the fabric); {@code relayed_fabric_to_*} count
 * deliveries of datagrams that crossed the fabric. Registrations and their ends are announced to
 * the directory ({@link #registered}, {@link #ended}). Duty-cycle thread only; nothing on the
 * datagram path allocates (a remote Agent's stand-in is made once, on its first datagram).
 */
final class FabricRoutes implements FabricHandler, ServiceDirectory.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(FabricRoutes.class);

  private final RelayApplication relay;
  private final Registry registry;
  private final RelayCounters counters;
  private final Fabric fabric;
  private final FabricCounters fabricCounters;
  private final ServiceDirectory directory;
  private final int localNode;

  /** Local Agents by connection handle, for datagrams that come back over the fabric. */
  private final Long2ObjectHashMap<Registration> localAgents = new Long2ObjectHashMap<>();

  /** Per node: remote Agents' stand-ins by their handle on that node. */
  private final Long2ObjectHashMap<Registration>[] remoteAgents;

  private final UnsafeBuffer id = new UnsafeBuffer(new byte[0]);

  @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array of maps, filled right here
  FabricRoutes(
      RelayApplication relay, Registry registry, Fabric fabric, ServiceDirectory directory) {
    if (fabric.localNode() != directory.localNode()) {
      throw new IllegalArgumentException(
          "the fabric is node "
              + fabric.localNode()
              + " but the directory node "
              + directory.localNode());
    }
    this.relay = relay;
    this.registry = registry;
    this.counters = relay.counters();
    this.fabric = fabric;
    this.fabricCounters = fabric.counters();
    this.directory = directory;
    this.localNode = fabric.localNode();
    this.remoteAgents = new Long2ObjectHashMap[fabric.nodeCount()];
    for (int i = 0; i < remoteAgents.length; i++) {
      remoteAgents[i] = new Long2ObjectHashMap<>();
    }
    fabric.handler(this);
    directory.listener(this);
  }

  /** Polls the fabric and the directory; returns the work done. */
  int poll() {
    return fabric.poll() + directory.poll();
  }

  /**
   * An Agent's datagram whose service has no Connector here: to the Connector's node, if the
   * directory names another one.
   *
   * @return false when no other node holds the Connector (the caller counts {@code
   *     drop_no_connector}); true when it was offered (sent, or dropped and counted by the fabric)
   */
  boolean toRemoteConnector(Registration agent, DirectBuffer data, int offset, int length) {
    byte[] serviceId = agent.service.id;
    id.wrap(serviceId);
    int node = directory.connectorNode(id, 0, serviceId.length);
    if (node == ServiceDirectory.NO_NODE || node == localNode) {
      return false;
    }
    long handle = agent.connection.id();
    if (fabric.offerToConnector(node, handle, id, 0, serviceId.length, data, offset, length)
        == Fabric.SENT) {
      agent.datagramsFrom++;
      agent.bytesFrom += length;
      counters.increment(Counter.RELAYED_AGENT_TO_CONNECTOR);
      counters.add(Counter.RELAYED_AGENT_TO_CONNECTOR_BYTES, length);
    }
    return true;
  }

  /** A local Connector's datagram: to the sole Agent in all nodes, else by inner destination. */
  void fromConnector(Registration connector, DirectBuffer data, int offset, int length) {
    Service service = connector.service;
    id.wrap(service.id);
    int sole = directory.soleAgentNode(id, 0, service.id.length);
    if (sole == localNode && service.agentCount == 1) {
      relay.relayToAgent(connector, service.agents[0], data, offset, length);
      return;
    }
    if (sole != ServiceDirectory.NO_NODE && sole != localNode) {
      int sent =
          fabric.offerToAgent(
              sole, FabricHeader.SOLE_AGENT, id, 0, service.id.length, data, offset, length);
      if (sent == Fabric.SENT) {
        connector.datagramsFrom++;
        connector.bytesFrom += length;
        counters.increment(Counter.RELAYED_CONNECTOR_TO_AGENT);
        counters.add(Counter.RELAYED_CONNECTOR_TO_AGENT_BYTES, length);
      }
      return;
    }
    Registration agent = Registry.destinationOwner(service, data, offset, length);
    if (agent == null) {
      counters.increment(Counter.DROP_NO_AGENT_FOR_ADDRESS);
    } else {
      relay.relayToAgent(connector, agent, data, offset, length);
    }
  }

  @Override
  public void onToConnector(
      int sourceNode,
      long sourceHandle,
      DirectBuffer buffer,
      int serviceIdOffset,
      int serviceIdLength,
      int payloadOffset,
      int payloadLength) {
    Service service = registry.service(buffer, serviceIdOffset, serviceIdLength);
    Registration connector = service == null ? null : service.connector;
    if (connector == null || connector.ended || payloadLength <= 0) {
      fabricCounters.increment(FabricCounters.Counter.DROP_NO_CONNECTOR);
      return;
    }
    Registration agent = remoteAgent(sourceNode, sourceHandle, service);
    if (!registry.learn(agent, buffer, payloadOffset, payloadLength, relay.now())) {
      return; // another Agent's inner address (counted)
    }
    if (relay.deliver(connector, buffer, payloadOffset, payloadLength)) {
      agent.datagramsFrom++;
      agent.bytesFrom += payloadLength;
      fabricCounters.increment(FabricCounters.Counter.RELAYED_TO_CONNECTOR);
    }
  }

  /** The stand-in for the Agent {@code handle} on {@code node}, made on its first datagram. */
  private Registration remoteAgent(int node, long handle, Service service) {
    Long2ObjectHashMap<Registration> agents = remoteAgents[node];
    Registration agent = agents.get(handle);
    if (agent != null && agent.service == service && !agent.ended) {
      return agent;
    }
    if (agent != null) {
      Registry.endRemote(agent); // its service entry was removed and made again meanwhile
    }
    RemoteAgent connection = new RemoteAgent(node, handle, fabric);
    agent = new Registration(Role.AGENT, service, connection);
    connection.attachment(agent);
    agents.put(handle, agent);
    fabricCounters.increment(FabricCounters.Counter.REMOTE_AGENTS_LEARNED);
    if (LOG.isDebugEnabled()) {
      LOG.debug("remote {} for service '{}'", connection, service.displayName);
    }
    return agent;
  }

  @Override
  public void onToAgent(
      int sourceNode,
      long destinationHandle,
      DirectBuffer buffer,
      int serviceIdOffset,
      int serviceIdLength,
      int payloadOffset,
      int payloadLength) {
    Registration agent;
    if (destinationHandle == FabricHeader.SOLE_AGENT) {
      Service service = registry.service(buffer, serviceIdOffset, serviceIdLength);
      agent = service != null && service.agentCount == 1 ? service.agents[0] : null;
    } else {
      agent = localAgents.get(destinationHandle);
    }
    if (agent == null || agent.ended || payloadLength <= 0) {
      fabricCounters.increment(FabricCounters.Counter.DROP_NO_AGENT);
      return;
    }
    if (relay.deliver(agent, buffer, payloadOffset, payloadLength)) {
      fabricCounters.increment(FabricCounters.Counter.RELAYED_TO_AGENT);
    }
  }

  @Override
  public void onAgentGone(int sourceNode, long sourceHandle) {
    Registration agent = remoteAgents[sourceNode].remove(sourceHandle);
    if (agent != null) {
      Registry.endRemote(agent);
      fabricCounters.increment(FabricCounters.Counter.REMOTE_AGENTS_GONE);
    }
  }

  /** A local registration succeeded: tell the directory. */
  void registered(Registration registration) {
    byte[] serviceId = registration.service.id;
    id.wrap(serviceId);
    boolean queued;
    if (registration.role == Role.AGENT) {
      localAgents.put(registration.connection.id(), registration);
      queued = directory.announceAgent(id, 0, serviceId.length);
    } else {
      // Already the holder in the directory's copy (e.g. a newer Connector on this same node):
      // any other node reported from now on is newer than this one.
      registration.directoryConfirmed =
          directory.connectorNode(id, 0, serviceId.length) == localNode;
      queued = directory.announceConnector(id, 0, serviceId.length);
    }
    if (!queued) {
      fabricCounters.increment(FabricCounters.Counter.DIRECTORY_ANNOUNCE_FAILED);
    }
  }

  /** A local registration ended (its connection closed): tell the directory and the peers. */
  void ended(Registration registration) {
    byte[] serviceId = registration.service.id;
    id.wrap(serviceId);
    boolean queued = true;
    if (registration.role == Role.AGENT) {
      long handle = registration.connection.id();
      localAgents.remove(handle);
      queued = directory.withdrawAgent(id, 0, serviceId.length);
      for (int node = 0; node < fabric.nodeCount(); node++) {
        if (node != localNode) {
          fabric.offerAgentGone(node, handle); // lost when dropped: its addresses then idle out
        }
      }
    } else if (!registration.replaced) {
      // A replaced one (by a newer Connector here, or on another node) does not withdraw: the
      // directory names the newer one's node.
      queued = directory.withdrawConnector(id, 0, serviceId.length);
    }
    if (!queued) {
      fabricCounters.increment(FabricCounters.Counter.DIRECTORY_ANNOUNCE_FAILED);
    }
  }

  @Override
  public void onConnectorNode(DirectBuffer serviceId, int offset, int length, int node) {
    Service service = registry.service(serviceId, offset, length);
    Registration connector = service == null ? null : service.connector;
    if (connector == null || connector.ended) {
      return;
    }
    if (node == localNode) {
      connector.directoryConfirmed = true;
      return;
    }
    if (!connector.directoryConfirmed) {
      return; // ordered before this Connector's own announcement, which will win
    }
    if (node == ServiceDirectory.NO_NODE) {
      // The directory lost this node's entry (e.g. its session timed out): announce it again.
      connector.directoryConfirmed = false;
      if (!directory.announceConnector(serviceId, offset, length)) {
        fabricCounters.increment(FabricCounters.Counter.DIRECTORY_ANNOUNCE_FAILED);
      }
      return;
    }
    registry.end(connector);
    connector.replaced = true;
    counters.increment(Counter.CONNECTORS_REPLACED);
    fabricCounters.increment(FabricCounters.Counter.CONNECTORS_TAKEN_OVER);
    LOG.info(
        "Connector conn#{} for service '{}' replaced by a newer one on node {}",
        connector.connection.id(),
        service.displayName,
        node);
    // Last: the connection layer may report the close (onClosed) synchronously.
    connector.connection.close(RelayApplication.ERROR_REPLACED, "replaced by a newer connector");
  }
}
