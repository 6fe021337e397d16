package dev.ztna.server.policy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Who may register where (issue 9 §2, ZTNA-V1 §6): an immutable set of services, each with the
 * identity patterns ({@link IdentityPattern}) that may register as its Connector and as its Agents,
 * plus the authentication {@link Mode}. Safe to share between threads once built.
 *
 * <p>{@link #check} takes the service id straight from the REGISTER datagram: the services are
 * keyed by a 64-bit hash of their UTF-8 id bytes in a primitive map (collisions chained and
 * resolved by comparing bytes), and the patterns were compiled when the policy was built, so a
 * check allocates nothing.
 */
public final class Policy {
  /** How clients are authenticated, and so how the policy is enforced. */
  public enum Mode {
    /**
     * No client authentication: every REGISTER is allowed, whatever the service list says (as
     * before policies existed). Development only.
     */
    NONE,
    /**
     * Mutual TLS: fail closed. A client without an identity, a service id the policy does not list,
     * an identity no pattern of that service and role matches: refused.
     */
    MTLS;

    /**
     * The mode for a configuration value, {@code "none"} or {@code "mtls"} (any case).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Mode parse(String value) {
      if (value != null) {
        for (Mode m : values()) {
          if (m.name().equalsIgnoreCase(value.trim())) {
            return m;
          }
        }
      }
      throw new IllegalArgumentException(
          "auth mode must be \"none\" or \"mtls\", not "
              + (value == null ? "null" : "\"" + value + "\""));
    }
  }

  private static final Policy ALLOW_ALL = builder().mode(Mode.NONE).build();

  private final Mode mode;
  private final Map<String, ServicePolicy> byId;
  private final Long2ObjectHashMap<ServicePolicy> byHash = new Long2ObjectHashMap<>();

  private Policy(Mode mode, Map<String, ServicePolicy> byId) {
    this.mode = mode;
    this.byId = Collections.unmodifiableMap(byId);
    for (ServicePolicy s : byId.values()) {
      s.next = byHash.get(s.hash);
      byHash.put(s.hash, s);
    }
  }

  /** Mode {@link Mode#NONE} with no services: everything allowed (the development default). */
  public static Policy allowAll() {
    return ALLOW_ALL;
  }

  /** A builder, mode {@link Mode#MTLS} until told otherwise (fail closed). */
  public static Builder builder() {
    return new Builder();
  }

  /** The mode. */
  public Mode mode() {
    return mode;
  }

  /** The services, in the order they were added. */
  public Collection<ServicePolicy> services() {
    return byId.values();
  }

  /** The service with this id, or null. */
  public ServicePolicy service(String id) {
    return byId.get(id);
  }

  /**
   * May {@code identity} register as a Connector ({@code connector} true) or an Agent of the
   * service whose UTF-8 id is {@code id[offset, offset + length)}? In mode {@link Mode#NONE} always
   * {@link Verdict#ALLOWED}. Allocates nothing; any thread (the policy is immutable).
   *
   * @param identity the client's authenticated identity, or null if it has none
   */
  public Verdict check(
      boolean connector, String identity, DirectBuffer id, int offset, int length) {
    if (mode == Mode.NONE) {
      return Verdict.ALLOWED;
    }
    if (identity == null) {
      return Verdict.NO_IDENTITY;
    }
    ServicePolicy service = find(id, offset, length);
    if (service == null) {
      return Verdict.UNKNOWN_SERVICE;
    }
    boolean allowed = connector ? service.allowsConnector(identity) : service.allowsAgent(identity);
    return allowed ? Verdict.ALLOWED : Verdict.IDENTITY_NOT_ALLOWED;
  }

  /** {@link #check} with the service id as a string (allocates; tests and tools). */
  public Verdict check(boolean connector, String identity, String serviceId) {
    byte[] id = serviceId.getBytes(StandardCharsets.UTF_8);
    return check(connector, identity, new UnsafeBuffer(id), 0, id.length);
  }

  private ServicePolicy find(DirectBuffer id, int offset, int length) {
    for (ServicePolicy s = byHash.get(hash(id, offset, length)); s != null; s = s.next) {
      if (s.idEquals(id, offset, length)) {
        return s;
      }
    }
    return null;
  }

  private static long hash(DirectBuffer buffer, int offset, int length) {
    return serviceIdHash(0xcbf29ce484222325L, buffer, offset, length);
  }

  /**
   * The 64-bit hash of service id bytes that the policy's and the relay registry's tables use:
   * FNV-1a steps from {@code seed} (the registry seeds it at random), then a murmur3 finalizer.
   */
  public static long serviceIdHash(long seed, DirectBuffer buffer, int offset, int length) {
    long h = seed ^ length;
    for (int i = 0; i < length; i++) {
      h = (h ^ (buffer.getByte(offset + i) & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  /** E.g. {@code mtls, 2 services: db.internal, web.internal} (at most 10 ids, then "..."). */
  @Override
  public String toString() {
    StringBuilder sb =
        new StringBuilder(mode.name().toLowerCase(Locale.ROOT))
            .append(", ")
            .append(byId.size())
            .append(byId.size() == 1 ? " service" : " services");
    int shown = 0;
    for (String id : byId.keySet()) {
      if (shown == 10) {
        sb.append(", ...");
        break;
      }
      sb.append(shown++ == 0 ? ": " : ", ").append(id);
    }
    return sb.toString();
  }

  /** Builds a {@link Policy}; not thread-safe. */
  public static final class Builder {
    private Mode mode = Mode.MTLS;
    private final Map<String, ServicePolicy> services = new LinkedHashMap<>();

    private Builder() {}

    /** Sets the mode (default {@link Mode#MTLS}). */
    public Builder mode(Mode mode) {
      if (mode == null) {
        throw new IllegalArgumentException("mode must not be null");
      }
      this.mode = mode;
      return this;
    }

    /**
     * Adds a service with the identity patterns allowed as its Connector and as its Agents (either
     * list may be empty: nobody may register in that role).
     *
     * @throws IllegalArgumentException for an id that is not 1..255 UTF-8 bytes, a duplicate id, or
     *     a pattern that does not compile (the message says which)
     */
    public Builder service(String id, Collection<String> connectors, Collection<String> agents) {
      if (id == null) {
        throw new IllegalArgumentException("service id must not be null");
      }
      byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
      if (bytes.length < 1 || bytes.length > 255) {
        throw new IllegalArgumentException(
            "service id '" + id + "' must be 1..255 bytes of UTF-8 (ZTNA-V1 §2)");
      }
      if (!new String(bytes, StandardCharsets.UTF_8).equals(id)) {
        throw new IllegalArgumentException("service id '" + id + "' is not valid Unicode");
      }
      if (services.containsKey(id)) {
        throw new IllegalArgumentException("service '" + id + "' listed twice");
      }
      List<IdentityPattern> c = compileAll(id, "connectors", connectors);
      List<IdentityPattern> a = compileAll(id, "agents", agents);
      services.put(id, new ServicePolicy(id, hash(new UnsafeBuffer(bytes), 0, bytes.length), c, a));
      return this;
    }

    private static List<IdentityPattern> compileAll(
        String id, String what, Collection<String> patterns) {
      List<IdentityPattern> out = new ArrayList<>();
      if (patterns == null) {
        return out;
      }
      for (String p : patterns) {
        try {
          out.add(IdentityPattern.compile(p));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "service '" + id + "' " + what + ": " + e.getMessage(), e);
        }
      }
      return out;
    }

    /** The policy. */
    public Policy build() {
      // Fresh entries: each policy chains its own (ServicePolicy.next), so builds never share.
      Map<String, ServicePolicy> copy = new LinkedHashMap<>();
      for (ServicePolicy s : services.values()) {
        copy.put(s.id(), new ServicePolicy(s.id(), s.hash, s.connectors(), s.agents()));
      }
      return new Policy(mode, copy);
    }
  }
}
