package dev.ztna.server.cli;

import dev.ztna.server.certs.CredentialsException;
import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.loop.ServerLauncher;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The {@code intermediate-server} command. */
@Command(
    name = "intermediate-server",
    mixinStandardHelpOptions = true,
    subcommands = StatCommand.class,
    versionProvider = Main.ManifestVersion.class,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "ZTNA intermediate server: a QUIC v1 relay (ALPN ztna-v1) between Agents and Connectors.",
      "",
      "Without --cert/--key it uses certs/cert.pem and certs/key.pem (relative to the working"
          + " directory) and, if neither exists, generates a self-signed development certificate"
          + " for localhost there.",
      "Log level: -Dztna.log.level=DEBUG|INFO|WARN|ERROR (default INFO).",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the server shut down cleanly (or --help/--version)",
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
      "0x103 server shutting down. Undeliverable datagrams are dropped and counted."
    })
public final class Main implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  /** Exit code for invalid usage, configuration or credentials. */
  public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

  /** Exit code when the server could not run. */
  public static final int EXIT_FAILURE = CommandLine.ExitCode.SOFTWARE;

  /** Default certificate chain file name inside the default certificate directory. */
  static final String DEFAULT_CERT_NAME = "cert.pem";

  /** Default private key file name inside the default certificate directory. */
  static final String DEFAULT_KEY_NAME = "key.pem";

  private static final long MAX_VARINT = (1L << 62) - 1;
  private static final long MAX_STREAMS = 1L << 60; // RFC 9000 §4.6

  /** What actually runs the server once options and credentials are ready. */
  @FunctionalInterface
  public interface Launcher {
    /** Runs the server until shutdown; returns the process exit code. */
    int run(ServerConfig config, ServerCredentials credentials);
  }

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      converter = ListenAddressConverter.class,
      description = {
        "UDP address to listen on; repeatable (default: 0.0.0.0:4433).",
        "IPv4 as 192.0.2.1:4433, IPv6 in brackets as [::]:4433 or [::1]:4433, or a host name."
      })
  private List<InetSocketAddress> listen;

  @Option(
      names = "--cert",
      paramLabel = "FILE",
      description = "PEM certificate chain, leaf first (default: certs/cert.pem).")
  private Path cert;

  @Option(
      names = "--key",
      paramLabel = "FILE",
      description =
          "PEM private key matching the leaf certificate: unencrypted PKCS#8, PKCS#1 (RSA) or"
              + " SEC1 (EC); RSA >= 2048 bits or EC P-256 (default: certs/key.pem).")
  private Path key;

  @Option(
      names = "--retry",
      paramLabel = "always|never",
      defaultValue = "always",
      converter = RetryConverter.class,
      description =
          "Stateless Retry (RFC 9000 section 8.1.2) for every new connection, or never"
              + " (default: ${DEFAULT-VALUE}).")
  private ServerConfig.RetryMode retry;

  @Option(
      names = "--idle-strategy",
      paramLabel = "busy-spin|backoff",
      defaultValue = "busy-spin",
      converter = IdleConverter.class,
      description =
          "How the network thread waits when idle: busy-spin (lowest latency, one core at 100%%)"
              + " or backoff (spin, yield, then park) (default: ${DEFAULT-VALUE}).")
  private ServerConfig.IdleKind idleStrategy;

  @Option(
      names = "--idle-timeout-ms",
      paramLabel = "N",
      defaultValue = "30000",
      description =
          "max_idle_timeout transport parameter in milliseconds; 0 disables it"
              + " (default: ${DEFAULT-VALUE}).")
  private long idleTimeoutMs;

  @Option(
      names = "--max-udp-payload",
      paramLabel = "N",
      defaultValue = "1350",
      description =
          "max_udp_payload_size: largest UDP payload sent and accepted, 1200..65527"
              + " (default: ${DEFAULT-VALUE}).")
  private int maxUdpPayload;

  @Option(
      names = "--max-datagram-frame-size",
      paramLabel = "N",
      defaultValue = "65535",
      description =
          "max_datagram_frame_size transport parameter (RFC 9221), 1..65535"
              + " (default: ${DEFAULT-VALUE}).")
  private int maxDatagramFrameSize;

  @Option(
      names = "--max-datagram-queue",
      paramLabel = "N",
      defaultValue = "1024",
      description =
          "Outgoing DATAGRAM messages queued per connection before new ones are dropped"
              + " (default: ${DEFAULT-VALUE}).")
  private int maxDatagramQueue;

  @Option(
      names = "--cid-length",
      paramLabel = "N",
      defaultValue = "8",
      description =
          "Length of server-chosen connection IDs in bytes, 4..20 (default: ${DEFAULT-VALUE}).")
  private int cidLength;

  @Option(
      names = "--token-lifetime-ms",
      paramLabel = "N",
      defaultValue = "10000",
      description =
          "How long a Retry token stays valid, in milliseconds (default: ${DEFAULT-VALUE}).")
  private long tokenLifetimeMs;

  @Option(
      names = "--initial-max-data",
      paramLabel = "N",
      defaultValue = "10000000",
      description = "initial_max_data transport parameter in bytes (default: ${DEFAULT-VALUE}).")
  private long initialMaxData;

  @Option(
      names = "--initial-max-stream-data",
      paramLabel = "N",
      defaultValue = "1000000",
      description =
          "initial_max_stream_data_bidi_local, _bidi_remote and _uni transport parameters in"
              + " bytes (default: ${DEFAULT-VALUE}).")
  private long initialMaxStreamData;

  @Option(
      names = "--initial-max-streams-bidi",
      paramLabel = "N",
      defaultValue = "100",
      description = "initial_max_streams_bidi transport parameter (default: ${DEFAULT-VALUE}).")
  private long initialMaxStreamsBidi;

  @Option(
      names = "--initial-max-streams-uni",
      paramLabel = "N",
      defaultValue = "100",
      description = "initial_max_streams_uni transport parameter (default: ${DEFAULT-VALUE}).")
  private long initialMaxStreamsUni;

  @Option(
      names = "--drain-timeout-ms",
      paramLabel = "N",
      defaultValue = "3000",
      description =
          "On shutdown (SIGINT/SIGTERM), how long to wait for connections to close, in"
              + " milliseconds (default: ${DEFAULT-VALUE}).")
  private long drainTimeoutMs;

  @Option(
      names = "--stats-interval-ms",
      paramLabel = "N",
      defaultValue = "60000",
      description =
          "How often to log a 'stats:' line (live connections, loop-thread allocation, heap, GC,"
              + " every non-zero counter), in milliseconds; 0 turns it off (default:"
              + " ${DEFAULT-VALUE}).")
  private long statsIntervalMs;

  @Option(
      names = "--counters-file",
      paramLabel = "FILE",
      description =
          "Memory-mapped counters file, read by the 'stat' command; deleted at a clean exit"
              + " (default: <java.io.tmpdir>/ztna-intermediate-server-<pid>.counters).")
  private Path countersFile;

  @Option(
      names = "--admin-listen",
      paramLabel = "HOST:PORT",
      converter = ListenAddressConverter.class,
      description =
          "Serve the HTTP admin endpoint (GET /metrics, /healthz, /readyz) on this TCP address"
              + " (default: off), e.g. 127.0.0.1:9090.")
  private InetSocketAddress adminListen;

  @Option(
      names = "--health-stale-ms",
      paramLabel = "N",
      defaultValue = "1000",
      description =
          "/healthz answers 503 when the loop's last duty cycle began more than N ms ago"
              + " (default: ${DEFAULT-VALUE}).")
  private long healthStaleMs;

  private final Launcher launcher;
  private final Path defaultCertDir;
  private PrintWriter err;

  private Main(Launcher launcher, Path defaultCertDir) {
    this.launcher = launcher;
    this.defaultCertDir = defaultCertDir;
  }

  /** Parses {@code args}, starts the server and exits with its exit code. */
  public static void main(String[] args) {
    System.exit(
        execute(
            args,
            (config, credentials) ->
                ServerLauncher.run(config, credentials, new RelayHosting(config))));
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

  @Override
  public Integer call() {
    ServerConfig config;
    try {
      config = buildConfig();
    } catch (IllegalArgumentException e) {
      return fail("invalid configuration: " + e.getMessage());
    }
    ServerCredentials credentials;
    try {
      credentials = loadOrGenerateCredentials(config);
    } catch (CredentialsException e) {
      return fail(e.getMessage());
    }
    LOG.info(
        "starting: listen {}, retry {}, idle strategy {}, TLS credentials: {}",
        describe(config.listen),
        config.retryMode,
        config.idleKind,
        credentials.describe());
    return launcher.run(config, credentials);
  }

  private int fail(String message) {
    err.println("error: " + message);
    err.flush();
    return EXIT_USAGE;
  }

  private ServerConfig buildConfig() {
    List<InetSocketAddress> addresses =
        listen == null ? List.of(new InetSocketAddress("0.0.0.0", 4433)) : listen;
    Set<InetSocketAddress> seen = new HashSet<>();
    for (InetSocketAddress a : addresses) {
      if (!seen.add(a)) {
        throw new IllegalArgumentException("--listen " + format(a) + " is given more than once");
      }
    }
    checkRange("--idle-timeout-ms", idleTimeoutMs, 0, MAX_VARINT);
    checkRange("--max-datagram-frame-size", maxDatagramFrameSize, 1, 65535);
    checkRange("--max-datagram-queue", maxDatagramQueue, 1, Integer.MAX_VALUE);
    checkRange("--token-lifetime-ms", tokenLifetimeMs, 1, MAX_VARINT);
    checkRange("--initial-max-data", initialMaxData, 0, MAX_VARINT);
    checkRange("--initial-max-stream-data", initialMaxStreamData, 0, MAX_VARINT);
    checkRange("--initial-max-streams-bidi", initialMaxStreamsBidi, 0, MAX_STREAMS);
    checkRange("--initial-max-streams-uni", initialMaxStreamsUni, 0, MAX_STREAMS);
    checkRange("--drain-timeout-ms", drainTimeoutMs, 0, MAX_VARINT);
    checkRange("--stats-interval-ms", statsIntervalMs, 0, MAX_VARINT);
    checkRange("--health-stale-ms", healthStaleMs, 1, MAX_VARINT);
    return ServerConfig.builder()
        .listen(addresses)
        .certFile(cert != null ? cert : defaultCertDir.resolve(DEFAULT_CERT_NAME))
        .keyFile(key != null ? key : defaultCertDir.resolve(DEFAULT_KEY_NAME))
        .retryMode(retry)
        .idleKind(idleStrategy)
        .idleTimeoutMs(idleTimeoutMs)
        .maxUdpPayloadSize(maxUdpPayload)
        .maxDatagramFrameSize(maxDatagramFrameSize)
        .maxDatagramQueue(maxDatagramQueue)
        .cidLength(cidLength)
        .tokenLifetime(Duration.ofMillis(tokenLifetimeMs))
        .initialMaxData(initialMaxData)
        .initialMaxStreamData(initialMaxStreamData)
        .initialMaxStreamsBidi(initialMaxStreamsBidi)
        .initialMaxStreamsUni(initialMaxStreamsUni)
        .drainTimeout(Duration.ofMillis(drainTimeoutMs))
        .statsInterval(Duration.ofMillis(statsIntervalMs))
        .countersFile(countersFile)
        .adminListen(adminListen)
        .healthStale(Duration.ofMillis(healthStaleMs))
        .build();
  }

  private static void checkRange(String option, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          option + " must be " + min + ".." + max + ", got " + value);
    }
  }

  private ServerCredentials loadOrGenerateCredentials(ServerConfig config)
      throws CredentialsException {
    Path certFile = config.certFile;
    Path keyFile = config.keyFile;
    if (cert == null && key == null) {
      boolean certExists = Files.exists(certFile);
      boolean keyExists = Files.exists(keyFile);
      if (!certExists && !keyExists) {
        return generateDevelopmentCredentials(certFile, keyFile);
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

  // ---------------------------------------------------------------------------------------------
  // option parsing

  private static final Pattern IPV4 =
      Pattern.compile(
          "(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})");
  private static final Pattern NUMERIC_DOTTED = Pattern.compile("[0-9.]+");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+(%[0-9A-Za-z._-]+)?");
  private static final Pattern HOST_NAME =
      Pattern.compile(
          "(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
              + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

  /**
   * Parses {@code HOST:PORT} strictly: a dotted-quad IPv4 address, a bracketed IPv6 address ({@code
   * [::1]:4433}) or a host name (resolved now), and a decimal port 0..65535.
   *
   * @throws IllegalArgumentException with a readable reason
   */
  static InetSocketAddress parseListenAddress(String s) {
    String host;
    String port;
    boolean bracketed = s.startsWith("[");
    if (bracketed) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("missing ']' after the IPv6 address");
      }
      if (close + 1 >= s.length() || s.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("expected [IPv6]:PORT, e.g. [::1]:4433");
      }
      host = s.substring(1, close);
      port = s.substring(close + 2);
    } else {
      int colon = s.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("missing port; expected HOST:PORT, e.g. 0.0.0.0:4433");
      }
      host = s.substring(0, colon);
      port = s.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException(
            "IPv6 addresses must be in brackets, e.g. [::]:4433 or [::1]:4433");
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("missing host; expected HOST:PORT, e.g. 0.0.0.0:4433");
    }
    if (!PORT.matcher(port).matches() || Integer.parseInt(port) > 65535) {
      throw new IllegalArgumentException("invalid port '" + port + "'; expected 0..65535");
    }
    return new InetSocketAddress(parseHost(host, bracketed), Integer.parseInt(port));
  }

  private static InetAddress parseHost(String host, boolean bracketed) {
    try {
      if (bracketed) {
        if (host.indexOf(':') < 0 || !IPV6_CHARS.matcher(host).matches()) {
          throw new IllegalArgumentException("'" + host + "' is not an IPv6 address");
        }
        // A string with ':' is parsed as an IPv6 literal, never looked up in DNS.
        return InetAddress.getByName(host);
      }
      if (NUMERIC_DOTTED.matcher(host).matches()) {
        Matcher m = IPV4.matcher(host);
        if (!m.matches()) {
          throw new IllegalArgumentException("'" + host + "' is not an IPv4 address");
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
          int octet = Integer.parseInt(m.group(i + 1));
          if (octet > 255) {
            throw new IllegalArgumentException("'" + host + "' is not an IPv4 address");
          }
          b[i] = (byte) octet;
        }
        return InetAddress.getByAddress(b);
      }
      if (!HOST_NAME.matcher(host).matches()) {
        throw new IllegalArgumentException("'" + host + "' is not a valid host name");
      }
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot resolve '" + host + "'", e);
    }
  }

  private static String format(InetSocketAddress a) {
    InetAddress address = a.getAddress();
    if (address instanceof Inet6Address) {
      return "[" + compress((Inet6Address) address) + "]:" + a.getPort();
    }
    String h = address == null ? a.getHostString() : address.getHostAddress();
    return h + ":" + a.getPort();
  }

  /** The RFC 5952 text form: lower-case hex, the longest run (2+) of zero groups as "::". */
  static String compress(Inet6Address address) {
    byte[] b = address.getAddress();
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLength - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    if (address.getScopeId() != 0 || address.getScopedInterface() != null) {
      String full = address.getHostAddress();
      int percent = full.indexOf('%');
      if (percent >= 0) {
        sb.append(full, percent, full.length());
      }
    }
    return sb.toString();
  }

  /** picocli converter for {@code --listen}. */
  static final class ListenAddressConverter implements ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String value) {
      try {
        return parseListenAddress(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "': " + e.getMessage());
      }
    }
  }

  /** picocli converter for {@code --retry}. */
  static final class RetryConverter implements ITypeConverter<ServerConfig.RetryMode> {
    @Override
    public ServerConfig.RetryMode convert(String value) {
      switch (value.toLowerCase(Locale.ROOT)) {
        case "always":
          return ServerConfig.RetryMode.ALWAYS;
        case "never":
          return ServerConfig.RetryMode.NEVER;
        default:
          throw new TypeConversionException("'" + value + "': expected always or never");
      }
    }
  }

  /** picocli converter for {@code --idle-strategy}. */
  static final class IdleConverter implements ITypeConverter<ServerConfig.IdleKind> {
    @Override
    public ServerConfig.IdleKind convert(String value) {
      switch (value.toLowerCase(Locale.ROOT)) {
        case "busy-spin":
          return ServerConfig.IdleKind.BUSY_SPIN;
        case "backoff":
          return ServerConfig.IdleKind.BACKOFF;
        default:
          throw new TypeConversionException("'" + value + "': expected busy-spin or backoff");
      }
    }
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
    List<String> out = new ArrayList<>(addresses.size());
    for (InetSocketAddress a : addresses) {
      out.add(format(a));
    }
    return out;
  }
}
