package dev.ztna.server.relay;

import dev.ztna.server.loop.Application;
import dev.ztna.server.loop.ClientConnection;
import dev.ztna.server.relay.RelayCounters.Counter;
import java.net.InetSocketAddress;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ztna-v1 application (ZTNA-V1 §2-§5): sends OBSERVED_ADDRESS when a connection is established
 * and again when its address changes, takes the first non-QAD datagram as REGISTER, and relays IP
 * packets between Agents and their service's Connector by first-byte dispatch.
 *
 * <p>Wiring: {@code ZtnaServer.start(config, credentials, new RelayApplication(new
 * RelayCounters()))}. Every callback runs on the duty-cycle thread; {@link #onDatagram} allocates
 * nothing in steady state (after the first registration of a service id) and logs nothing at info.
 * Every dropped datagram is counted in {@link RelayCounters} under its reason.
 */
public final class RelayApplication implements Application {
  /** Application error: malformed or invalid REGISTER (ZTNA-V1 §5). */
  public static final long ERROR_MALFORMED_REGISTER = 0x101;

  /** Application error: replaced by a newer Connector for the same service (ZTNA-V1 §5). */
  public static final long ERROR_REPLACED = 0x102;

  /** Application error: server shutting down, graceful drain (ZTNA-V1 §5; used by the loop). */
  public static final long ERROR_SHUTTING_DOWN = 0x103;

  /** Application error: refused by policy (ZTNA-V1 §5; for authentication or rate limits). */
  public static final long ERROR_REFUSED = 0x104;

  private static final Logger LOG = LoggerFactory.getLogger(RelayApplication.class);

  private final RelayCounters counters;
  private final Registry registry;
  private final UnsafeBuffer qad = new UnsafeBuffer(new byte[ObservedAddress.MAX_LENGTH]);

  /** A relay that counts into {@code counters}, with a fresh {@link Registry}. */
  public RelayApplication(RelayCounters counters) {
    this(counters, new Registry(counters));
  }

  /** A relay over an existing registry (which should count into the same {@code counters}). */
  public RelayApplication(RelayCounters counters, Registry registry) {
    this.counters = counters;
    this.registry = registry;
  }

  /** The relay's counters. */
  public RelayCounters counters() {
    return counters;
  }

  /** Who is registered (duty-cycle thread only). */
  public Registry registry() {
    return registry;
  }

  @Override
  public void onEstablished(ClientConnection connection) {
    sendObservedAddress(connection, connection.peerAddress());
  }

  @Override
  public void onAddressChanged(ClientConnection connection, InetSocketAddress newPeer) {
    counters.increment(Counter.ADDRESS_CHANGES);
    LOG.info("conn#{} address changed to {}", connection.id(), newPeer);
    sendObservedAddress(connection, newPeer);
  }

  private void sendObservedAddress(ClientConnection connection, InetSocketAddress observed) {
    if (observed == null) {
      counters.increment(Counter.QAD_SEND_FAILED);
      return;
    }
    int length = ObservedAddress.encode(observed, qad, 0);
    int result = length < 0 ? length : connection.sendDatagram(qad, 0, length);
    // The log calls are guarded: their arguments would box the connection id even with DEBUG off.
    if (result < 0) {
      counters.increment(Counter.QAD_SEND_FAILED);
      if (LOG.isDebugEnabled()) {
        LOG.debug(
            "conn#{} OBSERVED_ADDRESS {} not sent (result {})", connection.id(), observed, result);
      }
    } else {
      counters.increment(Counter.QAD_SENT);
      if (LOG.isDebugEnabled()) {
        LOG.debug("conn#{} OBSERVED_ADDRESS {} sent", connection.id(), observed);
      }
    }
  }

  @Override
  public void onDatagram(ClientConnection connection, DirectBuffer data, int offset, int length) {
    if (length <= 0) {
      counters.increment(Counter.DROP_EMPTY);
      return;
    }
    if (connection.isClosing()) {
      // E.g. a later DATAGRAM frame of the packet whose malformed REGISTER closed the connection:
      // a connection on its way out must not register (and so replace a live Connector) or relay.
      counters.increment(Counter.DROP_SENDER_CLOSING);
      return;
    }
    int type = data.getByte(offset) & 0xff;
    Registration from = Registry.registrationOf(connection);
    if (type == ObservedAddress.TYPE_IPV4 || type == ObservedAddress.TYPE_IPV6) {
      counters.increment(Counter.DROP_QAD_FROM_CLIENT);
    } else if (type == RegisterMessage.TYPE_AGENT || type == RegisterMessage.TYPE_CONNECTOR) {
      if (from != null) {
        counters.increment(Counter.DROP_DUPLICATE_REGISTER);
      } else {
        onRegister(connection, type, data, offset, length);
      }
    } else if (from == null) {
      counters.increment(Counter.DROP_UNREGISTERED);
    } else if (from.ended) {
      counters.increment(Counter.DROP_SENDER_REPLACED);
    } else if (from.role == Role.AGENT) {
      fromAgent(from, data, offset, length);
    } else {
      fromConnector(from, data, offset, length);
    }
  }

  private void onRegister(
      ClientConnection connection, int type, DirectBuffer data, int offset, int length) {
    int idLength = RegisterMessage.parse(data, offset, length);
    if (idLength < 0) {
      counters.increment(Counter.REGISTER_MALFORMED);
      String reason = RegisterMessage.reason(idLength);
      LOG.info(
          "conn#{} from {} closed: {} ({} bytes)",
          connection.id(),
          connection.peerAddress(),
          reason,
          length);
      connection.close(ERROR_MALFORMED_REGISTER, reason);
      return;
    }
    registry.register(
        connection, Role.ofType(type), data, offset + RegisterMessage.ID_OFFSET, idLength);
  }

  private void fromAgent(Registration agent, DirectBuffer data, int offset, int length) {
    registry.learn(agent, data, offset, length);
    Registration connector = agent.service.connector;
    if (connector == null) {
      counters.increment(Counter.DROP_NO_CONNECTOR);
    } else if (forward(agent, connector, data, offset, length)) {
      counters.increment(Counter.RELAYED_AGENT_TO_CONNECTOR);
      counters.add(Counter.RELAYED_AGENT_TO_CONNECTOR_BYTES, length);
    }
  }

  private void fromConnector(Registration connector, DirectBuffer data, int offset, int length) {
    Service service = connector.service;
    if (service.agentCount == 0) {
      counters.increment(Counter.DROP_NO_AGENT);
      return;
    }
    Registration agent = Registry.pairedAgent(service, data, offset, length);
    if (agent == null) {
      counters.increment(Counter.DROP_NO_AGENT_FOR_ADDRESS);
    } else if (forward(connector, agent, data, offset, length)) {
      counters.increment(Counter.RELAYED_CONNECTOR_TO_AGENT);
      counters.add(Counter.RELAYED_CONNECTOR_TO_AGENT_BYTES, length);
    }
  }

  /** Sends unchanged to {@code to}, or counts the drop; the connection layer copies the bytes. */
  private boolean forward(
      Registration from, Registration to, DirectBuffer data, int offset, int length) {
    ClientConnection destination = to.connection;
    if (destination.isClosing()) {
      counters.increment(Counter.DROP_DESTINATION_CLOSING);
      return false;
    }
    if (length > destination.maxDatagramPayload()) {
      counters.increment(Counter.DROP_TOO_BIG);
      return false;
    }
    if (destination.sendDatagram(data, offset, length) < 0) {
      counters.increment(Counter.DROP_SEND_REJECTED);
      return false;
    }
    from.datagramsFrom++;
    from.bytesFrom += length;
    to.datagramsTo++;
    to.bytesTo += length;
    return true;
  }

  @Override
  public void onClosed(
      ClientConnection connection,
      long errorCode,
      boolean application,
      boolean byPeer,
      String reason) {
    Registration registration = registry.unregister(connection);
    if (registration == null) {
      return;
    }
    if (LOG.isInfoEnabled()) {
      LOG.info(
          "{} for service '{}' conn#{} ended ({} {} error 0x{}{}{}): relayed {} datagrams / {} bytes"
              + " from it, {} datagrams / {} bytes to it",
          registration.role,
          registration.service.displayName,
          connection.id(),
          byPeer ? "by peer," : "by server,",
          application ? "application" : "transport",
          Long.toHexString(errorCode),
          reason == null || reason.isEmpty() ? "" : " ",
          reason == null ? "" : reason,
          registration.datagramsFrom,
          registration.bytesFrom,
          registration.datagramsTo,
          registration.bytesTo);
    }
  }
}
