package dev.ztna.server.cluster;

import org.agrona.DirectBuffer;

/**
 * The replicated service directory as one node's relay sees it: which node holds the Connector of
 * each service, and how many Agents of it each node holds.
 *
 * <p>Threading: every method is called on the node's duty-cycle thread. Lookups read a local copy
 * fed by the cluster's egress and allocate nothing; announcements are queued towards the cluster
 * and never block (a full queue returns false and is counted); replicated changes, including this
 * node's own announcements once the cluster has ordered them, reach the {@link Listener} from
 * {@link #poll()}.
 *
 * <p>Newest wins across nodes (ZTNA-V1 §4): when a Connector registers on node C while node B holds
 * one, the directory records C, and B hears {@link Listener#onConnectorNode} with C, on which B
 * closes its own Connector with 0x102. When a node's cluster session ends (crash, SIGKILL, session
 * timeout), its entries are removed and every node hears the change ({@link #NO_NODE}).
 */
public interface ServiceDirectory extends AutoCloseable {
  /** No node: the service has no Connector anywhere (or no Agent, for {@link #soleAgentNode}). */
  int NO_NODE = -1;

  /** This node's id in the directory (0..n-1). */
  int localNode();

  /** The node holding the Connector of the service (UTF-8 id bytes), or {@link #NO_NODE}. */
  int connectorNode(DirectBuffer serviceId, int offset, int length);

  /**
   * The node holding the only Agent of the service across all nodes, or {@link #NO_NODE} when it
   * has none or more than one.
   */
  int soleAgentNode(DirectBuffer serviceId, int offset, int length);

  /** This node now holds the service's Connector; false when it could not be queued. */
  boolean announceConnector(DirectBuffer serviceId, int offset, int length);

  /** This node's Connector of the service left; false when it could not be queued. */
  boolean withdrawConnector(DirectBuffer serviceId, int offset, int length);

  /** One more Agent of the service on this node; false when it could not be queued. */
  boolean announceAgent(DirectBuffer serviceId, int offset, int length);

  /** One Agent of the service on this node left; false when it could not be queued. */
  boolean withdrawAgent(DirectBuffer serviceId, int offset, int length);

  /** Polls the cluster's egress and delivers changes to the listener; returns work done. */
  int poll();

  /** Where replicated changes go; one listener. */
  void listener(Listener listener);

  /** Leaves the cluster (its entries are removed) and frees its resources. */
  @Override
  void close();

  /** Replicated changes, delivered from {@link #poll()}. */
  interface Listener {
    /**
     * The Connector of the service is now on {@code node} ({@link #NO_NODE}: none any more). The id
     * bytes are valid only during the call.
     */
    void onConnectorNode(DirectBuffer serviceId, int offset, int length, int node);
  }
}
