package dev.ztna.server.config;

import dev.ztna.server.logging.LogFormat;
import dev.ztna.server.logging.LogLevel;
import dev.ztna.server.loop.ServerConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every configuration option, each declared once. The order here is the order of {@code --help} and
 * of {@code --check-config}. A new option is one more declaration here plus its use in {@link
 * ServerSettings}.
 */
public final class Settings {
  private static final long MAX_VARINT = (1L << 62) - 1;
  private static final long MAX_STREAMS = 1L << 60; // RFC 9000 §4.6

  private Settings() {}

  public static final Setting<List<InetSocketAddress>> LISTEN =
      Setting.key("listen", ValueType.addresses(), List.of(new InetSocketAddress("0.0.0.0", 4433)))
          .flag("--listen", "HOST:PORT")
          .help(
              "UDP address to listen on, repeatable ${DEFAULT}. IPv4 as 192.0.2.1:4433, IPv6 in"
                  + " brackets as [::]:4433 or [::1]:4433, or a host name")
          .build();

  public static final Setting<Path> CERT =
      Setting.key("cert", ValueType.path(), Path.of("certs", "cert.pem"))
          .flag("--cert", "FILE")
          .help("PEM certificate chain, leaf first")
          .build();

  public static final Setting<Path> KEY =
      Setting.key("key", ValueType.path(), Path.of("certs", "key.pem"))
          .flag("--key", "FILE")
          .help(
              "PEM private key matching the leaf certificate: unencrypted PKCS#8, PKCS#1 (RSA) or"
                  + " SEC1 (EC); RSA >= 2048 bits or EC P-256")
          .build();

  public static final Setting<RetryPolicy> RETRY =
      Setting.key(
              "retry",
              ValueType.choice(
                  names(
                      "always", RetryPolicy.ALWAYS,
                      "never", RetryPolicy.NEVER,
                      "under-load", RetryPolicy.UNDER_LOAD)),
              RetryPolicy.ALWAYS)
          .flag("--retry", "always|never|under-load")
          .help(
              "Stateless Retry (RFC 9000 section 8.1.2) for every new connection, never, or only"
                  + " while half-open handshakes exceed limits.retry_under_load_threshold")
          .build();

  public static final Setting<ServerConfig.IdleKind> IDLE_STRATEGY =
      Setting.key(
              "idle_strategy",
              ValueType.choice(
                  names(
                      "busy-spin", ServerConfig.IdleKind.BUSY_SPIN,
                      "backoff", ServerConfig.IdleKind.BACKOFF)),
              ServerConfig.IdleKind.BUSY_SPIN)
          .flag("--idle-strategy", "busy-spin|backoff")
          .help(
              "How the network thread waits when idle: busy-spin (lowest latency, one core at"
                  + " 100%%) or backoff (spin, yield, then park)")
          .build();

  public static final Setting<ServerConfig.IoMode> IO =
      Setting.key(
              "io",
              ValueType.choice(
                  names(
                      "nio", ServerConfig.IoMode.NIO,
                      "nio-connected", ServerConfig.IoMode.NIO_CONNECTED,
                      "batched", ServerConfig.IoMode.BATCHED)),
              ServerConfig.IoMode.NIO)
          .flag("--io", "nio|nio-connected|batched")
          .help(
              "Socket I/O: nio (one socket per listen address, any JDK), nio-connected (plus one"
                  + " connected socket per connection: no allocation per datagram on JDK 17, one"
                  + " descriptor per connection), or batched (recvmmsg/sendmmsg through the JDK"
                  + " 22+ FFM API on Linux; falls back to nio with a WARN line)")
          .build();

  public static final Setting<Long> IDLE_TIMEOUT_MS =
      Setting.key("idle_timeout_ms", ValueType.longRange(0, MAX_VARINT), 30_000L)
          .flag("--idle-timeout-ms", "N")
          .help("max_idle_timeout transport parameter in milliseconds; 0 disables it")
          .build();

  public static final Setting<Integer> MAX_UDP_PAYLOAD =
      Setting.key("max_udp_payload", ValueType.intRange(1200, 65527), 1350)
          .flag("--max-udp-payload", "N")
          .help("max_udp_payload_size: largest UDP payload sent and accepted, 1200..65527")
          .build();

