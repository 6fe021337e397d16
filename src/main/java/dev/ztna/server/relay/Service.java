package dev.ztna.server.relay;

import java.util.Arrays;
import org.agrona.DirectBuffer;

/**
 * One service id's entry in the {@link Registry}: the interned id, its Connector, its Agents and
 * the inner addresses learned from them. Created when the first client registers for the id and
 * removed when the last one leaves.
 */
final class Service {
  final long hash;
  final byte[] id;

  /** The id for logs: decoded once, control characters escaped. */
  final String displayName;

  /** The next service whose id has the same 64-bit hash (a collision chain; almost always null). */
  Service next;

  Registration connector;
  Registration[] agents = new Registration[2];
  int agentCount;

  /** Inner IPv4 source address (as {@code (0, address)}) → the Agent that owns it. */
  final InnerAddressTable ipv4;

  /** Inner IPv6 source address → the Agent that owns it. */
  final InnerAddressTable ipv6;

  Service(long hash, byte[] id, String displayName) {
    this(hash, id, displayName, 0);
  }

  /** {@code seed} seeds the inner-address tables' hash. */
  Service(long hash, byte[] id, String displayName, long seed) {
    this.hash = hash;
    this.id = id;
    this.displayName = displayName;
    this.ipv4 = new InnerAddressTable(seed);
    this.ipv6 = new InnerAddressTable(seed);
  }

  boolean isEmpty() {
    return connector == null && agentCount == 0;
  }

  void addAgent(Registration agent) {
    if (agentCount == agents.length) {
      agents = Arrays.copyOf(agents, agentCount * 2);
    }
    agent.agentIndex = agentCount;
    agents[agentCount++] = agent;
  }

  void removeAgent(Registration agent) {
    int i = agent.agentIndex;
    if (i < 0 || i >= agentCount || agents[i] != agent) {
      return;
    }
    Registration last = agents[--agentCount];
    agents[i] = last;
    last.agentIndex = i;
    agents[agentCount] = null;
    agent.agentIndex = -1;
  }

  boolean idEquals(DirectBuffer buffer, int offset, int length) {
    if (id.length != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (id[i] != buffer.getByte(offset + i)) {
        return false;
      }
    }
    return true;
  }
}
