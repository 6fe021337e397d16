package dev.ztna.server.relay;

import dev.ztna.server.loop.ClientConnection;

/**
 * One client connection's registration: its role, its service, what it relayed, and (for Agents)
 * the inner source addresses learned from its packets, bounded by {@link #MAX_LEARNED} in a ring
 * (the oldest is forgotten first). Stored in {@link ClientConnection#attachment()}.
 */
public final class Registration {
  /** The most inner source addresses remembered per Agent. */
  public static final int MAX_LEARNED = 64;

  static final byte KIND_IPV4 = 4;
  static final byte KIND_IPV6 = 6;

  final Role role;
  final Service service;
  final ClientConnection connection;

  /** The connection's authenticated identity when it registered (null without one). */
  final String identity;

  /**
   * Set when the registration ended (connection closed, Connector replaced, or closed by a policy
   * reload).
   */
  boolean ended;

  /** Set when a newer Connector replaced this one. */
  boolean replaced;

  int agentIndex = -1;

  /**
   * Several nodes (a Connector): the directory has reported this node as the service's Connector
   * node since this registration, so a later report of another node is newer and closes it.
   */
  boolean directoryConfirmed;

  long datagramsFrom;
  long bytesFrom;
  long datagramsTo;
  long bytesTo;

  // Learned addresses (Agents only): a ring of MAX_LEARNED entries.
  final byte[] learnedKind;
  final long[] learnedHi;
  final long[] learnedLo;
  int learnedCount;
  int learnedNext;

  Registration(Role role, Service service, ClientConnection connection) {
    this.role = role;
    this.service = service;
    this.connection = connection;
    this.identity = connection.peerIdentity();
    boolean agent = role == Role.AGENT;
    this.learnedKind = agent ? new byte[MAX_LEARNED] : null;
    this.learnedHi = agent ? new long[MAX_LEARNED] : null;
    this.learnedLo = agent ? new long[MAX_LEARNED] : null;
  }

  /** Agent or Connector. */
  public Role role() {
    return role;
  }

  /** The service id (allocates nothing: the interned display form, control characters escaped). */
  public String serviceId() {
    return service.displayName;
  }

  /** The connection's authenticated identity (null when the client was not authenticated). */
  public String identity() {
    return identity;
  }

  /** The registered connection. */
  public ClientConnection connection() {
    return connection;
  }

  /** True once the registration ended (connection closed, or this Connector was replaced). */
  public boolean ended() {
    return ended;
  }

  /** True if a newer Connector for the same service replaced this one. */
  public boolean replaced() {
    return replaced;
  }

  /** Datagrams from this connection that were relayed. */
  public long datagramsFrom() {
    return datagramsFrom;
  }

  /** Bytes from this connection that were relayed. */
  public long bytesFrom() {
    return bytesFrom;
  }

  /** Datagrams relayed to this connection. */
  public long datagramsTo() {
    return datagramsTo;
  }

  /** Bytes relayed to this connection. */
  public long bytesTo() {
    return bytesTo;
  }

  /** How many inner source addresses this Agent currently remembers (0 for Connectors). */
  public int learnedAddressCount() {
    return learnedCount;
  }

  boolean remembers(byte kind, long hi, long lo) {
    for (int i = 0; i < learnedCount; i++) {
      if (learnedKind[i] == kind && learnedHi[i] == hi && learnedLo[i] == lo) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return role + " for service '" + service.displayName + "' on conn#" + connection.id();
  }
}
