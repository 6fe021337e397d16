package dev.ztna.server.cli;

import dev.ztna.server.certs.CredentialsException;
import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.cluster.directory.DirectoryHosting;
import dev.ztna.server.config.AuthMode;
import dev.ztna.server.config.ConfigException;
import dev.ztna.server.config.ConfigLoader;
import dev.ztna.server.config.ConfigReloader;
import dev.ztna.server.config.ListenAddresses;
import dev.ztna.server.config.ServerSettings;
import dev.ztna.server.config.Setting;
import dev.ztna.server.config.Settings;
import dev.ztna.server.logging.Logging;
import dev.ztna.server.loop.LoopAffinity;
import dev.ztna.server.loop.ServerLauncher;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The {@code intermediate-server} command. Its server options are generated from the {@link
 * Settings} declarations (each also a key of the {@code --config} TOML file); this class adds only
 * {@code --config}, {@code --policy}, {@code --check-config}, {@code --help} and {@code --version}.
 */
@Command(
    name = "intermediate-server",
    subcommands = {StatCommand.class, ClusterMemberCommand.class},
    versionProvider = Main.ManifestVersion.class,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "ZTNA intermediate server: a QUIC v1 relay (ALPN ztna-v1) between Agents and Connectors.",
      "",
      "Every option below except --config, --policy and --check-config is also a key of the TOML"
          + " configuration file (see config/intermediate-server.toml); a flag overrides the file."
          + " SIGHUP re-reads the files and applies the log level and format, the limits and the"
          + " service policy; other changes need a restart.",
      "Without --cert/--key it uses certs/cert.pem and certs/key.pem (relative to the working"
          + " directory) and, if neither exists, generates a self-signed development certificate"
          + " for localhost there.",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the server shut down cleanly (or --help/--version, or a valid --check-config)",
      "1:the server failed at runtime",
      "2:invalid options, configuration or certificate/key files"
    },
    footerHeading = "%nWire protocol (ztna-v1, QUIC DATAGRAM frames; first byte = type):%n",
    footer = {
      "  0x01 / 0x02  server -> client  OBSERVED_ADDRESS: IPv4 (7 bytes) / IPv6 (19 bytes) + port,",
      "               after the handshake and after every validated address change",
      "  0x10 / 0x11  client -> server  REGISTER as Agent / Connector: length (1..255) + UTF-8 service id",
      "  other        both              an IP packet, relayed unchanged: Agent -> its service's Connector;",
      "               Connector -> its only Agent, or the Agent owning the inner destination address",
      "Application close codes: 0x101 malformed REGISTER, 0x102 replaced by a newer Connector,",
      "0x103 server shutting down, 0x104 refused by policy. Undeliverable datagrams are dropped",
      "and counted."
    })
