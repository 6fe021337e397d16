package dev.ztna.server.conn;

/** Packet number space identifiers (RFC 9000 §12.3) and shared time constants of the conn layer. */
public final class PacketNumberSpace {
  /** Initial packets. */
  public static final int INITIAL = 0;

  /** Handshake packets. */
  public static final int HANDSHAKE = 1;

  /** 0-RTT and 1-RTT packets. */
  public static final int APPLICATION = 2;

  /** Number of packet number spaces. */
  public static final int COUNT = 3;

  /** Sentinel for "no time / timer not armed"; compares after every real time. */
  public static final long NO_TIME = Long.MAX_VALUE;

  private PacketNumberSpace() {}

  /** A short name for logs and test output. */
  public static String name(int space) {
    switch (space) {
      case INITIAL:
        return "Initial";
      case HANDSHAKE:
        return "Handshake";
      case APPLICATION:
        return "Application";
      default:
        return "space" + space;
    }
  }
}
