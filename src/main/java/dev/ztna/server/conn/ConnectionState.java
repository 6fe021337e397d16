package dev.ztna.server.conn;

/** The states of a connection, in order (RFC 9000 §10: closing and draining end in closed). */
final class ConnectionState {
  static final int HANDSHAKE = 0;
  static final int ESTABLISHED = 1;
  static final int CLOSING = 2;
  static final int DRAINING = 3;
  static final int CLOSED = 4;

  private ConnectionState() {}
}