  public static final Setting<Integer> MAX_DATAGRAM_FRAME_SIZE =
      Setting.key("max_datagram_frame_size", ValueType.intRange(1, 65535), 65535)
          .flag("--max-datagram-frame-size", "N")
          .help("max_datagram_frame_size transport parameter (RFC 9221), 1..65535")
          .build();

  public static final Setting<Integer> MAX_DATAGRAM_QUEUE =
      Setting.key("max_datagram_queue", ValueType.intRange(1, Integer.MAX_VALUE), 1024)
          .flag("--max-datagram-queue", "N")
          .help("Outgoing DATAGRAM messages queued per connection before new ones are dropped")
          .build();

  public static final Setting<Integer> CID_LENGTH =
      Setting.key("cid_length", ValueType.intRange(4, 20), 8)
          .flag("--cid-length", "N")
          .help("Length of server-chosen connection IDs in bytes, 4..20")
          .build();

  public static final Setting<Long> TOKEN_LIFETIME_MS =
      Setting.key("token_lifetime_ms", ValueType.longRange(1, MAX_VARINT), 10_000L)
          .flag("--token-lifetime-ms", "N")
          .help("How long a Retry token stays valid, in milliseconds")
          .build();

  public static final Setting<Long> INITIAL_MAX_DATA =
      Setting.key("initial_max_data", ValueType.longRange(0, MAX_VARINT), 10_000_000L)
          .flag("--initial-max-data", "N")
          .help("initial_max_data transport parameter in bytes")
          .build();

  public static final Setting<Long> INITIAL_MAX_STREAM_DATA =
      Setting.key("initial_max_stream_data", ValueType.longRange(0, MAX_VARINT), 1_000_000L)
          .flag("--initial-max-stream-data", "N")
          .help(
              "initial_max_stream_data_bidi_local, _bidi_remote and _uni transport parameters in"
                  + " bytes")
          .build();

  public static final Setting<Long> INITIAL_MAX_STREAMS_BIDI =
      Setting.key("initial_max_streams_bidi", ValueType.longRange(0, MAX_STREAMS), 100L)
          .flag("--initial-max-streams-bidi", "N")
          .help("initial_max_streams_bidi transport parameter")
          .build();

  public static final Setting<Long> INITIAL_MAX_STREAMS_UNI =
      Setting.key("initial_max_streams_uni", ValueType.longRange(0, MAX_STREAMS), 100L)
          .flag("--initial-max-streams-uni", "N")
          .help("initial_max_streams_uni transport parameter")
          .build();

  public static final Setting<Long> DRAIN_TIMEOUT_MS =
      Setting.key("drain_timeout_ms", ValueType.longRange(0, MAX_VARINT), 3_000L)
          .flag("--drain-timeout-ms", "N")
          .help(
              "On shutdown (SIGINT/SIGTERM), how long to wait for connections to close, in"
                  + " milliseconds")
          .build();

  public static final Setting<Long> STATS_INTERVAL_MS =
      Setting.key("stats_interval_ms", ValueType.longRange(0, MAX_VARINT), 60_000L)
          .flag("--stats-interval-ms", "N")
          .help(
              "How often to log a 'stats:' line (live connections, loop-thread allocation, heap,"
                  + " GC, every non-zero counter), in milliseconds; 0 turns it off")
          .build();

  public static final Setting<Integer> CPU =
      Setting.key("cpu", ValueType.intRange(-1, 4095), -1)
          .flag("--cpu", "N")
          .help(
              "Pin the network (loop) thread to CPU core N (sched_setaffinity through OpenHFT"
                  + " affinity; Linux); -1 leaves it unpinned. Isolate that core from other work"
                  + " (see the README)")
          .build();

  public static final Setting<LogLevel> LOG_LEVEL =
      Setting.key("log.level", ValueType.choice(logLevels()), defaultLogLevel())
          .flag("--log-level", "trace|debug|info|warn|error")
          .help(
              "Root log level; SIGHUP applies a changed value (the default comes from"
                  + " -Dztna.log.level when set)")
          .reloadable()
          .build();

  public static final Setting<LogFormat> LOG_FORMAT =
      Setting.key(
              "log.format",
              ValueType.choice(names("text", LogFormat.TEXT, "json", LogFormat.JSON)),
              LogFormat.TEXT)
          .flag("--log-format", "text|json")
          .help("Console log format: text lines, or JSON lines (one object per event)")
          .reloadable()
          .build();

