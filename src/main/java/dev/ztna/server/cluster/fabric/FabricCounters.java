package dev.ztna.server.cluster.fabric;

import dev.ztna.server.loop.CounterSet;
import org.agrona.concurrent.status.CountersManager;

/**
 * Counters of the fabric and of the relay's cross-node routes (see {@link CounterSet}); written by
 * the duty-cycle thread only.
 */
public final class FabricCounters extends CounterSet<FabricCounters.Counter> {
  /** Every counter the fabric keeps, with its stable snake_case label. */
  public enum Counter implements Labelled {
    /** Messages offered to a peer's publication (claimed and committed). */
    SENT("fabric_sent_messages"),
    /** Datagram bytes in the messages sent. */
    SENT_BYTES("fabric_sent_bytes"),
    /** Messages received from peers and handed on. */
    RECEIVED("fabric_received_messages"),
    /** Datagram bytes in the messages received. */
    RECEIVED_BYTES("fabric_received_bytes"),
    /** Dropped: the peer's publication was back-pressured (its window or term is full). */
    DROP_BACK_PRESSURE("drop_fabric_back_pressure"),
    /** Dropped: no subscriber of the peer is connected to the publication yet (or any more). */
    DROP_NOT_CONNECTED("drop_fabric_not_connected"),
    /** Dropped: the claim met an administrative action (term rotation) twice in a row. */
    DROP_ADMIN_ACTION("drop_fabric_admin_action"),
    /** Dropped: the publication is closed or at its maximum position. */
    DROP_CLOSED("drop_fabric_closed"),
    /** Dropped: larger than one fabric frame (the publication's maximum payload). */
    DROP_TOO_BIG("drop_fabric_too_big"),
    /** Dropped: addressed to a node that is not a configured peer. */
    DROP_UNKNOWN_NODE("drop_fabric_unknown_node"),
    /** Dropped on receipt: a message that is not a well-formed fabric message. */
    DROP_MALFORMED("drop_fabric_malformed"),
    /** Dropped on receipt: for a service whose Connector is not (or no longer) on this node. */
    DROP_NO_CONNECTOR("drop_fabric_no_connector"),
    /** Dropped on receipt: for an Agent that is not (or no longer) on this node. */
    DROP_NO_AGENT("drop_fabric_no_agent"),
    /** Received datagrams delivered to a local Connector. */
    RELAYED_TO_CONNECTOR("relayed_fabric_to_connector_datagrams"),
    /** Received datagrams delivered to a local Agent. */
    RELAYED_TO_AGENT("relayed_fabric_to_agent_datagrams"),
    /** Remote Agents this node learned of from their datagrams (one per Agent and service). */
    REMOTE_AGENTS_LEARNED("fabric_remote_agents_learned"),
    /** Remote Agents forgotten because their node said they left. */
    REMOTE_AGENTS_GONE("fabric_remote_agents_gone"),
    /** Local Connectors closed with 0x102 because a newer one registered on another node. */
    CONNECTORS_TAKEN_OVER("connectors_taken_over_by_other_node"),
    /** Directory announcements or withdrawals that could not be queued. */
    DIRECTORY_ANNOUNCE_FAILED("directory_announce_failed");

    private final String label;

    Counter(String label) {
      this.label = label;
    }

    @Override
    public String label() {
      return label;
    }
  }

  /** All counters at zero, in private memory. */
  public FabricCounters() {
    super(Counter.class);
  }

  /** All counters at zero, allocated in {@code manager} (the process's counters file). */
  public FabricCounters(CountersManager manager) {
    super(Counter.class, manager);
  }
}
