package dev.ztna.server.config;

import java.util.List;
import java.util.Objects;

/**
 * One {@code [[service]]} table: a service id and the identity patterns allowed to register as its
 * Connector and as its Agents. Patterns are identity strings (e.g. {@code
 * spiffe://corp.example/user/*}) where a {@code /}-separated segment that is exactly {@code *}
 * matches one segment and a last segment {@code **} matches any suffix; the reader checks their
 * shape, the policy code matches them.
 */
public final class ServicePolicy {
  /** The service id, 1..255 UTF-8 bytes (the REGISTER id, ZTNA-V1 §3). */
  public final String id;

  public final List<String> connectors;
  public final List<String> agents;

  public ServicePolicy(String id, List<String> connectors, List<String> agents) {
    this.id = Objects.requireNonNull(id);
    this.connectors = List.copyOf(connectors);
    this.agents = List.copyOf(agents);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ServicePolicy)) {
      return false;
    }
    ServicePolicy p = (ServicePolicy) o;
    return p.id.equals(id) && p.connectors.equals(connectors) && p.agents.equals(agents);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, connectors, agents);
  }

  @Override
  public String toString() {
    return "service '" + id + "' connectors " + connectors + " agents " + agents;
  }
}
