package dev.ztna.server.relay;

import dev.ztna.server.cluster.ServiceDirectory;
import dev.ztna.server.cluster.fabric.Fabric;
import dev.ztna.server.loop.Application;
import dev.ztna.server.loop.ClientConnection;
import dev.ztna.server.loop.LogRateLimiter;
import dev.ztna.server.policy.Policy;
import dev.ztna.server.policy.Verdict;
import dev.ztna.server.relay.RelayCounters.Counter;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
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
 *
 * <p>Authorization: every REGISTER is checked against the current {@link Policy} (see the {@code
 * policy} package); a refused one closes its connection with {@link #ERROR_REFUSED} and changes
 * nothing else. {@link #updatePolicy} (loop thread) and {@link #publishPolicy} (any thread) replace
 * the policy and close the registrations the new one forbids. Time (for inner-address ownership and
 * log rate limits) is what the loop last passed to {@link #onDutyCycle}.
 */
public final class RelayApplication implements Application {
  /** Application error: malformed or invalid REGISTER (ZTNA-V1 §5). */
  public static final long ERROR_MALFORMED_REGISTER = 0x101;

  /** Application error: replaced by a newer Connector for the same service (ZTNA-V1 §5). */
  public static final long ERROR_REPLACED = 0x102;

  /**
   * Application error: server shutting down, graceful drain (ZTNA-V1 §5; the loop sends it through
   * {@link #shutdownErrorCode()}).
   */
  public static final long ERROR_SHUTTING_DOWN = 0x103;

  /** Application error: refused by policy (ZTNA-V1 §5; for authentication or rate limits). */
  public static final long ERROR_REFUSED = 0x104;

  /** The close reason sent with {@link #ERROR_REFUSED}: the same for every cause (no oracle). */
  public static final String REASON_REFUSED = "refused by policy";

  /** At most this many policy refusals are logged per second (bursts of {@link #LOG_BURST}). */
  static final int LOG_PER_SECOND = 10;

  static final int LOG_BURST = 20;

  /** A reload logs at most this many of the registrations it closes one by one. */
  static final int RELOAD_LOG_LINES = 20;

  private static final Logger LOG = LoggerFactory.getLogger(RelayApplication.class);

  private final RelayCounters counters;
  private final Registry registry;
  private final UnsafeBuffer qad = new UnsafeBuffer(new byte[ObservedAddress.MAX_LENGTH]);
  private final AtomicReference<Policy> published = new AtomicReference<>();
  private final LogRateLimiter refusalLog = new LogRateLimiter(LOG_PER_SECOND, LOG_BURST);
  private Policy policy;
  private long now;

  /** Routes to other nodes; null on a single node (the default). */
  private FabricRoutes fabric;

  /**
   * A relay that counts into {@code counters}, with a fresh {@link Registry} and {@link
   * Policy#allowAll()} (mode none: development only).
   */
  public RelayApplication(RelayCounters counters) {
    this(counters, new Registry(counters), Policy.allowAll());
  }

  /** A relay enforcing {@code policy}, with a fresh {@link Registry}. */
  public RelayApplication(RelayCounters counters, Policy policy) {
    this(counters, new Registry(counters), policy);
  }

  /** A relay over an existing registry (which should count into the same {@code counters}). */
  public RelayApplication(RelayCounters counters, Registry registry) {
    this(counters, registry, Policy.allowAll());
  }

  /**
   * A relay over an existing registry (which should count into the same {@code counters}) enforcing
   * {@code policy}.
   */
  public RelayApplication(RelayCounters counters, Registry registry, Policy policy) {
    if (policy == null) {
      throw new IllegalArgumentException("policy must not be null (Policy.allowAll() for none)");
    }
    this.counters = counters;
    this.registry = registry;
    this.policy = policy;
  }

  /**
   * Several nodes (issue 11): relays across {@code fabric} to the nodes {@code directory} names,
   * announces registrations to it and closes a local Connector with 0x102 when a newer one
   * registers on another node (see {@link FabricRoutes}). Call once, before the server starts; both
   * must be this node's ({@link Fabric#localNode()} equal to {@link ServiceDirectory#localNode()}).
   * Without it the relay is single-node and touches neither.
   *
   * @return this relay
   */
  public RelayApplication withFabric(Fabric fabric, ServiceDirectory directory) {
    if (this.fabric != null) {
      throw new IllegalStateException("the fabric is already set");
    }
    this.fabric = new FabricRoutes(this, registry, fabric, directory);
    return this;
  }

  /** The loop's clock at the last duty cycle. */
  long now() {
    return now;
  }

  /** The policy in force (duty-cycle thread; a published one applies on the next duty cycle). */
  public Policy policy() {
    return policy;
  }

  /**
   * Hands {@code next} to the loop from any thread (e.g. a SIGHUP handler after re-reading the
   * file): the loop applies it, as {@link #updatePolicy}, at its next duty cycle, and before any
   * REGISTER it handles after this call returns. A later publish before then wins.
   */
  public void publishPolicy(Policy next) {
    if (next == null) {
      throw new IllegalArgumentException("policy must not be null");
    }
    published.set(next);
  }

  /**
   * Replaces the policy now (duty-cycle thread only): new REGISTERs follow {@code next} at once,
   * and every established registration that {@code next} does not allow is taken out of its service
   * and its connection closed with {@link #ERROR_REFUSED}. Logs how many it closed.
   *
   * @return how many registrations it closed
   */
  public int updatePolicy(Policy next) {
    if (next == null) {
      throw new IllegalArgumentException("policy must not be null");
    }
    policy = next;
    counters.increment(Counter.POLICY_RELOADS);
    List<Registration> forbidden = registry.forbiddenBy(next);
    int connectors = 0;
    for (int i = 0; i < forbidden.size(); i++) {
      Registration r = forbidden.get(i);
      if (r.role == Role.CONNECTOR) {
        connectors++;
      }
      if (i < RELOAD_LOG_LINES) {
        LOG.info(
            "{} for service '{}' conn#{} from {} identity {} closed: the new policy forbids it",
            r.role,
            r.service.displayName,
            r.connection.id(),
            r.connection.peerAddress(),
            Registry.escaped(r.identity));
      }
      // Out of its service first, then close: the close may be reported at once (onClosed).
      registry.end(r);
      r.connection.close(ERROR_REFUSED, REASON_REFUSED);
    }
    counters.add(Counter.POLICY_RELOAD_CLOSED, forbidden.size());
    LOG.info(
        "policy updated ({}): closed {} registrations it forbids ({} Connectors, {} Agents)",
        next,
        forbidden.size(),
        connectors,
        forbidden.size() - connectors);
    return forbidden.size();
  }

  /** Applies a policy published from another thread, if any (one volatile read when none). */
  private int applyPublished() {
    if (published.get() == null) {
      return 0;
    }
    Policy next = published.getAndSet(null);
    if (next == null) {
      return 0;
    }
    updatePolicy(next);
    return 1;
  }

  /**
   * Once per duty-cycle iteration: takes the loop's clock and applies a published policy. Allocates
   * nothing unless a policy was published.
   */
  /** ZTNA-V1 §5: a graceful shutdown closes every connection with {@link #ERROR_SHUTTING_DOWN}. */
  @Override
  public long shutdownErrorCode() {
    return ERROR_SHUTTING_DOWN;
  }

  @Override
  public int onDutyCycle(long nowNanos) {
    now = nowNanos;
    int work = applyPublished();
    if (fabric != null) {
      work += fabric.poll();
    }
    return work;
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
    applyPublished();
    Role role = Role.ofType(type);
    int idOffset = offset + RegisterMessage.ID_OFFSET;
    String identity = connection.peerIdentity();
    Verdict verdict = policy.check(role == Role.CONNECTOR, identity, data, idOffset, idLength);
    if (!verdict.allowed()) {
      refuse(connection, role, identity, verdict, data, idOffset, idLength);
      return;
    }
    Registration registration = registry.register(connection, role, data, idOffset, idLength);
    if (fabric != null) {
      fabric.registered(registration);
    }
  }

  /** Counts, logs (rate-limited) and closes with 0x104; the registry is not touched. */
  private void refuse(
      ClientConnection connection,
      Role role,
      String identity,
      Verdict verdict,
      DirectBuffer data,
      int idOffset,
      int idLength) {
    switch (verdict) {
      case UNKNOWN_SERVICE:
        counters.increment(Counter.POLICY_UNKNOWN_SERVICE);
        break;
      case NO_IDENTITY:
        counters.increment(Counter.POLICY_NO_IDENTITY);
        break;
      default:
        counters.increment(Counter.POLICY_IDENTITY_NOT_ALLOWED);
        break;
    }
    if (refusalLog.tryAcquire(now) && LOG.isInfoEnabled()) {
      byte[] id = new byte[idLength];
      data.getBytes(idOffset, id);
      long suppressed = refusalLog.takeSuppressed();
      LOG.info(
          "conn#{} from {} identity {}: REGISTER as {} for service '{}' refused by policy ({}){}",
          connection.id(),
          connection.peerAddress(),
          identity == null ? "(none)" : Registry.escaped(identity),
          role,
          Registry.displayName(id),
          verdict.reason(),
          suppressed == 0 ? "" : "; " + suppressed + " more refusals not logged");
    }
    connection.close(ERROR_REFUSED, REASON_REFUSED);
  }

  private void fromAgent(Registration agent, DirectBuffer data, int offset, int length) {
    if (!registry.learn(agent, data, offset, length, now)) {
      return; // another Agent's inner address (counted)
    }
    Registration connector = agent.service.connector;
    if (connector == null) {
      if (fabric == null || !fabric.toRemoteConnector(agent, data, offset, length)) {
        counters.increment(Counter.DROP_NO_CONNECTOR);
      }
    } else if (forward(agent, connector, data, offset, length)) {
      counters.increment(Counter.RELAYED_AGENT_TO_CONNECTOR);
      counters.add(Counter.RELAYED_AGENT_TO_CONNECTOR_BYTES, length);
    }
  }

  private void fromConnector(Registration connector, DirectBuffer data, int offset, int length) {
    if (fabric != null) {
      fabric.fromConnector(connector, data, offset, length);
      return;
    }
    Service service = connector.service;
    if (service.agentCount == 0) {
      counters.increment(Counter.DROP_NO_AGENT);
      return;
    }
    Registration agent = Registry.pairedAgent(service, data, offset, length);
    if (agent == null) {
      counters.increment(Counter.DROP_NO_AGENT_FOR_ADDRESS);
    } else {
      relayToAgent(connector, agent, data, offset, length);
    }
  }

  /** A Connector's datagram to {@code agent} (local, or a remote one's stand-in), counted. */
  void relayToAgent(
      Registration connector, Registration agent, DirectBuffer data, int offset, int length) {
    if (forward(connector, agent, data, offset, length)) {
      counters.increment(Counter.RELAYED_CONNECTOR_TO_AGENT);
      counters.add(Counter.RELAYED_CONNECTOR_TO_AGENT_BYTES, length);
    }
  }

  /** Sends unchanged to {@code to}, or counts the drop; the connection layer copies the bytes. */
  private boolean forward(
      Registration from, Registration to, DirectBuffer data, int offset, int length) {
    if (!deliver(to, data, offset, length)) {
      return false;
    }
    from.datagramsFrom++;
    from.bytesFrom += length;
    return true;
  }

  /**
   * Sends unchanged to {@code to}'s connection, or counts the drop (closing, too big, rejected).
   */
  boolean deliver(Registration to, DirectBuffer data, int offset, int length) {
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
    if (fabric != null) {
      fabric.ended(registration);
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
