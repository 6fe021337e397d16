package dev.ztna.server.relay;

import dev.ztna.server.loop.CounterSet;
import org.agrona.concurrent.status.CountersManager;

/** Counters of the relay (see {@link dev.ztna.server.loop.CounterSet}). */
public final class RelayCounters extends CounterSet<RelayCounters.Counter> {
  /**
   * Every counter the relay keeps. Labels are stable snake_case names: they are logged and read by
   * tests and operators.
   */
  public enum Counter implements Labelled {
    /** OBSERVED_ADDRESS datagrams queued. */
    QAD_SENT("qad_sent"),
    /** OBSERVED_ADDRESS datagrams the connection refused (no DATAGRAM support, closing, ...). */
    QAD_SEND_FAILED("qad_send_failed"),
    /** Validated peer address changes (each triggers a new OBSERVED_ADDRESS). */
    ADDRESS_CHANGES("address_changes"),
    /** Agents registered. */
    AGENTS_REGISTERED("agents_registered"),
    /** Connectors registered. */
    CONNECTORS_REGISTERED("connectors_registered"),
    /** Connectors replaced by a newer Connector for the same service (closed with 0x102). */
    CONNECTORS_REPLACED("connectors_replaced"),
    /** Registrations that ended with their connection. */
    REGISTRATIONS_ENDED("registrations_ended"),
    /** Malformed REGISTER messages (the connection is closed with 0x101). */
    REGISTER_MALFORMED("register_malformed"),
    /** REGISTER refused by policy (closed with 0x104): the policy does not list the service. */
    POLICY_UNKNOWN_SERVICE("policy_unknown_service"),
    /** REGISTER refused by policy (0x104): the identity may not take that role in the service. */
    POLICY_IDENTITY_NOT_ALLOWED("policy_identity_not_allowed"),
    /** REGISTER refused by policy (0x104): mode mtls and the client has no identity. */
    POLICY_NO_IDENTITY("policy_no_identity"),
    /** Policies applied after the first (reloads). */
    POLICY_RELOADS("policy_reloads"),
    /** Established registrations closed (0x104) because a reloaded policy forbids them. */
    POLICY_RELOAD_CLOSED("policy_reload_closed"),
    /** Agent datagram dropped: its inner source address belongs to another Agent of the service. */
    DROP_INNER_ADDRESS_CONFLICT("drop_inner_address_conflict"),
    /** Inner addresses taken over from an Agent that left them unused for the idle time. */
    AGENT_ADDRESSES_RECLAIMED("agent_addresses_reclaimed"),
    /** Datagrams relayed from an Agent to its Connector. */
    RELAYED_AGENT_TO_CONNECTOR("relayed_agent_to_connector_datagrams"),
    /** Bytes relayed from Agents to Connectors. */
    RELAYED_AGENT_TO_CONNECTOR_BYTES("relayed_agent_to_connector_bytes"),
    /** Datagrams relayed from a Connector to an Agent. */
    RELAYED_CONNECTOR_TO_AGENT("relayed_connector_to_agent_datagrams"),
    /** Bytes relayed from Connectors to Agents. */
    RELAYED_CONNECTOR_TO_AGENT_BYTES("relayed_connector_to_agent_bytes"),
    /** Inner source addresses newly bound to an Agent. */
    AGENT_ADDRESSES_LEARNED("agent_addresses_learned"),
    /** Learned addresses forgotten because an Agent exceeded its bound. */
    AGENT_ADDRESSES_EVICTED("agent_addresses_evicted"),
    /** Agent datagram dropped: its service has no Connector. */
    DROP_NO_CONNECTOR("drop_no_connector"),
    /** Connector datagram dropped: its service has no Agent. */
    DROP_NO_AGENT("drop_no_agent"),
    /** Connector datagram dropped: several Agents and none owns the inner destination address. */
    DROP_NO_AGENT_FOR_ADDRESS("drop_no_agent_for_address"),
    /** Dropped: the destination connection is closing or draining. */
    DROP_DESTINATION_CLOSING("drop_destination_closing"),
    /** Dropped: larger than the destination's current DATAGRAM payload limit. */
    DROP_TOO_BIG("drop_too_big_for_destination"),
    /** Dropped: the destination refused it (queue full or another negative send result). */
    DROP_SEND_REJECTED("drop_destination_send_rejected"),
    /** Dropped: an IP packet from a connection that has not registered. */
    DROP_UNREGISTERED("drop_unregistered_sender"),
    /**
     * Dropped: a datagram from a registration that ended before its connection closed (a Connector
     * that a newer one replaced, or a registration a policy reload closed).
     */
    DROP_SENDER_REPLACED("drop_sender_replaced"),
    /** Dropped: the sender itself is closing (e.g. after its malformed REGISTER). */
    DROP_SENDER_CLOSING("drop_sender_closing"),
    /** Dropped: a client sent OBSERVED_ADDRESS (0x01/0x02), which only the server sends. */
    DROP_QAD_FROM_CLIENT("drop_qad_from_client"),
    /** Ignored: a REGISTER on a connection that is already registered. */
    DROP_DUPLICATE_REGISTER("drop_duplicate_register"),
    /** Dropped: an empty DATAGRAM (no type byte). */
    DROP_EMPTY("drop_empty_datagram"),
    /** Gauge: Agents registered now. */
    REGISTERED_AGENTS("registered_agents", TYPE_GAUGE),
    /** Gauge: Connectors registered now (at most one per service). */
    REGISTERED_CONNECTORS("registered_connectors", TYPE_GAUGE);

    private final String label;
    private final int typeId;

    Counter(String label) {
      this(label, TYPE_COUNTER);
    }

    Counter(String label, int typeId) {
      this.label = label;
      this.typeId = typeId;
    }

    @Override
    public String label() {
      return label;
    }

    @Override
    public int typeId() {
      return typeId;
    }
  }

  /** All counters at zero, in private memory. */
  public RelayCounters() {
    super(Counter.class);
  }

  /** All counters at zero, allocated in {@code manager} (the process's counters file). */
  public RelayCounters(CountersManager manager) {
    super(Counter.class, manager);
  }
}
