package dev.ztna.server.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the effective configuration: every setting's default, overridden by the {@code --config}
 * file, overridden by command-line flags; the {@code [[service]]} tables come from the config file
 * or the {@code --policy} file (giving services in both is an error, so that no one has to guess
 * which list is in force). Immutable: {@link #load} may be called again (SIGHUP) and re-reads both
 * files while the flags stay as given at start.
 */
public final class ConfigLoader {
  /** Default certificate chain file name inside the default certificate directory. */
  public static final String DEFAULT_CERT_NAME = "cert.pem";

  /** Default private key file name inside the default certificate directory. */
  public static final String DEFAULT_KEY_NAME = "key.pem";

  private final Path configFile;
  private final Path policyFile;
  private final Map<Setting<?>, List<String>> flags;
  private final Path defaultCertDir;

  /**
   * @param configFile the {@code --config} file, or {@code null}
   * @param policyFile the {@code --policy} file, or {@code null}
   * @param flags the command-line strings of each flag given (several for a repeatable flag)
   * @param defaultCertDir where the default {@code cert.pem} and {@code key.pem} live
   */
  public ConfigLoader(
      Path configFile, Path policyFile, Map<Setting<?>, List<String>> flags, Path defaultCertDir) {
    this.configFile = configFile;
    this.policyFile = policyFile;
    this.flags = Map.copyOf(new LinkedHashMap<>(flags));
    this.defaultCertDir = defaultCertDir;
  }

  /** The {@code --config} file, or {@code null}. */
  public Path configFile() {
    return configFile;
  }

  /** The {@code --policy} file, or {@code null}. */
  public Path policyFile() {
    return policyFile;
  }

  /**
   * Reads the files and applies the flags.
   *
   * @throws ConfigException naming the file and key, or the flag, of the first problem
   */
  public ServerSettings load() {
    ConfigValues.Builder values = ConfigValues.defaults();
    values.set(Settings.CERT, defaultCertDir.resolve(DEFAULT_CERT_NAME), Origin.DEFAULT, null);
    values.set(Settings.KEY, defaultCertDir.resolve(DEFAULT_KEY_NAME), Origin.DEFAULT, null);
    List<ServicePolicy> services = List.of();
    Origin servicesOrigin = Origin.DEFAULT;
    Path servicesFile = null;
    if (configFile != null) {
      TomlConfigFile file = TomlConfigFile.read(configFile, false);
      for (Map.Entry<Setting<?>, Object> e : file.values.entrySet()) {
        setUnchecked(values, e.getKey(), e.getValue(), Origin.FILE, configFile);
      }
      if (file.services != null) {
        services = file.services;
        servicesOrigin = Origin.FILE;
        servicesFile = configFile;
      }
    }
    if (policyFile != null) {
      TomlConfigFile policy = TomlConfigFile.read(policyFile, true);
      if (policy.services != null) {
        if (servicesFile != null) {
          throw new ConfigException(
              "[[service]] tables are given in both config file "
                  + configFile
                  + " and policy file "
                  + policyFile
                  + "; keep them in one of the two");
        }
        services = policy.services;
        servicesOrigin = Origin.FILE;
        servicesFile = policyFile;
      }
    }
    for (Setting<?> s : Settings.ALL) {
      List<String> texts = flags.get(s);
      if (texts != null && !texts.isEmpty()) {
        applyFlag(values, s, texts);
      }
    }
    ConfigValues built = values.build();
    checkAuth(built);
    return new ServerSettings(this, built, services, servicesOrigin, servicesFile);
  }

  private static <T> void applyFlag(ConfigValues.Builder values, Setting<T> s, List<String> texts) {
    T value;
    try {
      value = s.type.fromCli(texts);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(s.flag + " " + e.getMessage(), e);
    }
    values.set(s, value, Origin.FLAG, null);
  }

  @SuppressWarnings("unchecked") // the TOML reader produced the value with the setting's own type
  private static <T> void setUnchecked(
      ConfigValues.Builder values, Setting<T> s, Object value, Origin origin, Path file) {
    values.set(s, (T) value, origin, file);
  }

  private static void checkAuth(ConfigValues v) {
    Path ca = v.get(Settings.AUTH_CLIENT_CA);
    if (v.get(Settings.AUTH_MODE) == AuthMode.MTLS && ca == null) {
      throw new ConfigException(
          where(v, Settings.AUTH_MODE)
              + ": key 'auth.client_ca' is required with auth.mode = \"mtls\"");
    }
    if (v.get(Settings.AUTH_MODE) != AuthMode.MTLS && ca != null) {
      // Fail closed: a CA without mode = "mtls" is a forgotten mode, not a wish to run open.
      throw new ConfigException(
          where(v, Settings.AUTH_CLIENT_CA)
              + ": key 'auth.client_ca' is only used with auth.mode = \"mtls\"");
    }
    if (ca != null && !Files.isRegularFile(ca)) {
      throw new ConfigException(
          where(v, Settings.AUTH_CLIENT_CA)
              + ": key 'auth.client_ca': '"
              + ca
              + "' does not exist");
    }
  }

  private static String where(ConfigValues v, Setting<?> s) {
    ConfigValues.Entry e = v.entry(s);
    return e.file != null ? "config file " + e.file : "configuration";
  }
}
