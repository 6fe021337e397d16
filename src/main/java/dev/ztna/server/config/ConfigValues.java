package dev.ztna.server.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** Every setting's effective value with where it came from. Immutable once built. */
public final class ConfigValues {
  /** One effective value. */
  public static final class Entry {
    public final Object value;
    public final Origin origin;

    /** The file the value came from (with {@link Origin#FILE}), else {@code null}. */
    public final Path file;

    Entry(Object value, Origin origin, Path file) {
      this.value = value;
      this.origin = origin;
      this.file = file;
    }

    /** {@code default}, {@code file PATH} or {@code flag}. */
    public String describeOrigin() {
      switch (origin) {
        case FILE:
          return "file " + file;
        case FLAG:
          return "flag";
        default:
          return "default";
      }
    }
  }

  private final Map<Setting<?>, Entry> entries;

  private ConfigValues(Map<Setting<?>, Entry> entries) {
    this.entries = entries;
  }

  /** The value of {@code setting} ({@code null} for an unset optional setting). */
  @SuppressWarnings("unchecked") // the builder stores only values of the setting's own type
  public <T> T get(Setting<T> setting) {
    return (T) entry(setting).value;
  }

  /** The value and its origin. */
  public Entry entry(Setting<?> setting) {
    return Objects.requireNonNull(entries.get(setting), setting.key);
  }

  /** A copy with {@code setting} taken from {@code other} (used to keep non-reloadable values). */
  ConfigValues with(Setting<?> setting, Entry entry) {
    Map<Setting<?>, Entry> copy = new LinkedHashMap<>(entries);
    copy.put(setting, entry);
    return new ConfigValues(copy);
  }

  /** Starts from every setting's default. */
  static Builder defaults() {
    return new Builder();
  }

  /** Collects values; later {@link #set} calls override earlier ones. */
  static final class Builder {
    private final Map<Setting<?>, Entry> entries = new LinkedHashMap<>();

    Builder() {
      for (Setting<?> s : Settings.ALL) {
        entries.put(s, new Entry(s.defaultValue, Origin.DEFAULT, null));
      }
    }

    <T> Builder set(Setting<T> setting, T value, Origin origin, Path file) {
      entries.put(setting, new Entry(value, origin, file));
      return this;
    }

    ConfigValues build() {
      return new ConfigValues(new LinkedHashMap<>(entries));
    }
  }
}