  public static final Setting<Path> COUNTERS_FILE =
      Setting.key("counters_file", ValueType.path(), (Path) null)
          .flag("--counters-file", "FILE")
          .help(
              "Memory-mapped counters file that 'stat' and the admin endpoint read (unset:"
                  + " <java.io.tmpdir>/ztna-intermediate-server-<pid>.counters; removed at a clean"
                  + " exit)")
          .build();

  public static final Setting<InetSocketAddress> ADMIN_LISTEN =
      Setting.key("admin.listen", ValueType.address(), (InetSocketAddress) null)
          .flag("--admin-listen", "HOST:PORT")
          .help(
              "Serve GET /metrics (Prometheus), /healthz and /readyz over HTTP on this address"
                  + " only (unset: off)")
          .build();

  public static final Setting<Long> ADMIN_HEALTH_STALE_MS =
      Setting.key("admin.health_stale_ms", ValueType.longRange(1, MAX_VARINT), 1_000L)
          .flag("--health-stale-ms", "N")
          .help("/healthz answers 503 when the loop's heartbeat is older than this, in ms")
          .build();

  public static final Setting<Path> KEYLOG_FILE =
      Setting.key("trace.keylog_file", ValueType.path(), (Path) null)
          .flag("--keylog-file", "FILE")
          .help(
              "Append every connection's TLS secrets to FILE in the NSS key log format, for"
                  + " Wireshark (unset: the SSLKEYLOGFILE environment variable, else off). Anyone"
                  + " who can read the file can decrypt captured traffic")
          .build();

  public static final Setting<Path> QLOG_DIR =
      Setting.key("trace.qlog_dir", ValueType.path(), (Path) null)
          .flag("--qlog-dir", "DIR")
          .help("Write one qlog (JSON-SEQ) file per traced connection into DIR (unset: off)")
          .build();

  public static final Setting<Double> QLOG_SAMPLE =
      Setting.key("trace.qlog_sample", ValueType.fraction(), 1.0)
          .flag("--qlog-sample", "FRACTION")
          .help(
              "Fraction of connections traced with qlog_dir, 0..1, chosen at random per connection")
          .build();

  public static final Setting<AuthMode> AUTH_MODE =
      Setting.key(
              "auth.mode",
              ValueType.choice(names("none", AuthMode.NONE, "mtls", AuthMode.MTLS)),
              AuthMode.NONE)
          .flag("--auth", "none|mtls")
          .help(
              "Client authentication: none (development only, logged as a WARN) or mtls (every"
                  + " client presents a certificate that chains to auth.client_ca)")
          .build();

  public static final Setting<Path> AUTH_CLIENT_CA =
      Setting.key("auth.client_ca", ValueType.path(), (Path) null)
          .flag("--client-ca", "FILE")
          .help("PEM bundle of trust anchors for client certificates; required with mtls")
          .build();

  public static final Setting<Integer> MAX_CONNECTIONS =
      limit("max_connections", 100_000, "Connections in total; 0 = unlimited");

  public static final Setting<Integer> MAX_CONNECTIONS_PER_IP =
      limit(
          "max_connections_per_ip",
          1_000,
          "Connections per source IP address (IPv6 per /64); 0 = unlimited");

  public static final Setting<Integer> MAX_HALF_OPEN =
      limit("max_half_open", 10_000, "Half-open handshakes in total; 0 = unlimited");

  public static final Setting<Integer> MAX_HALF_OPEN_PER_IP =
      limit("max_half_open_per_ip", 100, "Half-open handshakes per source address; 0 = unlimited");

  public static final Setting<Long> HANDSHAKE_TIMEOUT_MS =
      Setting.key("limits.handshake_timeout_ms", ValueType.longRange(1, MAX_VARINT), 10_000L)
          .help("A half-open connection is freed this long after its first Initial")
          .reloadable()
          .build();

  public static final Setting<Long> DATAGRAMS_PER_SECOND =
      Setting.key("limits.datagrams_per_second", ValueType.longRange(0, MAX_VARINT), 0L)
          .help("Relayed datagrams per second per connection (token bucket); 0 = unlimited")
          .reloadable()
          .build();

