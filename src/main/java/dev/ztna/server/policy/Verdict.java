package dev.ztna.server.policy;

/** What the {@link Policy} says about one REGISTER. */
public enum Verdict {
  /** Allowed. */
  ALLOWED("allowed"),
  /** Refused: the policy does not list the service id (mode {@code mtls}). */
  UNKNOWN_SERVICE("service not in policy"),
  /** Refused: the identity matches none of the service's patterns for that role. */
  IDENTITY_NOT_ALLOWED("identity not allowed for this service and role"),
  /** Refused: the client has no authenticated identity (mode {@code mtls}). */
  NO_IDENTITY("no authenticated identity");

  private final String reason;

  Verdict(String reason) {
    this.reason = reason;
  }

  /** True for {@link #ALLOWED}. */
  public boolean allowed() {
    return this == ALLOWED;
  }

  /** A short constant phrase for logs and close reasons (no allocation). */
  public String reason() {
    return reason;
  }
}
