package dev.ztna.server.relay;

import java.nio.ByteBuffer;
import java.util.function.ObjLongConsumer;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Counters of the relay: one per event and one per drop reason. Single writer (the duty-cycle
 * thread) with ordered stores; any thread may read them with {@link #get(Counter)}. Each counter
 * sits on its own cache line pair so that readers do not disturb the writer.
 */
public final class RelayCounters {
  /**
   * Every counter the relay keeps. Labels are stable snake_case names: they are logged and read by
   * tests and operators.
   */
  public enum Counter {
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
    /** Dropped: a datagram from a Connector that a newer one replaced. */
    DROP_SENDER_REPLACED("drop_sender_replaced"),
    /** Dropped: the sender itself is closing (e.g. after its malformed REGISTER). */
    DROP_SENDER_CLOSING("drop_sender_closing"),
    /** Dropped: a client sent OBSERVED_ADDRESS (0x01/0x02), which only the server sends. */
    DROP_QAD_FROM_CLIENT("drop_qad_from_client"),
    /** Ignored: a REGISTER on a connection that is already registered. */
    DROP_DUPLICATE_REGISTER("drop_duplicate_register"),
    /** Dropped: an empty DATAGRAM (no type byte). */
    DROP_EMPTY("drop_empty_datagram");

    private final String label;
    private final int offset;

    Counter(String label) {
      this.label = label;
      this.offset = Slot.next();
    }

    /** The stable snake_case name. */
    public String label() {
      return label;
    }
  }

  /** Hands out one padded slot per counter, in declaration order. */
  private static final class Slot {
    private static int count;

    private Slot() {}

    static int next() {
      return STRIDE * count++;
    }
  }

  private static final int STRIDE = BitUtil.CACHE_LINE_LENGTH * 2;
  private static final Counter[] ALL = Counter.values();
  private final UnsafeBuffer values =
      new UnsafeBuffer(ByteBuffer.allocateDirect(ALL.length * STRIDE + BitUtil.CACHE_LINE_LENGTH));

  /** Adds one; writer thread only. */
  public void increment(Counter c) {
    add(c, 1);
  }

  /** Adds {@code delta}; writer thread only. */
  public void add(Counter c, long delta) {
    int offset = c.offset;
    values.putLongOrdered(offset, values.getLong(offset) + delta);
  }

  /** A volatile read, safe from any thread. */
  public long get(Counter c) {
    return values.getLongVolatile(c.offset);
  }

  /**
   * Calls {@code consumer} with every counter's label and value (allocates; not for the hot path).
   */
  public void forEach(ObjLongConsumer<String> consumer) {
    for (Counter c : ALL) {
      consumer.accept(c.label(), get(c));
    }
  }

  /** The non-zero counters as {@code name=value} pairs, for logs. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    forEach(
        (name, value) -> {
          if (value != 0) {
            if (sb.length() > 0) {
              sb.append(' ');
            }
            sb.append(name).append('=').append(value);
          }
        });
    return sb.toString();
  }
}
