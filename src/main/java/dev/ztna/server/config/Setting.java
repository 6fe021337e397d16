package dev.ztna.server.config;

import java.util.Objects;

/**
 * One configuration option, declared once: its TOML key (dotted for keys inside a table, e.g.
 * {@code limits.max_connections}), its command-line flag (or none: file only), type and range,
 * default, help text and whether SIGHUP may change it. The command line ({@code --help} included)
 * and the TOML reader are both generated from these declarations; see {@link Settings}.
 *
 * @param <T> the value's Java type
 */
public final class Setting<T> {
  /** The TOML key, e.g. {@code idle_timeout_ms} or {@code limits.max_connections}. */
  public final String key;

  /** The command-line flag, e.g. {@code --idle-timeout-ms}; {@code null} for file-only keys. */
  public final String flag;

  /** The flag's parameter label in {@code --help}, e.g. {@code N}. */
  public final String paramLabel;

  public final ValueType<T> type;

  /** The default; {@code null} means unset. */
  public final T defaultValue;

  /** The help text, without the default (which {@link #helpWithDefault} appends). */
  public final String help;

  /** Whether a SIGHUP reload applies a changed value (otherwise it needs a restart). */
  public final boolean reloadable;

  private Setting(Builder<T> b) {
    this.key = Objects.requireNonNull(b.key);
    this.flag = b.flag;
    this.paramLabel = b.paramLabel;
    this.type = Objects.requireNonNull(b.type);
    this.defaultValue = b.defaultValue;
    this.help = Objects.requireNonNull(b.help);
    this.reloadable = b.reloadable;
  }

  /** Starts a declaration. */
  public static <T> Builder<T> key(String key, ValueType<T> type, T defaultValue) {
    return new Builder<>(key, type, defaultValue);
  }

  /** The name used in error messages: the flag when given on the command line, else the key. */
  public String name(Origin origin) {
    return origin == Origin.FLAG && flag != null ? flag : "'" + key + "'";
  }

  /**
   * The help text with {@code (default: ...)} (at {@code ${DEFAULT}} in the text if present, else
   * at the end), followed by the TOML key.
   */
  public String helpWithDefault() {
    String d = "(default: " + (defaultValue == null ? "unset" : defaultText()) + ")";
    String text = help.contains("${DEFAULT}") ? help.replace("${DEFAULT}", d) : help + " " + d;
    return text + "; config key " + key + ".";
  }

  /** The default as shown in help: the TOML literal without quotes or brackets. */
  public String defaultText() {
    return defaultValue == null ? "" : type.toToml(defaultValue).replaceAll("[\"\\[\\]]", "");
  }

  @Override
  public String toString() {
    return key;
  }

  /** Builder for one declaration. */
  public static final class Builder<T> {
    private final String key;
    private final ValueType<T> type;
    private final T defaultValue;
    private String flag;
    private String paramLabel;
    private String help = "";
    private boolean reloadable;

    private Builder(String key, ValueType<T> type, T defaultValue) {
      this.key = key;
      this.type = type;
      this.defaultValue = defaultValue;
    }

    /** The command-line flag and its parameter label. */
    public Builder<T> flag(String flag, String paramLabel) {
      this.flag = flag;
      this.paramLabel = paramLabel;
      return this;
    }

    /** The help text (a picocli format string: write {@code %%} for a percent sign). */
    public Builder<T> help(String help) {
      this.help = help;
      return this;
    }

    /** SIGHUP applies a changed value without a restart. */
    public Builder<T> reloadable() {
      this.reloadable = true;
      return this;
    }

    public Setting<T> build() {
      return new Setting<>(this);
    }
  }
}
