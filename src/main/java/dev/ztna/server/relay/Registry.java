package dev.ztna.server.relay;

import dev.ztna.server.loop.ClientConnection;
import dev.ztna.server.policy.Policy;
import dev.ztna.server.relay.RelayCounters.Counter;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is registered for what (ZTNA-V1 §4): service id → one Connector, service id → many Agents,
 * connection → {@link Registration} (kept in {@link ClientConnection#attachment()}), and per
 * service the inner IP source addresses learned from each Agent's packets.
 *
 * <p>Service ids are interned once: the map is keyed by a seeded 64-bit hash of the id bytes (a
 * primitive {@link Long2ObjectHashMap}), collisions are chained and resolved by comparing bytes, so
 * looking an id up straight from a datagram allocates nothing. A service's entry is removed when
 * its last client leaves. Registering allocates the {@link Registration} (once per connection); the
 * relay-path methods ({@link #lookupConnector(DirectBuffer, int, int)}, {@link #lookupPairedAgent},
 * learning) allocate nothing in steady state. Duty-cycle thread only.
 */
public final class Registry {
  private static final Logger LOG = LoggerFactory.getLogger(Registry.class);

  private static final int IPV4_HEADER = 20;
  private static final int IPV4_SRC = 12;
  private static final int IPV4_DST = 16;
  private static final int IPV6_HEADER = 40;
  private static final int IPV6_SRC = 8;
  private static final int IPV6_DST = 24;
  private static final long IPV4_MASK = 0xffff_ffffL;

  /** How long an inner address stays an Agent's while the Agent does not send from it. */
  public static final long DEFAULT_INNER_ADDRESS_IDLE_NANOS = TimeUnit.MINUTES.toNanos(5);

  private final RelayCounters counters;
  private final long seed;
  private final long hashMask;
  private final long innerAddressIdleNanos;
  private final Long2ObjectHashMap<Service> services = new Long2ObjectHashMap<>();
  private int serviceCount;

  /** A registry with a random hash seed and the default inner-address idle time (5 min). */
  public Registry(RelayCounters counters) {
    this(counters, DEFAULT_INNER_ADDRESS_IDLE_NANOS);
  }

  /**
   * A registry with a random hash seed; an inner address an Agent has not sent from for {@code
   * innerAddressIdleNanos} may be taken by another Agent of its service (0 or less: never, the
   * address stays its Agent's until it disconnects).
   */
  public Registry(RelayCounters counters, long innerAddressIdleNanos) {
    this(counters, new SecureRandom().nextLong(), -1L, innerAddressIdleNanos);
  }

  /**
   * A registry with a fixed hash seed and a mask over the hash (tests: a mask of 0 makes every id
   * collide, to exercise the chains).
   */
  Registry(RelayCounters counters, long seed, long hashMask) {
    this(counters, seed, hashMask, DEFAULT_INNER_ADDRESS_IDLE_NANOS);
  }

  /**
   * See {@link #Registry(RelayCounters, long, long)} and {@link #Registry(RelayCounters, long)}.
   */
  Registry(RelayCounters counters, long seed, long hashMask, long innerAddressIdleNanos) {
    this.counters = counters;
    this.seed = seed;
    this.hashMask = hashMask;
    this.innerAddressIdleNanos = innerAddressIdleNanos;
  }

  /**
   * Registers {@code connection} as {@code role} for the service id in {@code buffer[idOffset,
   * idOffset + idLength)}, which must be a parsed, valid id (see {@link RegisterMessage#parse}). A
   * Connector replaces the service's current Connector, which is closed with {@link
   * RelayApplication#ERROR_REPLACED} after the new one is in place.
   *
   * @return the new registration (also stored as the connection's attachment)
   * @throws IllegalStateException if the connection is already registered
   */
  public Registration register(
      ClientConnection connection, Role role, DirectBuffer buffer, int idOffset, int idLength) {
    if (registrationOf(connection) != null) {
      throw new IllegalStateException("conn#" + connection.id() + " is already registered");
    }
    long hash = hash(buffer, idOffset, idLength);
    Service service = find(hash, buffer, idOffset, idLength);
    if (service == null) {
      byte[] id = new byte[idLength];
      buffer.getBytes(idOffset, id);
      service = new Service(hash, id, displayName(id), seed);
      service.next = services.get(hash);
      services.put(hash, service);
      serviceCount++;
    }
    Registration registration = new Registration(role, service, connection);
    connection.attachment(registration);
    if (role == Role.AGENT) {
      service.addAgent(registration);
      counters.increment(Counter.AGENTS_REGISTERED);
      counters.increment(Counter.REGISTERED_AGENTS);
      LOG.info(
          "Agent registered for service '{}': conn#{} from {} (Agents now: {})",
          service.displayName,
          connection.id(),
          connection.peerAddress(),
          service.agentCount);
      return registration;
    }
    Registration old = service.connector;
    service.connector = registration;
    counters.increment(Counter.CONNECTORS_REGISTERED);
    if (old == null) {
      counters.increment(Counter.REGISTERED_CONNECTORS); // a replacement keeps the level
    }
    LOG.info(
        "Connector registered for service '{}': conn#{} from {}",
        service.displayName,
        connection.id(),
        connection.peerAddress());
    if (old != null) {
      old.ended = true;
      old.replaced = true;
      counters.increment(Counter.CONNECTORS_REPLACED);
      LOG.info(
          "Connector conn#{} for service '{}' replaced by conn#{}",
          old.connection.id(),
          service.displayName,
          connection.id());
      // Last: the connection layer may report the close (onClosed → unregister) synchronously.
      old.connection.close(RelayApplication.ERROR_REPLACED, "replaced by a newer connector");
    }
    return registration;
  }

  /** Registers by a service id string (allocates; for tests and tools). */
  public Registration register(ClientConnection connection, Role role, String serviceId) {
    byte[] id = serviceId.getBytes(StandardCharsets.UTF_8);
    if (id.length < 1 || id.length > RegisterMessage.MAX_ID_LENGTH) {
      throw new IllegalArgumentException("service id must be 1..255 UTF-8 bytes");
    }
    return register(connection, role, new UnsafeBuffer(id), 0, id.length);
  }

  /**
   * Ends {@code connection}'s registration, if any: a Connector leaves its service without one, an
   * Agent's learned addresses are forgotten, and an emptied service is removed. Idempotent.
   *
   * @return the registration that ended, or null if the connection was not registered
   */
  public Registration unregister(ClientConnection connection) {
    Registration registration = registrationOf(connection);
    if (registration == null) {
      return null;
    }
    connection.attachment(null);
    counters.increment(Counter.REGISTRATIONS_ENDED);
    end(registration);
    return registration;
  }

  /**
   * Takes {@code registration} out of its service (a Connector leaves it without one, an Agent's
   * learned addresses are forgotten, an emptied service is removed) but leaves it attached to its
   * connection until {@link #unregister}, so that its late datagrams count as from an ended
   * registration. Idempotent.
   */
  void end(Registration registration) {
    if (registration.ended) {
      return; // e.g. a replaced Connector: already out of its service
    }
    registration.ended = true;
    Service service = registration.service;
    if (registration.role == Role.AGENT) {
      service.removeAgent(registration);
      forgetLearned(registration);
      counters.add(Counter.REGISTERED_AGENTS, -1);
    } else if (service.connector == registration) {
      service.connector = null;
      counters.add(Counter.REGISTERED_CONNECTORS, -1);
    }
    if (service.isEmpty()) {
      removeService(service);
    }
  }

  /**
   * The live registrations that {@code policy} does not allow (for a reload). Allocates: not for
   * the relay path.
   */
  List<Registration> forbiddenBy(Policy policy) {
    List<Registration> out = new ArrayList<>();
    if (policy.mode() == Policy.Mode.NONE) {
      return out;
    }
    UnsafeBuffer id = new UnsafeBuffer(new byte[0]);
    for (Service head : services.values()) {
      for (Service s = head; s != null; s = s.next) {
        id.wrap(s.id);
        Registration c = s.connector;
        if (c != null
            && !c.ended
            && !policy.check(true, c.connection.peerIdentity(), id, 0, s.id.length).allowed()) {
          out.add(c);
        }
        for (int i = 0; i < s.agentCount; i++) {
          Registration a = s.agents[i];
          if (!policy.check(false, a.connection.peerIdentity(), id, 0, s.id.length).allowed()) {
            out.add(a);
          }
        }
      }
    }
    return out;
  }

  /** The connection's registration, or null if it has not registered (or it ended). */
  public static Registration registrationOf(ClientConnection connection) {
    Object attachment = connection.attachment();
    return attachment instanceof Registration ? (Registration) attachment : null;
  }

  /** The Connector for the service id in {@code buffer[offset, offset + length)}, or null. */
  public ClientConnection lookupConnector(DirectBuffer buffer, int offset, int length) {
    Service service = find(hash(buffer, offset, length), buffer, offset, length);
    return service == null || service.connector == null ? null : service.connector.connection;
  }

  /** The Connector for {@code serviceId}, or null (allocates; for tests and tools). */
  public ClientConnection lookupConnector(String serviceId) {
    byte[] id = serviceId.getBytes(StandardCharsets.UTF_8);
    return lookupConnector(new UnsafeBuffer(id), 0, id.length);
  }

  /**
   * The Agent that should receive the IP packet {@code packet[offset, offset + length)} from {@code
   * connector}: the service's only Agent, or with several the one whose earlier packets carried an
   * inner source address equal to this packet's inner destination address.
   *
   * @return the Agent's connection, or null (not a registered Connector, no Agent, no match)
   */
  public ClientConnection lookupPairedAgent(
      ClientConnection connector, DirectBuffer packet, int offset, int length) {
    Registration registration = registrationOf(connector);
    if (registration == null || registration.ended || registration.role != Role.CONNECTOR) {
      return null;
    }
    Registration agent = pairedAgent(registration.service, packet, offset, length);
    return agent == null ? null : agent.connection;
  }

  /** See {@link #lookupPairedAgent}; {@code service} is the Connector's. */
  static Registration pairedAgent(Service service, DirectBuffer packet, int offset, int length) {
    int count = service.agentCount;
    if (count == 0) {
      return null;
    }
    if (count == 1) {
      return service.agents[0];
    }
    return destinationOwner(service, packet, offset, length);
  }

  /**
   * The Agent (local, or a remote one the fabric learned of) whose earlier packets carried the
   * inner source address equal to this packet's inner destination address, or null.
   */
  static Registration destinationOwner(
      Service service, DirectBuffer packet, int offset, int length) {
    int version = (packet.getByte(offset) & 0xff) >>> 4;
    if (version == 4 && length >= IPV4_HEADER) {
      return service.ipv4.get(
          0, packet.getInt(offset + IPV4_DST, ByteOrder.BIG_ENDIAN) & IPV4_MASK);
    }
    if (version == 6 && length >= IPV6_HEADER) {
      return service.ipv6.get(
          packet.getLong(offset + IPV6_DST, ByteOrder.BIG_ENDIAN),
          packet.getLong(offset + IPV6_DST + 8, ByteOrder.BIG_ENDIAN));
    }
    return null;
  }

  /**
   * Learns the inner source address of the IP packet {@code packet[offset, offset + length)} sent
   * by {@code agent} at {@code now} (nanoseconds), or refuses it. An address belongs to the Agent
   * that first sent from it until that Agent disconnects, or leaves it unused (sends nothing from
   * it) for the registry's inner-address idle time; until then another Agent's packets from that
   * address are refused (counted as {@code drop_inner_address_conflict}) and never re-point the
   * replies. Checked lazily here, with one timestamp per address: no sweep. Each Agent remembers at
   * most {@link Registration#MAX_LEARNED} addresses; beyond that its oldest is forgotten. Packets
   * that are not IPv4/IPv6 or too short for their header teach nothing and are allowed.
   *
   * @return true if the packet may be relayed, false if it was dropped for an address conflict
   */
  boolean learn(Registration agent, DirectBuffer packet, int offset, int length, long now) {
    int version = (packet.getByte(offset) & 0xff) >>> 4;
    Service service = agent.service;
    InnerAddressTable table;
    byte kind;
    long hi;
    long lo;
    if (version == 4 && length >= IPV4_HEADER) {
      table = service.ipv4;
      kind = Registration.KIND_IPV4;
      hi = 0;
      lo = packet.getInt(offset + IPV4_SRC, ByteOrder.BIG_ENDIAN) & IPV4_MASK;
    } else if (version == 6 && length >= IPV6_HEADER) {
      table = service.ipv6;
      kind = Registration.KIND_IPV6;
      hi = packet.getLong(offset + IPV6_SRC, ByteOrder.BIG_ENDIAN);
      lo = packet.getLong(offset + IPV6_SRC + 8, ByteOrder.BIG_ENDIAN);
    } else {
      return true;
    }
    int slot = table.find(hi, lo);
    if (slot < 0) {
      table.put(hi, lo, agent, now);
    } else {
      Registration owner = table.ownerAt(slot);
      if (owner == agent) {
        table.use(slot, agent, now);
        return true;
      }
      if (innerAddressIdleNanos <= 0 || now - table.lastUsedAt(slot) < innerAddressIdleNanos) {
        counters.increment(Counter.DROP_INNER_ADDRESS_CONFLICT);
        return false;
      }
      // The owner left it unused for the idle time: it may move (the owner keeps a stale entry
      // in its ring, which forget() skips because it no longer owns the address).
      table.use(slot, agent, now);
      counters.increment(Counter.AGENT_ADDRESSES_RECLAIMED);
    }
    counters.increment(Counter.AGENT_ADDRESSES_LEARNED);
    if (!agent.remembers(kind, hi, lo)) {
      remember(agent, kind, hi, lo); // may evict (and so move table entries): slot is dead now
    }
    return true;
  }

  private void remember(Registration agent, byte kind, long hi, long lo) {
    int slot;
    if (agent.learnedCount < Registration.MAX_LEARNED) {
      slot = agent.learnedCount++;
    } else {
      slot = agent.learnedNext;
      agent.learnedNext = (slot + 1) % Registration.MAX_LEARNED;
      forget(agent, agent.learnedKind[slot], agent.learnedHi[slot], agent.learnedLo[slot]);
      counters.increment(Counter.AGENT_ADDRESSES_EVICTED);
    }
    agent.learnedKind[slot] = kind;
    agent.learnedHi[slot] = hi;
    agent.learnedLo[slot] = lo;
  }

  private static void forget(Registration agent, byte kind, long hi, long lo) {
    Service service = agent.service;
    (kind == Registration.KIND_IPV4 ? service.ipv4 : service.ipv6).removeIfOwner(hi, lo, agent);
  }

  private static void forgetLearned(Registration agent) {
    for (int i = 0; i < agent.learnedCount; i++) {
      forget(agent, agent.learnedKind[i], agent.learnedHi[i], agent.learnedLo[i]);
    }
    agent.learnedCount = 0;
    agent.learnedNext = 0;
  }

  /** The service's entry for the id in {@code buffer[offset, offset + length)}, or null. */
  Service service(DirectBuffer buffer, int offset, int length) {
    return find(hash(buffer, offset, length), buffer, offset, length);
  }

  /**
   * Ends a remote Agent's stand-in (see {@code FabricRoutes}): its learned inner addresses are
   * forgotten. It was never in its service's Agents, so no count changes. Idempotent.
   */
  static void endRemote(Registration remote) {
    if (!remote.ended) {
      remote.ended = true;
      forgetLearned(remote);
    }
  }

  /** How many service ids have at least one registered client. */
  public int serviceCount() {
    return serviceCount;
  }

  /** True when nothing is registered. */
  public boolean isEmpty() {
    return serviceCount == 0;
  }

  /** How many Agents are registered for {@code serviceId} (allocates; tests and tools). */
  public int agentCount(String serviceId) {
    Service service = find(serviceId);
    return service == null ? 0 : service.agentCount;
  }

  /** How many inner addresses are bound to Agents of {@code serviceId} (tests and tools). */
  public int learnedAddressCount(String serviceId) {
    Service service = find(serviceId);
    return service == null ? 0 : service.ipv4.size() + service.ipv6.size();
  }

  private Service find(String serviceId) {
    byte[] id = serviceId.getBytes(StandardCharsets.UTF_8);
    UnsafeBuffer buffer = new UnsafeBuffer(id);
    return find(hash(buffer, 0, id.length), buffer, 0, id.length);
  }

  private Service find(long hash, DirectBuffer buffer, int offset, int length) {
    for (Service s = services.get(hash); s != null; s = s.next) {
      if (s.idEquals(buffer, offset, length)) {
        return s;
      }
    }
    return null;
  }

  private void removeService(Service service) {
    Service head = services.get(service.hash);
    if (head == service) {
      if (service.next == null) {
        services.remove(service.hash);
      } else {
        services.put(service.hash, service.next);
      }
    } else {
      for (Service s = head; s != null; s = s.next) {
        if (s.next == service) {
          s.next = service.next;
          break;
        }
      }
    }
    service.next = null;
    service.ipv4.clear();
    service.ipv6.clear();
    serviceCount--;
  }

  /** A seeded 64-bit hash of the id bytes (FNV-1a steps, then a murmur3 finalizer). */
  private long hash(DirectBuffer buffer, int offset, int length) {
    return Policy.serviceIdHash(seed, buffer, offset, length) & hashMask;
  }

  /** The id as text for logs: decoded once, control and format characters escaped. */
  static String displayName(byte[] id) {
    return escaped(new String(id, StandardCharsets.UTF_8));
  }

  /** {@code s} for logs, control and format characters escaped ({@code null} stays null). */
  static String escaped(String s) {
    if (s == null) {
      return null;
    }
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean unsafe =
          Character.isISOControl(c)
              || Character.getType(c) == Character.FORMAT
              || c == '\u2028'
              || c == '\u2029';
      if (unsafe && sb == null) {
        sb = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (sb != null) {
        if (unsafe) {
          sb.append(String.format("\\u%04x", (int) c));
        } else {
          sb.append(c);
        }
      }
    }
    return sb == null ? s : sb.toString();
  }
}