  public static final Setting<Long> BYTES_PER_SECOND =
      Setting.key("limits.bytes_per_second", ValueType.longRange(0, MAX_VARINT), 0L)
          .help("Relayed bytes per second per connection (token bucket); 0 = unlimited")
          .reloadable()
          .build();

  public static final Setting<Long> INNER_ADDRESS_IDLE_MS =
      Setting.key("limits.inner_address_idle_ms", ValueType.longRange(1, MAX_VARINT), 300_000L)
          .help("An Agent's inner address is released after this long unused (needs a restart)")
          .build();

  public static final Setting<Integer> RETRY_UNDER_LOAD_THRESHOLD =
      limit(
          "retry_under_load_threshold",
          1_000,
          "With retry = under-load: Retry while more handshakes than this are half-open");

  /** Every setting, in display order. */
  public static final List<Setting<?>> ALL =
      List.of(
          LISTEN,
          CERT,
          KEY,
          RETRY,
          IDLE_STRATEGY,
          IO,
          IDLE_TIMEOUT_MS,
          MAX_UDP_PAYLOAD,
          MAX_DATAGRAM_FRAME_SIZE,
          MAX_DATAGRAM_QUEUE,
          CID_LENGTH,
          TOKEN_LIFETIME_MS,
          INITIAL_MAX_DATA,
          INITIAL_MAX_STREAM_DATA,
          INITIAL_MAX_STREAMS_BIDI,
          INITIAL_MAX_STREAMS_UNI,
          DRAIN_TIMEOUT_MS,
          STATS_INTERVAL_MS,
          CPU,
          LOG_LEVEL,
          LOG_FORMAT,
          COUNTERS_FILE,
          ADMIN_LISTEN,
          ADMIN_HEALTH_STALE_MS,
          KEYLOG_FILE,
          QLOG_DIR,
          QLOG_SAMPLE,
          AUTH_MODE,
          AUTH_CLIENT_CA,
          MAX_CONNECTIONS,
          MAX_CONNECTIONS_PER_IP,
          MAX_HALF_OPEN,
          MAX_HALF_OPEN_PER_IP,
          HANDSHAKE_TIMEOUT_MS,
          DATAGRAMS_PER_SECOND,
          BYTES_PER_SECOND,
          INNER_ADDRESS_IDLE_MS,
          RETRY_UNDER_LOAD_THRESHOLD);

  /** The TOML key of the {@code [[service]]} array of tables. */
  public static final String SERVICE_KEY = "service";

  private static final Map<String, Setting<?>> BY_KEY = new LinkedHashMap<>();

  static {
    for (Setting<?> s : ALL) {
      if (BY_KEY.put(s.key, s) != null) {
        throw new ExceptionInInitializerError("duplicate key " + s.key);
      }
    }
  }

  /** The setting with this TOML key, or {@code null}. */
  public static Setting<?> byKey(String key) {
    return BY_KEY.get(key);
  }

  /** Whether {@code key} names a table holding settings (e.g. {@code limits}). */
  public static boolean isTable(String key) {
    String prefix = key + ".";
    for (String k : BY_KEY.keySet()) {
      if (k.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private static Setting<Integer> limit(String name, int defaultValue, String help) {
    return Setting.key("limits." + name, ValueType.intRange(0, Integer.MAX_VALUE), defaultValue)
        .help(help)
        .reloadable()
        .build();
  }

  private static <E> Map<String, E> names(String n1, E e1, String n2, E e2) {
    Map<String, E> m = new LinkedHashMap<>();
    m.put(n1, e1);
    m.put(n2, e2);
    return m;
  }

  private static <E> Map<String, E> names(String n1, E e1, String n2, E e2, String n3, E e3) {
    Map<String, E> m = names(n1, e1, n2, e2);
    m.put(n3, e3);
    return m;
  }

  private static Map<String, LogLevel> logLevels() {
    Map<String, LogLevel> m = new LinkedHashMap<>();
    for (LogLevel l : LogLevel.values()) {
      m.put(l.name().toLowerCase(Locale.ROOT), l);
    }
    return m;
  }

  private static LogLevel defaultLogLevel() {
    String p = System.getProperty("ztna.log.level");
    if (p != null) {
      for (LogLevel l : LogLevel.values()) {
        if (l.name().equalsIgnoreCase(p.trim())) {
          return l;
        }
      }
    }
    return LogLevel.INFO;
  }
}
