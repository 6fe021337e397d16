package dev.ztna.server.config;

/**
 * An invalid configuration value or file: the message names the key (or flag) and, where the TOML
 * library reports it, the line. The command line turns it into exit code 2.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
