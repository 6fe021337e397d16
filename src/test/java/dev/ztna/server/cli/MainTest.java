package dev.ztna.server.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.certs.ServerCredentials.KeyType;
import dev.ztna.server.certs.TestPki;
import dev.ztna.server.config.AuthMode;
import dev.ztna.server.config.Origin;
import dev.ztna.server.config.RetryPolicy;
import dev.ztna.server.config.ServerSettings;
import dev.ztna.server.config.ServicePolicy;
import dev.ztna.server.config.Setting;
import dev.ztna.server.config.Settings;
import dev.ztna.server.logging.LogFormat;
import dev.ztna.server.logging.LogLevel;
import dev.ztna.server.loop.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {
  private static ServerCredentials rsa;
  private static ServerCredentials ec;

  @TempDir Path tmp;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private ServerSettings settings;
  private ServerConfig config;
  private ServerCredentials credentials;
  private int launches;

  // Runs with --log-level change the JVM's root level (Logging.apply): put it back for later tests.
  private static final ch.qos.logback.classic.Logger ROOT =
      (ch.qos.logback.classic.Logger)
          org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private static ch.qos.logback.classic.Level rootLevel;

  @BeforeAll
  static void saveRootLevel() {
    rootLevel = ROOT.getLevel();
  }

  @AfterEach
  void restoreRootLevel() {
    // A run with --log-level or --log-format reconfigures this JVM's logging: put it back.
    dev.ztna.server.logging.Logging.apply(
        dev.ztna.server.logging.LogLevel.valueOf(rootLevel.levelStr),
        dev.ztna.server.logging.LogFormat.TEXT);
    ROOT.setLevel(rootLevel);
  }

  @BeforeAll
  static void credentials() {
    rsa = ServerCredentials.generateSelfSigned("localhost", KeyType.RSA);
    ec = ServerCredentials.generateSelfSigned("localhost", KeyType.EC_P256);
  }

  private int run(String... args) {
    return runWith(
        (c, cr) -> {
          settings = c;
          config = c.server;
          credentials = cr;
          launches++;
          return 0;
        },
        args);
  }

  private int runWith(Main.Launcher launcher, String... args) {
    return Main.execute(
        args, launcher, tmp.resolve("certs"), new PrintWriter(out), new PrintWriter(err));
  }

  /** Writes RSA credentials into the default directory so that runs do not generate any. */
  private void defaultCredentialsPresent() throws Exception {
    rsa.writePem(tmp.resolve("certs/cert.pem"), tmp.resolve("certs/key.pem"));
  }

  // ---------------------------------------------------------------------------------------------
  // help and version

  @Test
  void helpListsEveryOption() {
    assertEquals(0, run("--help"));
    String help = out.toString();
    for (String option :
        List.of(
            "--listen",
            "--cert",
            "--key",
            "--retry",
            "--idle-strategy",
            "--idle-timeout-ms",
            "--max-udp-payload",
            "--max-datagram-frame-size",
            "--max-datagram-queue",
            "--cid-length",
            "--token-lifetime-ms",
            "--initial-max-data",
            "--initial-max-stream-data",
            "--initial-max-streams-bidi",
            "--initial-max-streams-uni",
            "--drain-timeout-ms",
            "--help",
            "--version")) {
      assertTrue(help.contains(option), option + " missing from help:\n" + help);
    }
    assertTrue(help.contains("default: 0.0.0.0:4433"), help);
    assertTrue(help.contains("[::1]:4433"), help);
    assertTrue(help.contains("certs/cert.pem"), help);
    assertTrue(help.contains("certs/key.pem"), help);
    assertTrue(help.contains("always|never|under-load"), help);
    assertTrue(help.contains("busy-spin|backoff"), help);
    assertTrue(help.contains("(default: 30000)"), help);
    assertTrue(help.contains("(default: 1350)"), help);
    assertEquals(0, launches);
  }

  @Test
  void versionIsDevOutsideAJar() {
    assertEquals(0, run("--version"));
    assertEquals("intermediate-server dev", out.toString().strip());
    assertEquals(0, launches);
  }

  // ---------------------------------------------------------------------------------------------
  // options into ServerConfig

  @Test
  void defaultsAreTheServerConfigDefaults() throws Exception {
    defaultCredentialsPresent();
    assertEquals(0, run());
    ServerConfig d = ServerConfig.builder().build();
    assertEquals(List.of(new InetSocketAddress("0.0.0.0", 4433)), config.listen);
    assertEquals(d.listen, config.listen);
    assertEquals(tmp.resolve("certs/cert.pem"), config.certFile);
    assertEquals(tmp.resolve("certs/key.pem"), config.keyFile);
    assertEquals(d.retryMode, config.retryMode);
    assertEquals(ServerConfig.RetryMode.ALWAYS, config.retryMode);
    assertEquals(d.idleKind, config.idleKind);
    assertEquals(ServerConfig.IdleKind.BUSY_SPIN, config.idleKind);
    assertEquals(d.tokenLifetime, config.tokenLifetime);
    assertEquals(d.idleTimeoutMs, config.idleTimeoutMs);
    assertEquals(d.maxUdpPayloadSize, config.maxUdpPayloadSize);
    assertEquals(d.maxDatagramFrameSize, config.maxDatagramFrameSize);
    assertEquals(d.cidLength, config.cidLength);
    assertEquals(d.initialMaxData, config.initialMaxData);
    assertEquals(d.initialMaxStreamData, config.initialMaxStreamData);
    assertEquals(d.initialMaxStreamsBidi, config.initialMaxStreamsBidi);
    assertEquals(d.initialMaxStreamsUni, config.initialMaxStreamsUni);
    assertEquals(d.maxDatagramQueue, config.maxDatagramQueue);
    assertEquals(d.drainTimeout, config.drainTimeout);
    assertEquals(KeyType.RSA, credentials.keyType());
    assertArrayEquals(rsa.chainDer().get(0), credentials.chainDer().get(0));
    assertEquals("", err.toString());
  }

  @Test
  void everyOptionIsParsed() throws Exception {
    Path cert = tmp.resolve("ec-cert.pem");
    Path key = tmp.resolve("ec-key.pem");
    ec.writePem(cert, key);
    int code =
        run(
            "--listen", "127.0.0.1:5000",
            "--listen", "[::1]:5001",
            "--cert", cert.toString(),
            "--key", key.toString(),
            "--retry", "never",
            "--idle-strategy", "backoff",
            "--idle-timeout-ms", "12345",
            "--max-udp-payload", "1452",
            "--max-datagram-frame-size", "1400",
            "--max-datagram-queue", "77",
            "--cid-length", "16",
            "--token-lifetime-ms", "2500",
            "--initial-max-data", "123456789",
            "--initial-max-stream-data", "654321",
            "--initial-max-streams-bidi", "7",
            "--initial-max-streams-uni", "0",
            "--drain-timeout-ms", "0");
    assertEquals(0, code, err.toString());
    assertEquals(
        List.of(
            new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 5000),
            new InetSocketAddress(InetAddress.getByName("::1"), 5001)),
        config.listen);
    assertEquals(cert, config.certFile);
    assertEquals(key, config.keyFile);
    assertEquals(ServerConfig.RetryMode.NEVER, config.retryMode);
    assertEquals(ServerConfig.IdleKind.BACKOFF, config.idleKind);
    assertEquals(12345, config.idleTimeoutMs);
    assertEquals(1452, config.maxUdpPayloadSize);
    assertEquals(1400, config.maxDatagramFrameSize);
    assertEquals(77, config.maxDatagramQueue);
    assertEquals(16, config.cidLength);
    assertEquals(Duration.ofMillis(2500), config.tokenLifetime);
    assertEquals(123456789, config.initialMaxData);
    assertEquals(654321, config.initialMaxStreamData);
    assertEquals(7, config.initialMaxStreamsBidi);
    assertEquals(0, config.initialMaxStreamsUni);
    assertEquals(Duration.ZERO, config.drainTimeout);
    assertEquals(KeyType.EC_P256, credentials.keyType());
    assertArrayEquals(ec.chainDer().get(0), credentials.chainDer().get(0));
    assertFalse(Files.exists(tmp.resolve("certs")), "nothing generated when files are given");
  }

  @Test
  void optionValuesAcceptEqualsSyntaxAndAnyCase() throws Exception {
    defaultCredentialsPresent();
    assertEquals(0, run("--retry=NEVER", "--idle-strategy=Busy-Spin", "--cid-length=20"));
    assertEquals(ServerConfig.RetryMode.NEVER, config.retryMode);
    assertEquals(ServerConfig.IdleKind.BUSY_SPIN, config.idleKind);
    assertEquals(20, config.cidLength);
  }

  @Test
  void retryUnderLoad() throws Exception {
    defaultCredentialsPresent();
    assertEquals(0, run("--retry", "under-load"));
    assertEquals(ServerConfig.RetryMode.UNDER_LOAD, config.retryMode);
  }

  @Test
  void ipv6ListenAddresses() throws Exception {
    defaultCredentialsPresent();
    assertEquals(
        0, run("--listen", "[::]:4433", "--listen", "[::1]:4434", "--listen", "[2001:db8::7]:1"));
    InetSocketAddress any = config.listen.get(0);
    assertTrue(any.getAddress() instanceof Inet6Address);
    assertTrue(any.getAddress().isAnyLocalAddress());
    assertEquals(4433, any.getPort());
    assertTrue(config.listen.get(1).getAddress() instanceof Inet6Address);
    assertTrue(config.listen.get(1).getAddress().isLoopbackAddress());
    assertEquals(4434, config.listen.get(1).getPort());
    assertEquals(InetAddress.getByName("2001:db8::7"), config.listen.get(2).getAddress());
    assertEquals(
        List.of("[::]:4433", "[::1]:4434", "[2001:db8::7]:1"), Main.describe(config.listen));
  }

  @Test
  void ipv6TextFormFollowsRfc5952() throws Exception {
    String[][] cases = {
      {"::", "::"},
      {"::1", "::1"},
      {"1::", "1::"},
      {"2001:DB8:0:0:0:0:0:7", "2001:db8::7"},
      {"2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"},
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
      {"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},
      {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
      {"1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"},
      {"fe80::1%1", "fe80::1%1"}
    };
    for (String[] c : cases) {
      assertEquals(c[1], Main.compress((Inet6Address) InetAddress.getByName(c[0])), c[0]);
    }
  }

  @Test
  void listenAddressParsing() throws Exception {
    InetSocketAddress a = Main.parseListenAddress("0.0.0.0:4433");
    assertTrue(a.getAddress() instanceof Inet4Address);
    assertTrue(a.getAddress().isAnyLocalAddress());
    assertEquals(4433, a.getPort());
    assertEquals(0, Main.parseListenAddress("127.0.0.1:0").getPort());
    assertEquals(65535, Main.parseListenAddress("10.1.2.3:65535").getPort());
    assertEquals(
        InetAddress.getByName("192.168.10.255"),
        Main.parseListenAddress("192.168.10.255:1").getAddress());
    InetSocketAddress local = Main.parseListenAddress("localhost:4433");
    assertNotNull(local.getAddress());
    assertTrue(local.getAddress().isLoopbackAddress());
    assertEquals(
        InetAddress.getByName("::ffff:10.0.0.1"),
        Main.parseListenAddress("[::ffff:10.0.0.1]:9").getAddress());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0.0.0.0",
        "4433",
        ":4433",
        "0.0.0.0:",
        "::1:4433",
        ":::4433",
        "[::1]4433",
        "[::1]",
        "[::1:4433",
        "[]:4433",
        "[1.2.3.4]:4433",
        "[localhost]:4433",
        "[::g]:4433",
        "1.2.3:4433",
        "1.2.3.4.5:4433",
        "256.0.0.1:4433",
        "01.2.3.4:4433",
        "1.2.3.4:65536",
        "1.2.3.4:-1",
        "1.2.3.4:+1",
        "1.2.3.4: 1",
        "1.2.3.4:0x10",
        "1.2.3.4:123456",
        "bad_host:4433",
        "-bad:4433",
        "1.2.3.4:4433 "
      })
  void badListenAddressesAreUsageErrors(String value) {
    assertThrows(IllegalArgumentException.class, () -> Main.parseListenAddress(value));
    assertEquals(2, run("--listen", value), value);
    assertTrue(err.toString().startsWith("error: "), err.toString());
    assertTrue(err.toString().contains("--listen"), err.toString());
    assertEquals(0, launches);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "--retry sometimes",
        "--retry",
        "--idle-strategy spin",
        "--cid-length 3",
        "--cid-length 21",
        "--cid-length x",
        "--max-udp-payload 1199",
        "--max-udp-payload 65528",
        "--max-udp-payload 99999999999",
        "--idle-timeout-ms -1",
        "--max-datagram-frame-size 0",
        "--max-datagram-frame-size 65536",
        "--max-datagram-queue 0",
        "--token-lifetime-ms 0",
        "--initial-max-data -5",
        "--initial-max-data 4611686018427387904",
        "--initial-max-stream-data -1",
        "--initial-max-streams-bidi 1152921504606846977",
        "--initial-max-streams-uni -1",
        "--drain-timeout-ms -1",
        "--listen 1.2.3.4:1 --listen 1.2.3.4:1",
        "--no-such-option",
        "positional"
      })
  void badValuesAreUsageErrors(String args) throws Exception {
    defaultCredentialsPresent();
    assertEquals(2, run(args.split(" ")), args);
    assertTrue(err.toString().startsWith("error: "), err.toString());
    assertEquals(0, launches);
  }

  @Test
  void outOfRangeMessageNamesTheProblem() throws Exception {
    defaultCredentialsPresent();
    assertEquals(2, run("--cid-length", "3"));
    assertTrue(err.toString().contains("--cid-length must be 4..20, got 3"), err.toString());
    err.getBuffer().setLength(0);
    assertEquals(2, run("--max-datagram-queue", "0"));
    assertTrue(err.toString().contains("--max-datagram-queue must be 1.."), err.toString());
  }

  @Test
  void extremeButValidValuesAreAccepted() throws Exception {
    defaultCredentialsPresent();
    assertEquals(
        0,
        run(
            "--initial-max-streams-bidi", "1152921504606846976",
            "--initial-max-data", "4611686018427387903",
            "--idle-timeout-ms", "0",
            "--max-udp-payload", "1200",
            "--cid-length", "4"),
        err.toString());
    assertEquals(1L << 60, config.initialMaxStreamsBidi);
    assertEquals((1L << 62) - 1, config.initialMaxData);
  }

  // ---------------------------------------------------------------------------------------------
  // credentials

  @Test
  void generatesDevelopmentCertificateWhenBothDefaultsAreMissing() throws Exception {
    Path certs = tmp.resolve("certs");
    assertFalse(Files.exists(certs));
    assertEquals(0, run(), err.toString());
    assertEquals(1, launches);
    assertTrue(Files.isRegularFile(certs.resolve("cert.pem")));
    assertTrue(Files.isRegularFile(certs.resolve("key.pem")));
    if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertEquals(
          PosixFilePermissions.fromString("rw-------"),
          Files.getPosixFilePermissions(certs.resolve("key.pem")));
    }
    assertEquals(KeyType.RSA, credentials.keyType());
    assertTrue(
        credentials.describe().startsWith("RSA 2048, CN=localhost, expires "),
        credentials.describe());
    byte[] generated = credentials.chainDer().get(0);

    // The next start loads the same files instead of generating new ones.
    credentials = null;
    assertEquals(0, run());
    assertArrayEquals(generated, credentials.chainDer().get(0));
    assertEquals(2, launches);
  }

  @Test
  void onlyOneDefaultFileIsAnError() throws Exception {
    defaultCredentialsPresent();
    Files.delete(tmp.resolve("certs/key.pem"));
    assertEquals(2, run());
    assertTrue(err.toString().contains("key.pem"), err.toString());
    assertTrue(err.toString().contains("does not"), err.toString());
    assertFalse(Files.exists(tmp.resolve("certs/key.pem")), "must not generate over a lone file");

    err.getBuffer().setLength(0);
    Files.delete(tmp.resolve("certs/cert.pem"));
    rsa.writePem(tmp.resolve("other-cert.pem"), tmp.resolve("certs/key.pem"));
    assertEquals(2, run());
    assertTrue(err.toString().contains("cert.pem"), err.toString());
    assertEquals(0, launches);
  }

  @Test
  void explicitMissingFilesAreErrors() throws Exception {
    Path cert = tmp.resolve("cert.pem");
    Path key = tmp.resolve("key.pem");
    rsa.writePem(cert, key);
    Path missing = tmp.resolve("missing.pem");
    assertEquals(2, run("--cert", missing.toString(), "--key", key.toString()));
    assertTrue(err.toString().contains("'" + missing + "' does not exist"), err.toString());
    err.getBuffer().setLength(0);
    assertEquals(2, run("--cert", cert.toString(), "--key", missing.toString()));
    assertTrue(err.toString().contains("'" + missing + "' does not exist"), err.toString());
    assertEquals(0, launches);
    assertFalse(Files.exists(tmp.resolve("certs")), "no development certificate generated");
  }

  @Test
  void oneExplicitFileDoesNotGenerateTheOther() throws Exception {
    Path cert = tmp.resolve("cert.pem");
    rsa.writePem(cert, tmp.resolve("key.pem"));
    assertEquals(2, run("--cert", cert.toString()));
    assertTrue(err.toString().contains("does not exist"), err.toString());
    assertFalse(Files.exists(tmp.resolve("certs")));
    assertEquals(0, launches);
  }

  @Test
  void explicitDefaultLookingPathsAreExplicit() throws Exception {
    Path cert = tmp.resolve("certs/cert.pem");
    Path key = tmp.resolve("certs/key.pem");
    assertEquals(2, run("--cert", cert.toString(), "--key", key.toString()));
    assertFalse(Files.exists(cert), "explicit files are never generated");
  }

  @Test
  void mismatchedKeyIsAnError() throws Exception {
    Path cert = tmp.resolve("cert.pem");
    rsa.writePem(cert, tmp.resolve("key.pem"));
    Path otherKey = tmp.resolve("other-key.pem");
    ec.writePem(tmp.resolve("other-cert.pem"), otherKey);
    assertEquals(2, run("--cert", cert.toString(), "--key", otherKey.toString()));
    assertTrue(err.toString().contains("private key does not match certificate"), err.toString());
    assertEquals(0, launches);
  }

  @Test
  void garbageCertificateIsAnError() throws Exception {
    defaultCredentialsPresent();
    Files.writeString(tmp.resolve("certs/cert.pem"), "not a certificate");
    assertEquals(2, run());
    assertTrue(err.toString().contains("contains no certificate"), err.toString());
  }

  // ---------------------------------------------------------------------------------------------
  // launcher

  @Test
  void launcherExitCodeIsReturned() throws Exception {
    defaultCredentialsPresent();
    assertEquals(7, runWith((c, cr) -> 7));
    assertNull(config);
  }

  @Test
  void launcherFailureIsExitCodeOne() throws Exception {
    defaultCredentialsPresent();
    int code =
        runWith(
            (c, cr) -> {
              throw new IllegalStateException("cannot bind");
            });
    assertEquals(1, code);
    assertTrue(err.toString().contains("cannot bind"), err.toString());
  }

  // ---------------------------------------------------------------------------------------------
  // configuration file

  private Path configFile(String toml) throws Exception {
    Path f = tmp.resolve("server.toml");
    Files.writeString(f, toml);
    return f;
  }

  @Test
  void configFileSetsValuesAndFlagsOverrideIt() throws Exception {
    defaultCredentialsPresent();
    Path f =
        configFile(
            "listen = [\"127.0.0.1:5000\", \"[::1]:5001\"]\n"
                + "retry = \"never\"\n"
                + "cid_length = 12\n"
                + "idle_timeout_ms = 5000\n"
                + "[log]\nformat = \"text\"\n"
                + "[limits]\nmax_connections = 42\nmax_half_open_per_ip = 0\n");
    assertEquals(0, run("--config", f.toString(), "--cid-length", "16"), err.toString());
    assertEquals(
        List.of("127.0.0.1:5000", "[::1]:5001"), Main.describe(config.listen), "from the file");
    assertEquals(ServerConfig.RetryMode.NEVER, config.retryMode);
    assertEquals(16, config.cidLength, "the flag overrides the file");
    assertEquals(5000, config.idleTimeoutMs);
    assertEquals(1350, config.maxUdpPayloadSize, "neither: the default");
    assertEquals(42, settings.limits.maxConnections);
    assertEquals(0, settings.limits.maxHalfOpenPerIp);
    assertEquals(1000, settings.limits.maxConnectionsPerIp);
    assertEquals(Origin.FILE, settings.values.entry(Settings.RETRY).origin);
    assertEquals(Origin.FLAG, settings.values.entry(Settings.CID_LENGTH).origin);
    assertEquals(Origin.DEFAULT, settings.values.entry(Settings.MAX_UDP_PAYLOAD).origin);
    // A flag for a repeatable option replaces the file's whole list.
    assertEquals(0, run("--config", f.toString(), "--listen", "127.0.0.1:6000"), err.toString());
    assertEquals(List.of("127.0.0.1:6000"), Main.describe(config.listen));
  }

  @Test
  void everyFlagHasAConfigKeyAndTheExampleFileHoldsTheDefaults() throws Exception {
    defaultCredentialsPresent();
    Path example = Path.of("config", "intermediate-server.toml");
    assertEquals(0, run("--config", example.toString(), "--check-config"), err.toString());
    String effective = out.toString();
    for (Setting<?> s : Settings.ALL) {
      String name = s.key.substring(s.key.indexOf('.') + 1);
      if (s.defaultValue != null) {
        assertTrue(effective.contains(name + " = "), name + " missing:\n" + effective);
      }
    }
    assertNull(settings, "--check-config does not launch");
    // Every value in the example is at its default (cert/key relative to the working directory).
    assertEquals(0, run("--config", example.toString()), err.toString());
    for (Setting<?> s : Settings.ALL) {
      if (s != Settings.CERT && s != Settings.KEY) {
        assertEquals(s.defaultValue, settings.values.get(s), s.key);
      }
    }
    assertEquals(AuthMode.NONE, settings.auth.mode);
  }

  @Test
  void unknownKeyIsExitTwoNamingTheKey() throws Exception {
    defaultCredentialsPresent();
    Path f = configFile("cid_length = 8\n[limits]\nmax_conections = 5\n");
    assertEquals(2, run("--config", f.toString()));
    assertTrue(err.toString().contains("unknown key 'limits.max_conections'"), err.toString());
    assertTrue(err.toString().contains(f.toString()), err.toString());
    err.getBuffer().setLength(0);
    assertEquals(2, run("--config", configFile("[nosuchtable]\nx = 1\n").toString()));
    assertTrue(err.toString().contains("unknown key 'nosuchtable'"), err.toString());
    assertEquals(0, launches);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "cid_length = \"8\"|'cid_length' must be an integer 4..20, got a string",
        "listen = \"0.0.0.0:4433\"|'listen' must be an array",
        "retry = true|'retry' must be one of always, never, under-load, got a boolean",
        "idle_timeout_ms = 1.5|'idle_timeout_ms' must be an integer",
        "cert = 1979-05-27|'cert' must be a path string, got a date/time",
        "limits = 5|'limits' must be a table",
        "[log]\nlevel = \"loud\"|'log.level' must be one of trace, debug, info, warn, error",
        "[limits]\nmax_connections = [1]|'limits.max_connections' must be an integer"
      })
  void wrongTypeIsExitTwoNamingTheKey(String testCase) throws Exception {
    defaultCredentialsPresent();
    String[] parts = testCase.split("\\|");
    assertEquals(2, run("--config", configFile(parts[0]).toString()), parts[0]);
    assertTrue(err.toString().contains(parts[1]), err.toString());
    assertEquals(0, launches);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "cid_length = 3|'cid_length' must be 4..20, got 3",
        "max_udp_payload = 65528|'max_udp_payload' must be 1200..65527, got 65528",
        "initial_max_data = 4611686018427387904|'initial_max_data' must be 0..4611686018427387903",
        "idle_timeout_ms = 99999999999999999999999|'idle_timeout_ms' must be 0..",
        "[limits]\nmax_connections = -1|'limits.max_connections' must be 0..2147483647, got -1",
        "[limits]\nhandshake_timeout_ms = 0|'limits.handshake_timeout_ms' must be 1..",
        "listen = []|'listen' must list at least one address",
        "listen = [\"1.2.3.4:1\", \"1.2.3.4:1\"]|'listen' 1.2.3.4:1 is given more than once",
        "listen = [\"256.0.0.1:1\"]|'listen' '256.0.0.1:1': '256.0.0.1' is not an IPv4 address"
      })
  void outOfRangeIsExitTwoNamingTheKey(String testCase) throws Exception {
    defaultCredentialsPresent();
    String[] parts = testCase.split("\\|");
    assertEquals(2, run("--config", configFile(parts[0]).toString()), parts[0]);
    assertTrue(err.toString().contains(parts[1]), err.toString());
    assertEquals(0, launches);
  }

  @Test
  void syntaxErrorsNameTheLine() throws Exception {
    defaultCredentialsPresent();
    assertEquals(2, run("--config", configFile("cid_length = 8\nretry = \n").toString()));
    assertTrue(err.toString().contains("line 2"), err.toString());
    err.getBuffer().setLength(0);
    assertEquals(2, run("--config", configFile("cid_length = 8\ncid_length = 9\n").toString()));
    assertTrue(err.toString().contains(", line "), err.toString());
    assertTrue(err.toString().contains("Duplicate key"), err.toString());
    err.getBuffer().setLength(0);
    assertEquals(2, run("--config", tmp.resolve("missing.toml").toString()));
    assertTrue(err.toString().contains("does not exist"), err.toString());
    assertEquals(0, launches);
  }

  @Test
  void checkConfigPrintsEveryValueWithItsOriginAndDoesNotLaunch() throws Exception {
    Path f = configFile("retry = \"never\"\n[limits]\nmax_connections = 7\n");
    assertEquals(0, run("--config", f.toString(), "--check-config", "--cid-length", "10"));
    String printed = out.toString();
    assertTrue(printed.contains("retry = \"never\"  # file " + f), printed);
    assertTrue(printed.contains("cid_length = 10  # flag"), printed);
    assertTrue(printed.contains("max_udp_payload = 1350  # default"), printed);
    assertTrue(printed.contains("[limits]\nmax_connections = 7  # file " + f), printed);
    assertTrue(printed.contains("listen = [\"0.0.0.0:4433\"]  # default"), printed);
    assertTrue(printed.contains("# configuration is valid"), printed);
    assertTrue(printed.contains("development certificate"), printed);
    assertEquals(0, launches);
    assertFalse(Files.exists(tmp.resolve("certs")), "--check-config generates nothing");

    // The printed configuration is itself a valid configuration file with the same values (its
    // cert and key are explicit there, so they must exist).
    defaultCredentialsPresent();
    Path again = tmp.resolve("again.toml");
    Files.writeString(again, printed);
    out.getBuffer().setLength(0);
    assertEquals(0, run("--config", again.toString(), "--check-config"), err.toString());
    assertTrue(out.toString().contains("cid_length = 10  # file"), out.toString());

    out.getBuffer().setLength(0);
    assertEquals(2, run("--config", configFile("cid_length = 2\n").toString(), "--check-config"));
    assertTrue(err.toString().contains("'cid_length' must be 4..20"), err.toString());
    assertEquals("", out.toString());
  }

  @Test
  void servicesAuthAndPolicyFile() throws Exception {
    defaultCredentialsPresent();
    Path ca = tmp.resolve("clients-ca.pem");
    Files.writeString(
        ca,
        TestPki.pem("CERTIFICATE", TestPki.ca("Clients", TestPki.Alg.EC).certificate.getEncoded()));
    String services =
        "[[service]]\nid = \"db.internal\"\n"
            + "connectors = [\"spiffe://corp.example/connector/db\"]\n"
            + "agents = [\"spiffe://corp.example/user/*\", \"spiffe://corp.example/ops/**\"]\n"
            + "[[service]]\nid = \"wiki\"\nconnectors = []\n";
    Path f = configFile("[auth]\nmode = \"mtls\"\nclient_ca = \"" + ca + "\"\n" + services);
    assertEquals(0, run("--config", f.toString()), err.toString());
    assertEquals(AuthMode.MTLS, settings.auth.mode);
    assertEquals(ca, settings.auth.clientCa);
    assertEquals(2, settings.services.size());
    ServicePolicy db = settings.services.get(0);
    assertEquals("db.internal", db.id);
    assertEquals(List.of("spiffe://corp.example/connector/db"), db.connectors);
    assertEquals(
        List.of("spiffe://corp.example/user/*", "spiffe://corp.example/ops/**"), db.agents);
    assertEquals(List.of(), settings.services.get(1).agents);

    // The same services from --policy.
    Path policy = tmp.resolve("policy.toml");
    Files.writeString(policy, services);
    assertEquals(0, run("--policy", policy.toString()), err.toString());
    assertEquals(2, settings.services.size());
    assertEquals(policy, settings.servicesFile);
    // Both: an error rather than a guess.
    assertEquals(2, run("--config", f.toString(), "--policy", policy.toString()));
    assertTrue(err.toString().contains("both"), err.toString());
    // The example policy is valid.
    assertEquals(0, run("--policy", "config/policy.example.toml"), err.toString());
    assertFalse(settings.services.isEmpty());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "[auth]\nmode = \"mtls\"|'auth.client_ca' is required",
        "[auth]\nmode = \"mtls\"\nclient_ca = \"/no/such/ca.pem\"|'/no/such/ca.pem' does not exist",
        "[auth]\nclient_ca = \"/no/such/ca.pem\"|only used with auth.mode",
        "[[service]]\nconnectors = []|'service[0].id' is missing",
        "[[service]]\nid = \"\"|'service[0].id' must be 1..255 UTF-8 bytes, got 0",
        "[[service]]\nid = \"a\"\n[[service]]\nid = \"a\"|'service[1].id': service 'a' is"
            + " already listed",
        "[[service]]\nid = \"a\"\nagents = [\"spiffe://x/u*\"]|'service[0].agents[0]'",
        "[[service]]\nid = \"a\"\nagents = [\"spiffe://x/**/y\"]|'service[0].agents[0]'",
        "[[service]]\nid = \"a\"\nagents = \"x\"|'service[0].agents' must be an array",
        "[[service]]\nid = \"a\"\nowner = \"x\"|unknown key 'service[0].owner'",
        "service = 3|'service' must be an array of tables"
      })
  void badAuthAndServicesAreExitTwoNamingTheKey(String testCase) throws Exception {
    defaultCredentialsPresent();
    String[] parts = testCase.split("\\|");
    assertEquals(2, run("--config", configFile(parts[0]).toString()), parts[0]);
    assertTrue(err.toString().contains(parts[1]), err.toString());
    assertEquals(0, launches);
  }

  @Test
  void serviceIdLengthCountsUtf8Bytes() throws Exception {
    defaultCredentialsPresent();
    String id255 = "\u00e9".repeat(127) + "x"; // 2 * 127 + 1 = 255 bytes
    assertEquals(
        0,
        run("--config", configFile("[[service]]\nid = \"" + id255 + "\"\n").toString()),
        err.toString());
    assertEquals(id255, settings.services.get(0).id);
    assertEquals(
        2, run("--config", configFile("[[service]]\nid = \"" + id255 + "x\"\n").toString()));
    assertTrue(err.toString().contains("got 256"), err.toString());
  }

  @Test
  void policyFileHoldsOnlyServices() throws Exception {
    defaultCredentialsPresent();
    Path policy = tmp.resolve("policy.toml");
    Files.writeString(policy, "cid_length = 8\n");
    assertEquals(2, run("--policy", policy.toString()));
    assertTrue(err.toString().contains("unknown key 'cid_length'"), err.toString());
  }

  @Test
  void newFlagsAreParsed() throws Exception {
    defaultCredentialsPresent();
    assertEquals(0, run("--log-level", "DEBUG", "--log-format", "json", "--retry", "under-load"));
    assertEquals(LogLevel.DEBUG, settings.logLevel);
    assertEquals(LogFormat.JSON, settings.logFormat);
    assertEquals(RetryPolicy.UNDER_LOAD, settings.retry);
    assertEquals(ServerConfig.RetryMode.UNDER_LOAD, config.retryMode);
    assertEquals(2, run("--log-format", "xml"));
    assertTrue(err.toString().contains("--log-format must be one of text, json"), err.toString());
    assertEquals(2, run("--cpu", "4096"));
    assertEquals(-1, (int) Settings.CPU.defaultValue);
  }

  @Test
  void cpuOutsideTheProcessCpuSetIsExitTwo() throws Exception {
    defaultCredentialsPresent();
    assertEquals(2, run("--cpu", "4095"));
    assertTrue(err.toString().contains("--cpu "), err.toString());
    assertTrue(err.toString().contains("4095"), err.toString());
    assertEquals(0, launches);
    assertEquals(0, run("--cpu", "0"), err.toString());
    assertEquals(0, config.loopCpu);
  }

  @Test
  void traceOptionsAreParsed() throws Exception {
    defaultCredentialsPresent();
    assertEquals(0, run());
    assertEquals(null, config.qlogDir);
    assertEquals(1.0, config.qlogSample);
    String env = System.getenv("SSLKEYLOGFILE");
    assertEquals(env == null || env.isBlank() ? null : Path.of(env), config.keyLogFile);
    Path keys = tmp.resolve("keys.log");
    Path qlog = tmp.resolve("qlog");
    assertEquals(
        0,
        run(
            "--keylog-file",
            keys.toString(),
            "--qlog-dir",
            qlog.toString(),
            "--qlog-sample",
            "0.25"));
    assertEquals(keys, config.keyLogFile);
    assertEquals(qlog, config.qlogDir);
    assertEquals(0.25, config.qlogSample);
    assertEquals(2, run("--qlog-sample", "1.5"));
    assertTrue(err.toString().contains("--qlog-sample must be a number in 0..1"), err.toString());
  }
}