public final class Main implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  /** Exit code for invalid usage, configuration or credentials. */
  public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

  /** Exit code when the server could not run. */
  public static final int EXIT_FAILURE = CommandLine.ExitCode.SOFTWARE;

  /** What actually runs the server once the configuration and credentials are ready. */
  @FunctionalInterface
  public interface Launcher {
    /** Runs the server until shutdown; returns the process exit code. */
    int run(ServerSettings settings, ServerCredentials credentials);
  }

  @Option(
      names = "--config",
      paramLabel = "FILE",
      order = -3,
      description =
          "TOML configuration file: every option below by its key, plus [auth], [limits] and"
              + " [[service]] tables (example: config/intermediate-server.toml).")
  private Path configFile;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      order = -2,
      description =
          "TOML file holding only the [[service]] policy tables (an error when --config also has"
              + " services).")
  private Path policyFile;

  @Option(
      names = "--check-config",
      order = -1,
      description =
          "Validate the configuration, print every effective value with where it came from"
              + " (default, file or flag) and exit: 0 when valid, 2 otherwise.")
  private boolean checkConfig;

  @Spec private CommandSpec spec;

  private final Launcher launcher;
  private final Path defaultCertDir;
  private PrintWriter err;

  private Main(Launcher launcher, Path defaultCertDir) {
    this.launcher = launcher;
    this.defaultCertDir = defaultCertDir;
  }

  /** Parses {@code args}, starts the server and exits with its exit code. */
  @SuppressWarnings("try") // the directory member runs beside the server until it stops
  public static void main(String[] args) {
    System.exit(
        execute(
            args,
            (settings, credentials) -> {
              try (ConfigReloader reloader = ConfigReloader.onSighup(settings);
                  // [cluster] member_id: the co-located directory cluster member (issue 11).
                  DirectoryHosting directory = DirectoryHosting.start(settings.cluster)) {
                return ServerLauncher.run(
                    settings.server, credentials, new RelayHosting(settings, reloader, directory));
              }
            }));
  }

  /**
   * Parses {@code args}, prepares the configuration and credentials, and calls {@code launcher};
   * returns the process exit code instead of exiting. The default certificate directory is {@code
   * certs} relative to the working directory.
   */
  public static int execute(String[] args, Launcher launcher) {
    return execute(args, launcher, Path.of("certs"), null, null);
  }

  /**
   * As {@link #execute(String[], Launcher)}, with the default certificate directory and the output
   * streams given (a {@code null} stream means the process's stdout/stderr).
   */
  static int execute(
      String[] args, Launcher launcher, Path defaultCertDir, PrintWriter out, PrintWriter err) {
    Main main = new Main(launcher, defaultCertDir);
    CommandLine cl = new CommandLine(main);
    addSettingOptions(cl.getCommandSpec());
    ClusterMemberCommand.addClusterOptions(
        cl.getSubcommands().get("cluster-member").getCommandSpec());
    if (out != null) {
      cl.setOut(out);
    }
    if (err != null) {
      cl.setErr(err);
    }
    main.err = cl.getErr();
    cl.setParameterExceptionHandler(
        (ex, unused) -> {
          PrintWriter e = ex.getCommandLine().getErr();
          e.println("error: " + ex.getMessage());
          e.println("Try '" + ex.getCommandLine().getCommandName() + " --help' for usage.");
          e.flush();
          return EXIT_USAGE;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, unused) -> {
          LOG.error("server failed", ex);
          c.getErr().println("error: server failed: " + ex);
          c.getErr().flush();
          return EXIT_FAILURE;
        });
    int code = cl.execute(args);
    cl.getOut().flush();
    cl.getErr().flush();
    return code;
  }

  /** One picocli option per {@link Settings} declaration with a flag, then help and version. */
  private static void addSettingOptions(CommandSpec spec) {
    for (Setting<?> s : Settings.ALL) {
      if (s.flag == null) {
        continue;
      }
      OptionSpec.Builder b =
          OptionSpec.builder(s.flag).paramLabel(s.paramLabel).description(s.helpWithDefault());
      if (s.type.repeatable()) {
        b.type(List.class).auxiliaryTypes(String.class);
      } else {
        b.type(String.class).arity("1");
      }
      spec.addOption(b.build());
    }
    spec.addOption(
        OptionSpec.builder("-h", "--help")
            .usageHelp(true)
            .description("Show this help message and exit.")
            .build());
    spec.addOption(
        OptionSpec.builder("-V", "--version")
            .versionHelp(true)
            .description("Print version information and exit.")
            .build());
  }

  /** The command-line strings of every setting flag that was given. */
  private Map<Setting<?>, List<String>> givenFlags() {
    ParseResult parsed = spec.commandLine().getParseResult();
    Map<Setting<?>, List<String>> flags = new LinkedHashMap<>();
    for (Setting<?> s : Settings.ALL) {
      if (s.flag != null && parsed.hasMatchedOption(s.flag)) {
        flags.put(s, List.copyOf(parsed.matchedOption(s.flag).stringValues()));
      }
    }
    return flags;
  }

  @Override
  public Integer call() {
    ServerSettings settings;
    try {
      settings = new ConfigLoader(configFile, policyFile, givenFlags(), defaultCertDir).load();
    } catch (ConfigException e) {
      return fail(e.getMessage());
    }
    if (settings.cpu >= 0) {
      String problem = LoopAffinity.problem(settings.cpu);
      if (problem != null) {
        return fail(Settings.CPU.name(settings.values.entry(Settings.CPU).origin) + " " + problem);
      }
    }
    if (checkConfig) {
      return checkConfig(settings);
    }
    String fabricProblem = RelayHosting.fabricProblem(settings);
    if (fabricProblem != null) {
      return fail(fabricProblem);
    }
    if (settings.isGiven(Settings.LOG_LEVEL) || settings.isGiven(Settings.LOG_FORMAT)) {
      Logging.apply(settings.logLevel, settings.logFormat);
    }
    ServerCredentials credentials;
    try {
      credentials = loadOrGenerateCredentials(settings, true);
    } catch (CredentialsException e) {
      return fail(e.getMessage());
    }
    if (settings.auth.mode == AuthMode.NONE) {
      LOG.warn(
          "auth.mode = none: any client that completes a handshake may register (development"
              + " only); set [auth] mode = \"mtls\" in production");
    } else {
      LOG.info("client authentication: mutual TLS, certificate {}", settings.server.clientAuth);
    }
    LOG.info(
        "starting: listen {}, retry {}, idle strategy {}, TLS credentials: {}, config {}",
        describe(settings.server.listen),
        settings.retry,
        settings.server.idleKind,
        credentials.describe(),
        configFile == null ? "none (defaults and flags)" : configFile);
    return launcher.run(settings, credentials);
  }

  private int checkConfig(ServerSettings settings) {
    PrintWriter out = spec.commandLine().getOut();
    String certificate;
    try {
      ServerCredentials credentials = loadOrGenerateCredentials(settings, false);
      certificate =
          credentials == null
              ? "none yet; a development certificate for localhost is generated at start"
              : credentials.describe();
    } catch (CredentialsException e) {
      return fail(e.getMessage());
    }
    out.print(settings.describe());
    out.println();
    out.println("# certificate: " + certificate);
    out.println("# configuration is valid");
    out.flush();
    return 0;
  }

  private int fail(String message) {
    err.println("error: " + message);
    err.flush();
    return EXIT_USAGE;
  }

  private static ServerCredentials loadOrGenerateCredentials(
      ServerSettings settings, boolean generate) throws CredentialsException {
    Path certFile = settings.server.certFile;
    Path keyFile = settings.server.keyFile;
    if (!settings.isGiven(Settings.CERT) && !settings.isGiven(Settings.KEY)) {
      boolean certExists = Files.exists(certFile);
      boolean keyExists = Files.exists(keyFile);
      if (!certExists && !keyExists) {
        return generate ? generateDevelopmentCredentials(certFile, keyFile) : null;
      }
      if (certExists != keyExists) {
        Path present = certExists ? certFile : keyFile;
        Path missing = certExists ? keyFile : certFile;
        throw new CredentialsException(
            "'"
                + present
                + "' exists but '"
                + missing
                + "' does not; provide both (--cert FILE --key FILE), or remove '"
                + present
                + "' to have a development certificate generated");
      }
    }
    return ServerCredentials.load(certFile, keyFile);
  }

  private static ServerCredentials generateDevelopmentCredentials(Path certFile, Path keyFile)
      throws CredentialsException {
    ServerCredentials generated =
        ServerCredentials.generateSelfSigned("localhost", ServerCredentials.KeyType.RSA);
    try {
      generated.writePem(certFile, keyFile);
    } catch (IOException e) {
      throw new CredentialsException(
          "cannot write the development certificate to '"
              + certFile
              + "' and '"
              + keyFile
              + "': "
              + e,
          e);
    }
    LOG.warn(
        "generated a self-signed DEVELOPMENT certificate for localhost in {} and {}:"
            + " clients cannot verify it; use --cert/--key with a real certificate in production",
        certFile,
        keyFile);
    return generated;
  }

  /**
   * Parses {@code HOST:PORT} strictly (see {@link ListenAddresses#parse}).
   *
   * @throws IllegalArgumentException with a readable reason
   */
  static InetSocketAddress parseListenAddress(String s) {
    return ListenAddresses.parse(s);
  }

  /** The RFC 5952 text form of an IPv6 address. */
  static String compress(Inet6Address address) {
    return ListenAddresses.compress(address);
  }

  /** {@code --version}: Implementation-Version from the jar manifest, or {@code dev}. */
  static final class ManifestVersion implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"intermediate-server " + version()};
    }

    static String version() {
      Package p = Main.class.getPackage();
      String v = p == null ? null : p.getImplementationVersion();
      return v == null || v.isBlank() ? "dev" : v;
    }
  }

  /** The addresses as {@code host:port} / {@code [v6]:port} strings, for logs. */
  static List<String> describe(List<InetSocketAddress> addresses) {
    return ListenAddresses.describe(addresses);
  }
}
