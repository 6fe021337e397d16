package dev.ztna.server.certs;

/**
 * The certificate chain or private key could not be loaded or used. The message is meant for an
 * operator: it names the file involved and says what is wrong with it.
 */
public final class CredentialsException extends Exception {
  private static final long serialVersionUID = 1L;

  /** An error with a human-readable message. */
  public CredentialsException(String message) {
    super(message);
  }

  /** An error with a human-readable message and the underlying cause. */
  public CredentialsException(String message, Throwable cause) {
    super(message, cause);
  }
}
