package dev.ztna.server.loop;

import org.agrona.concurrent.status.CountersManager;

/** Counters of the server loop (see {@link CounterSet}). */
public final class ServerCounters extends CounterSet<ServerCounters.Counter> {
  /**
   * Every counter the loop keeps. Names are stable: they are logged and read by tests and
   * operators.
   */
  public enum Counter implements Labelled {
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
    DROP_INITIAL_TOO_SMALL_FOR_CONNECTION("drop_initial_too_small_for_connection"),
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
    CONNECTION_FAILURES("connection_failures"),
    CONNECTED_SOCKET_FAILURES("connected_socket_failures"),
    STATELESS_RESET_SENT("stateless_reset_sent"),
    DROP_STATELESS_RESET_TOO_SMALL("drop_stateless_reset_trigger_too_small"),
    DROP_STATELESS_RESET_RATE("drop_stateless_reset_rate_limited"),
    DROP_SHUTTING_DOWN("drop_initial_shutting_down"),
    DROP_SEND_BUFFER_FULL("drop_send_buffer_full"),
    DROP_SEND_ERROR("drop_send_error"),
    RECEIVE_ERRORS("receive_errors"),
    REFUSED_MAX_CONNECTIONS("refused_max_connections"),
    REFUSED_MAX_CONNECTIONS_PER_IP("refused_max_connections_per_ip"),
    REFUSED_MAX_HALF_OPEN("refused_max_half_open"),
    REFUSED_MAX_HALF_OPEN_PER_IP("refused_max_half_open_per_ip"),
    CONNECTION_REFUSED_SENT("connection_refused_sent"),
    DROP_CONNECTION_REFUSED_RATE("drop_connection_refused_rate_limited"),
    DROP_HANDSHAKE_BUDGET("drop_handshake_budget"),
    HANDSHAKE_TIMEOUTS("handshake_timeouts"),
    DROP_RATE_LIMITED("drop_rate_limited"),
    RETRY_UNDER_LOAD("retry_under_load"),
    LIMITS_UPDATED("limits_updated"),
    AUTH_SUCCEEDED("auth_succeeded"),
    AUTH_CERTIFICATE_REQUIRED("auth_certificate_required"),
    AUTH_BAD_CERTIFICATE("auth_bad_certificate"),
    AUTH_UNSUPPORTED_CERTIFICATE("auth_unsupported_certificate"),
    AUTH_UNKNOWN_CA("auth_unknown_ca"),
    AUTH_CERTIFICATE_EXPIRED("auth_certificate_expired"),
    AUTH_BAD_CERTIFICATE_VERIFY("auth_bad_certificate_verify"),
    AUTH_PROTOCOL_ERROR("auth_protocol_error"),
    /** Gauge: connections accepted and not yet freed. */
    LIVE_CONNECTIONS("live_connections", TYPE_GAUGE),
    /** Gauge: connections accepted whose handshake has not completed (half-open). */
    HALF_OPEN_CONNECTIONS("half_open_connections", TYPE_GAUGE),
    /** Heartbeat: epoch milliseconds at the start of the loop's last duty cycle. */
    LOOP_HEARTBEAT("loop_heartbeat_epoch_ms", TYPE_HEARTBEAT);

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
  public ServerCounters() {
    super(Counter.class);
  }

  /** All counters at zero, allocated in {@code manager} (e.g. the {@link CountersFile}'s). */
  public ServerCounters(CountersManager manager) {
    super(Counter.class, manager);
  }
}
