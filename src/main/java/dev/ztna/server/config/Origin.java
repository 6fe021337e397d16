package dev.ztna.server.config;

/** Where an effective configuration value came from. */
public enum Origin {
  /** The built-in default. */
  DEFAULT,
  /** The {@code --config} (or {@code --policy}) file. */
  FILE,
  /** A command-line flag (which overrides the file). */
  FLAG
}
