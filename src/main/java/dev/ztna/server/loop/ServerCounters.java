package dev.ztna.server.loop;

import java.nio.ByteBuffer;
import java.util.function.ObjLongConsumer;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Counters of the server loop: one per event and one per drop reason. Single writer (the duty-cycle
 * thread) with ordered stores; any thread may read them with {@link #get(Counter)}. Each counter
 * sits on its own cache line so that readers do not disturb the writer.
 */
public final class ServerCounters {
  /**
   * Every counter the loop keeps. Names are stable: they are logged and read by tests and
   * operators.
   */
  public enum Counter {
    DATAGRAMS_RECEIVED("datagrams_received"),
    BYTES_RECEIVED("bytes_received"),
    DATAGRAMS_SENT("datagrams_sent"),
    BYTES_SENT("bytes_sent"),
    VERSION_NEGOTIATION_SENT("version_negotiation_sent"),
    RETRY_SENT("retry_sent"),
    TOKEN_VALID("token_valid"),
    DROP_MALFORMED_HEADER("drop_malformed_header"),
    DROP_UNKNOWN_VERSION_TOO_SMALL("drop_unknown_version_too_small"),
    DROP_VERSION_NEGOTIATION("drop_version_negotiation_from_client"),
    DROP_INITIAL_TOO_SMALL("drop_initial_too_small"),
    DROP_INITIAL_DCID_TOO_SHORT("drop_initial_dcid_too_short"),
    DROP_TOKEN_MALFORMED("drop_token_malformed"),
    DROP_TOKEN_INVALID("drop_token_invalid"),
    DROP_TOKEN_EXPIRED("drop_token_expired"),
    DROP_UNKNOWN_CONNECTION("drop_unknown_connection"),
    CONNECTIONS_ACCEPTED("connections_accepted"),
    HANDSHAKES_COMPLETED("handshakes_completed"),
    CONNECTIONS_CLOSED("connections_closed"),
    CONNECTIONS_FREED("connections_freed"),
    CID_COLLISIONS("cid_collisions"),
    STATELESS_RESET_SENT("stateless_reset_sent"),
    DROP_STATELESS_RESET_TOO_SMALL("drop_stateless_reset_trigger_too_small"),
    DROP_STATELESS_RESET_RATE("drop_stateless_reset_rate_limited"),
    DROP_SHUTTING_DOWN("drop_initial_shutting_down"),
    DROP_SEND_BUFFER_FULL("drop_send_buffer_full"),
    DROP_SEND_ERROR("drop_send_error"),
    RECEIVE_ERRORS("receive_errors");

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
