package dev.ztna.server.relay;

/** What a registered client is (ZTNA-V1 §2): the REGISTER type byte names it. */
public enum Role {
  /** A user device; many per service. */
  AGENT(RegisterMessage.TYPE_AGENT, "Agent"),
  /** Next to the private service; at most one per service. */
  CONNECTOR(RegisterMessage.TYPE_CONNECTOR, "Connector");

  private final int type;
  private final String displayName;

  Role(int type, String displayName) {
    this.type = type;
    this.displayName = displayName;
  }

  /** The REGISTER type byte. */
  public int type() {
    return type;
  }

  /** The role for a REGISTER type byte, or null if {@code type} is not one. */
  public static Role ofType(int type) {
    if (type == RegisterMessage.TYPE_AGENT) {
      return AGENT;
    }
    if (type == RegisterMessage.TYPE_CONNECTOR) {
      return CONNECTOR;
    }
    return null;
  }

  @Override
  public String toString() {
    return displayName;
  }
}
