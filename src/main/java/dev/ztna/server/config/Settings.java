package dev.ztna.server.config;

import dev.ztna.server.cluster.fabric.FabricConfig;
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

  public static final Setting<String> QUIC_LB_SERVER_ID =
      Setting.key("quic_lb.server_id", ValueType.string(), (String) null)
          .flag("--quic-lb-server-id", "HEX")
          .help(
              "This node's QUIC-LB server ID in hex (quic_lb.server_id_length bytes): connection"
                  + " IDs then carry it (draft-ietf-quic-load-balancers) so a load balancer routes"
                  + " every packet of a connection to this node (unset: random CIDs)")
          .build();

  public static final Setting<Integer> QUIC_LB_SERVER_ID_LENGTH =
      Setting.key("quic_lb.server_id_length", ValueType.intRange(1, 15), 2)
          .flag("--quic-lb-server-id-length", "N")
          .help("QUIC-LB server ID length in bytes, the same on every node and the load balancer")
          .build();

  public static final Setting<Integer> QUIC_LB_NONCE_LENGTH =
      Setting.key("quic_lb.nonce_length", ValueType.intRange(4, 18), 6)
          .flag("--quic-lb-nonce-length", "N")
          .help(
              "QUIC-LB nonce length in bytes, 4..18; server ID + nonce at most 19, and the CID is"
                  + " 1 + both (cid_length follows)")
          .build();

  public static final Setting<Integer> QUIC_LB_CONFIG_ID =
      Setting.key("quic_lb.config_id", ValueType.intRange(0, 6), 0)
          .flag("--quic-lb-config-id", "N")
          .help("QUIC-LB config rotation code point (the CID's first 3 bits), 0..6")
          .build();

  public static final Setting<Path> QUIC_LB_KEY_FILE =
      Setting.key("quic_lb.key_file", ValueType.path(), (Path) null)
          .flag("--quic-lb-key-file", "FILE")
          .help(
              "File holding the shared QUIC-LB AES-128 key as 32 hex digits, private to its owner"
                  + " (chmod 600): CIDs are encrypted (one AES pass when server ID + nonce = 16"
                  + " bytes, four-pass Feistel otherwise); unset: plaintext CIDs, which show every"
                  + " observer a connection's node")
          .build();

  public static final Setting<Path> RETRY_TOKEN_KEY_FILE =
      Setting.key("quic_lb.retry_token_key_file", ValueType.path(), (Path) null)
          .flag("--retry-token-key-file", "FILE")
          .help(
              "File holding the Retry token key shared by every node behind one load balancer,"
                  + " at least 64 hex digits, private to its owner (chmod 600), so a token minted"
                  + " by one node validates on any (unset: a random key per process)")
          .build();

  public static final Setting<Integer> CLUSTER_NODE_ID =
      Setting.key("cluster.node_id", ValueType.intRange(-1, 1023), -1)
          .flag("--cluster-node-id", "N")
          .help(
              "Several nodes: this relay node's id in the replicated service directory, 0..1023;"
                  + " -1 runs a single node (no cluster, no Aeron)")
          .build();

  public static final Setting<List<InetSocketAddress>> CLUSTER_MEMBERS =
      Setting.key("cluster.members", ValueType.addresses(), (List<InetSocketAddress>) null)
          .flag("--cluster-member", "HOST:PORT")
          .help(
              "Directory cluster members in member id order, repeatable (3 for fault tolerance):"
                  + " each member's base port; it uses that port and the next four (ingress,"
                  + " consensus, log, catch-up, archive)")
          .build();

  public static final Setting<Integer> CLUSTER_MEMBER_ID =
      Setting.key("cluster.member_id", ValueType.intRange(-1, 1023), -1)
          .flag("--cluster-member-id", "N")
          .help(
              "Run directory cluster member N (its index in cluster.members) inside this server"
                  + " process (co-located); -1 runs none (the members run elsewhere, e.g."
                  + " 'intermediate-server cluster-member')")
          .build();

  public static final Setting<Path> CLUSTER_DIR =
      Setting.key("cluster.dir", ValueType.path(), Path.of("cluster"))
          .flag("--cluster-dir", "DIR")
          .help(
              "Directory of the co-located cluster member: its Raft log, archive, snapshots and"
                  + " media driver files (one per member)")
          .build();

  public static final Setting<Long> CLUSTER_SESSION_TIMEOUT_MS =
      Setting.key("cluster.session_timeout_ms", ValueType.longRange(100, 3_600_000), 5_000L)
          .flag("--cluster-session-timeout-ms", "N")
          .help(
              "A node silent this long loses its cluster session and its directory entries"
                  + " (Agents then get drop_no_route), in milliseconds")
          .build();

  public static final Setting<Long> CLUSTER_LEADER_TIMEOUT_MS =
      Setting.key("cluster.leader_heartbeat_timeout_ms", ValueType.longRange(100, 600_000), 3_000L)
          .help("Cluster members elect a new leader when the leader is silent this long, in ms")
          .build();

  public static final Setting<String> CLUSTER_INGRESS_CHANNEL =
      Setting.key("cluster.ingress_channel", ValueType.string(), "aeron:udp")
          .help("Aeron channel of the nodes' messages to the cluster (endpoints from members)")
          .build();

  public static final Setting<String> CLUSTER_EGRESS_CHANNEL =
      Setting.key("cluster.egress_channel", ValueType.string(), "aeron:udp?endpoint=localhost:0")
          .flag("--cluster-egress-channel", "CHANNEL")
          .help(
              "Aeron channel on which this node hears the cluster: its address reachable from"
                  + " the members, port 0 for any")
          .build();

  public static final Setting<Path> CLUSTER_AERON_DIR =
      Setting.key("cluster.aeron_dir", ValueType.path(), (Path) null)
          .help(
              "Media driver directory of this node's directory client (unset: the co-located"
                  + " member's driver, else one started for the client under cluster.dir)")
          .build();

  public static final Setting<Integer> FABRIC_NODE_ID =
      Setting.key("fabric.node_id", ValueType.intRange(0, 65535), (Integer) null)
          .flag("--fabric-node-id", "N")
          .help(
              "Several nodes: this node's id, its index in fabric.nodes (unset: a single node, no"
                  + " fabric, no Aeron)")
          .build();

  public static final Setting<List<InetSocketAddress>> FABRIC_NODES =
      Setting.key("fabric.nodes", ValueType.addresses(), (List<InetSocketAddress>) null)
          .flag("--fabric-node", "HOST:PORT")
          .help(
              "Several nodes: every node's Aeron fabric endpoint (UDP), repeatable, in node id"
                  + " order; the same list on every node")
          .build();

  public static final Setting<InetSocketAddress> FABRIC_LISTEN =
      Setting.key("fabric.listen", ValueType.address(), (InetSocketAddress) null)
          .flag("--fabric-listen", "HOST:PORT")
          .help("The address this node's fabric subscription binds (unset: its fabric.nodes entry)")
          .build();

  public static final Setting<Path> FABRIC_AERON_DIR =
      Setting.key("fabric.aeron_dir", ValueType.path(), (Path) null)
          .flag("--fabric-aeron-dir", "DIR")
          .help(
              "The embedded Aeron media driver's directory, emptied at start and removed at stop"
                  + " (unset: Aeron's default directory with -ztna-node-N appended, e.g."
                  + " /dev/shm/aeron-USER-ztna-node-0)")
          .build();

  public static final Setting<FabricConfig.Threading> FABRIC_THREADING =
      Setting.key(
              "fabric.threading",
              ValueType.choice(
                  names(
                      "shared", FabricConfig.Threading.SHARED,
                      "dedicated", FabricConfig.Threading.DEDICATED)),
              FabricConfig.Threading.SHARED)
          .flag("--fabric-threading", "shared|dedicated")
          .help(
              "The media driver's threads: shared (one thread for conductor, sender and receiver)"
                  + " or dedicated (one each)")
          .build();

  public static final Setting<FabricConfig.Idle> FABRIC_IDLE_STRATEGY =
      Setting.key(
              "fabric.idle_strategy",
              ValueType.choice(
                  names(
                      "backoff", FabricConfig.Idle.BACKOFF,
                      "busy-spin", FabricConfig.Idle.BUSY_SPIN)),
              FabricConfig.Idle.BACKOFF)
          .flag("--fabric-idle-strategy", "backoff|busy-spin")
          .help(
              "How the media driver's threads wait when idle: backoff (spin, yield, then park up"
                  + " to 1 ms) or busy-spin (lowest latency, a core at 100%% per driver thread)")
          .build();

  public static final Setting<Integer> FABRIC_TERM_LENGTH =
      Setting.key(
              "fabric.term_length",
              ValueType.intRange(FabricConfig.MIN_TERM_LENGTH, FabricConfig.MAX_TERM_LENGTH),
              FabricConfig.DEFAULT_TERM_LENGTH)
          .flag("--fabric-term-length", "BYTES")
          .help(
              "Aeron term length of each publication to a peer: a power of two from 65536 to"
                  + " 1073741824 (three terms per peer, in sparse files)")
          .build();

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
          RETRY_UNDER_LOAD_THRESHOLD,
          QUIC_LB_SERVER_ID,
          QUIC_LB_SERVER_ID_LENGTH,
          QUIC_LB_NONCE_LENGTH,
          QUIC_LB_CONFIG_ID,
          QUIC_LB_KEY_FILE,
          RETRY_TOKEN_KEY_FILE,
          CLUSTER_NODE_ID,
          CLUSTER_MEMBERS,
          CLUSTER_MEMBER_ID,
          CLUSTER_DIR,
          CLUSTER_SESSION_TIMEOUT_MS,
          CLUSTER_LEADER_TIMEOUT_MS,
          CLUSTER_INGRESS_CHANNEL,
          CLUSTER_EGRESS_CHANNEL,
          CLUSTER_AERON_DIR,
          FABRIC_NODE_ID,
          FABRIC_NODES,
          FABRIC_LISTEN,
          FABRIC_AERON_DIR,
          FABRIC_THREADING,
          FABRIC_IDLE_STRATEGY,
          FABRIC_TERM_LENGTH);

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
