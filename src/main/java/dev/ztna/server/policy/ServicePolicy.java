package dev.ztna.server.policy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.agrona.DirectBuffer;

/** One service of a {@link Policy}: its id and who may register as its Connector and Agents. */
public final class ServicePolicy {
  final long hash;
  final byte[] idBytes;
  private final String id;
  private final IdentityPattern[] connectors;
  private final IdentityPattern[] agents;

  /** The next service with the same hash (a collision chain; almost always null). */
  ServicePolicy next;

  ServicePolicy(
      String id, long hash, List<IdentityPattern> connectors, List<IdentityPattern> agents) {
    this.id = id;
    this.idBytes = id.getBytes(StandardCharsets.UTF_8);
    this.hash = hash;
    this.connectors = connectors.toArray(new IdentityPattern[0]);
    this.agents = agents.toArray(new IdentityPattern[0]);
  }

  /** The service id. */
  public String id() {
    return id;
  }

  /** The Connector patterns, in order. */
  public List<IdentityPattern> connectors() {
    return List.of(connectors);
  }

  /** The Agent patterns, in order. */
  public List<IdentityPattern> agents() {
    return List.of(agents);
  }

  /** True if {@code identity} may register as this service's Connector (allocates nothing). */
  public boolean allowsConnector(String identity) {
    return anyMatches(connectors, identity);
  }

  /** True if {@code identity} may register as one of this service's Agents (allocates nothing). */
  public boolean allowsAgent(String identity) {
    return anyMatches(agents, identity);
  }

  private static boolean anyMatches(IdentityPattern[] patterns, String identity) {
    for (IdentityPattern p : patterns) {
      if (p.matches(identity)) {
        return true;
      }
    }
    return false;
  }

  boolean idEquals(DirectBuffer buffer, int offset, int length) {
    if (idBytes.length != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (idBytes[i] != buffer.getByte(offset + i)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "service '"
        + id
        + "' connectors="
        + Arrays.toString(connectors)
        + " agents="
        + Arrays.toString(agents);
  }
}
