package dev.ztna.server.config;

import dev.ztna.server.certs.CredentialsException;
import dev.ztna.server.certs.TrustAnchors;
import dev.ztna.server.cluster.fabric.FabricConfig;
import dev.ztna.server.logging.LogFormat;
import dev.ztna.server.logging.LogLevel;
import dev.ztna.server.loop.ServerConfig;
import dev.ztna.server.policy.Policy;
import dev.ztna.server.tls.ClientAuth;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The effective configuration, immutable: the loop's {@link ServerConfig} plus authentication, the
 * service policy, the limits, logging and CPU pinning, each value with its origin ({@link
 * #values}). Built by {@link ConfigLoader}; a SIGHUP reload publishes a new instance.
 */
public final class ServerSettings {
  /** The loader that built this snapshot (a reload calls it again). */
  public final ConfigLoader source;

  /** Every setting's value and origin. */
  public final ConfigValues values;

  /** The loop's configuration, with the {@code [limits]} and the retry mode mapped onto it. */
  public final ServerConfig server;

  public final AuthSettings auth;

  /** The {@code [[service]]} tables (empty when none are configured). */
  public final List<ServicePolicy> services;

  /** {@link Origin#FILE} when services were configured, else {@link Origin#DEFAULT}. */
  public final Origin servicesOrigin;

  /** The file the services came from, or {@code null}. */
  public final Path servicesFile;

  public final LimitsSettings limits;

  /** The {@code [cluster]} table: several nodes, or none. */
  public final ClusterSettings cluster;

  /**
   * The relay's policy built from {@link #auth} and {@link #services}: mode none allows every
   * REGISTER (development only), mtls only what the services list.
   */
  public final Policy policy;

  /** The configured retry policy. */
  public final RetryPolicy retry;

  public final LogLevel logLevel;
  public final LogFormat logFormat;

  /** The core to pin the loop thread to, or -1. */
  public final int cpu;

  /** The {@code [quic_lb]} table: QUIC-LB connection IDs and the shared Retry token key. */
  public final QuicLbSettings quicLb;

  /** Several nodes: this node's fabric ({@code [fabric]}), or null on a single node. */
  public final FabricConfig fabric;

  ServerSettings(
      ConfigLoader source,
      ConfigValues values,
      List<ServicePolicy> services,
      Origin servicesOrigin,
      Path servicesFile) {
    this.source = source;
    this.values = values;
    this.services = List.copyOf(services);
    this.servicesOrigin = servicesOrigin;
    this.servicesFile = servicesFile;
    this.auth =
        new AuthSettings(values.get(Settings.AUTH_MODE), values.get(Settings.AUTH_CLIENT_CA));
    this.limits = new LimitsSettings(values);
    this.cluster = new ClusterSettings(values);
    this.policy = toPolicy(auth.mode, this.services);
    this.retry = values.get(Settings.RETRY);
    this.logLevel = values.get(Settings.LOG_LEVEL);
    this.logFormat = values.get(Settings.LOG_FORMAT);
    this.cpu = values.get(Settings.CPU);
    this.quicLb = QuicLbSettings.from(values);
    try {
      this.server =
          ServerConfig.builder()
              .listen(values.get(Settings.LISTEN))
              .certFile(values.get(Settings.CERT))
              .keyFile(values.get(Settings.KEY))
              .retryMode(retryMode(retry))
              .limits(limits.toLoopLimits())
              .idleKind(values.get(Settings.IDLE_STRATEGY))
              .io(values.get(Settings.IO))
              .idleTimeoutMs(values.get(Settings.IDLE_TIMEOUT_MS))
              .maxUdpPayloadSize(values.get(Settings.MAX_UDP_PAYLOAD))
              .maxDatagramFrameSize(values.get(Settings.MAX_DATAGRAM_FRAME_SIZE))
              .maxDatagramQueue(values.get(Settings.MAX_DATAGRAM_QUEUE))
              .cidLength(
                  quicLb.enabled() ? quicLb.config.cidLength() : values.get(Settings.CID_LENGTH))
              .connectionIds(quicLb.scheme())
              .retryTokenKey(quicLb.retryTokenKey())
              .tokenLifetime(Duration.ofMillis(values.get(Settings.TOKEN_LIFETIME_MS)))
              .initialMaxData(values.get(Settings.INITIAL_MAX_DATA))
              .initialMaxStreamData(values.get(Settings.INITIAL_MAX_STREAM_DATA))
              .initialMaxStreamsBidi(values.get(Settings.INITIAL_MAX_STREAMS_BIDI))
              .initialMaxStreamsUni(values.get(Settings.INITIAL_MAX_STREAMS_UNI))
              .drainTimeout(Duration.ofMillis(values.get(Settings.DRAIN_TIMEOUT_MS)))
              .statsInterval(Duration.ofMillis(values.get(Settings.STATS_INTERVAL_MS)))
              .loopCpu(cpu)
              .clientAuth(clientAuth(auth))
              .countersFile(values.get(Settings.COUNTERS_FILE))
              .adminListen(values.get(Settings.ADMIN_LISTEN))
              .healthStale(Duration.ofMillis(values.get(Settings.ADMIN_HEALTH_STALE_MS)))
              .keyLogFile(keyLogFile(values.get(Settings.KEYLOG_FILE)))
              .qlogDir(values.get(Settings.QLOG_DIR))
              .qlogSample(values.get(Settings.QLOG_SAMPLE))
              .build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException("invalid configuration: " + e.getMessage(), e);
    }
    this.fabric = fabric(values);
  }

  /** The {@code [fabric]} table: null without a node id; the keys checked together. */
  private static FabricConfig fabric(ConfigValues values) {
    Integer nodeId = values.get(Settings.FABRIC_NODE_ID);
    List<InetSocketAddress> nodes = values.get(Settings.FABRIC_NODES);
    String id = name(values, Settings.FABRIC_NODE_ID);
    String list = name(values, Settings.FABRIC_NODES);
    if (nodeId == null) {
      if (nodes != null) {
        throw new ConfigException(list + " needs fabric.node_id (this node's index in it)");
      }
      return null;
    }
    if (nodes == null) {
      throw new ConfigException(id + " needs fabric.nodes (every node's fabric endpoint)");
    }
    if (nodeId >= nodes.size()) {
      throw new ConfigException(
          id + ": " + nodeId + " is not an index into the " + nodes.size() + " fabric.nodes");
    }
    int termLength = values.get(Settings.FABRIC_TERM_LENGTH);
    if (Integer.bitCount(termLength) != 1) {
      throw new ConfigException(
          name(values, Settings.FABRIC_TERM_LENGTH) + ": " + termLength + " is not a power of two");
    }
    Path dir = values.get(Settings.FABRIC_AERON_DIR);
    return FabricConfig.builder(nodeId, nodes)
        .listen(values.get(Settings.FABRIC_LISTEN))
        .aeronDir(dir != null ? dir : FabricConfig.defaultAeronDir(nodeId))
        .threading(values.get(Settings.FABRIC_THREADING))
        .idle(values.get(Settings.FABRIC_IDLE_STRATEGY))
        .termLength(termLength)
        .maxDatagram(values.get(Settings.MAX_UDP_PAYLOAD))
        .build();
  }

  private static String name(ConfigValues values, Setting<?> setting) {
    return setting.name(values.entry(setting).origin);
  }

  /**
   * Mutual TLS from {@code [auth]}: null for mode none; for mtls the CA bundle must load (fail
   * closed: a missing, unreadable or non-CA file is a configuration error).
   */
  private static ClientAuth clientAuth(AuthSettings auth) {
    if (auth.mode != AuthMode.MTLS) {
      return null;
    }
    try {
      return ClientAuth.required(TrustAnchors.load(auth.clientCa));
    } catch (CredentialsException e) {
      throw new ConfigException("auth.client_ca: " + e.getMessage(), e);
    }
  }

  private static Policy toPolicy(AuthMode mode, List<ServicePolicy> services) {
    Policy.Builder b =
        Policy.builder().mode(mode == AuthMode.MTLS ? Policy.Mode.MTLS : Policy.Mode.NONE);
    for (ServicePolicy s : services) {
      try {
        b.service(s.id, s.connectors, s.agents);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("service '" + s.id + "': " + e.getMessage(), e);
      }
    }
    return b.build();
  }

  private static ServerConfig.RetryMode retryMode(RetryPolicy p) {
    switch (p) {
      case NEVER:
        return ServerConfig.RetryMode.NEVER;
      case UNDER_LOAD:
        return ServerConfig.RetryMode.UNDER_LOAD;
      default:
        return ServerConfig.RetryMode.ALWAYS;
    }
  }

  /** The key log file: the setting, else the SSLKEYLOGFILE environment variable, else none. */
  private static Path keyLogFile(Path configured) {
    if (configured != null) {
      return configured;
    }
    String v = System.getenv("SSLKEYLOGFILE");
    return v == null || v.isBlank() ? null : Path.of(v);
  }

  /** Whether {@code setting} was given in a file or by a flag (not left at its default). */
  public boolean isGiven(Setting<?> setting) {
    return values.entry(setting).origin != Origin.DEFAULT;
  }

  /**
   * The effective configuration as TOML, each value followed by its origin ({@code # default},
   * {@code # file PATH}, {@code # flag}); what {@code --check-config} prints. The output is itself
   * a valid configuration file.
   */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append("# effective configuration; each value is followed by where it came from\n");
    Map<String, List<Setting<?>>> tables = new LinkedHashMap<>();
    for (Setting<?> s : Settings.ALL) {
      int dot = s.key.indexOf('.');
      tables.computeIfAbsent(dot < 0 ? "" : s.key.substring(0, dot), k -> new ArrayList<>()).add(s);
    }
    for (Map.Entry<String, List<Setting<?>>> t : tables.entrySet()) {
      if (!t.getKey().isEmpty()) {
        sb.append('\n').append('[').append(t.getKey()).append("]\n");
      }
      for (Setting<?> s : t.getValue()) {
        String name = s.key.substring(s.key.indexOf('.') + 1);
        ConfigValues.Entry e = values.entry(s);
        String line =
            e.value == null ? "# " + name + " is unset" : name + " = " + render(s, e.value);
        sb.append(line).append("  # ").append(e.describeOrigin()).append('\n');
      }
    }
    sb.append('\n');
    if (services.isEmpty()) {
      sb.append("# no [[service]] tables  # default\n");
    }
    for (ServicePolicy p : services) {
      sb.append("[[service]]  # file ").append(servicesFile).append('\n');
      sb.append("id = ").append(ValueType.quote(p.id)).append('\n');
      sb.append("connectors = ").append(quoteAll(p.connectors)).append('\n');
      sb.append("agents = ").append(quoteAll(p.agents)).append('\n');
    }
    return sb.toString();
  }

  /**
   * What differs from {@code newer}, one readable line per key ({@code key: old -> new}) and per
   * service added, removed or changed.
   */
  public List<String> changesTo(ServerSettings newer) {
    List<String> out = new ArrayList<>();
    for (Setting<?> s : Settings.ALL) {
      Object a = values.get(s);
      Object b = newer.values.get(s);
      if (!Objects.equals(a, b)) {
        out.add(s.key + ": " + renderOrUnset(s, a) + " -> " + renderOrUnset(s, b));
      }
    }
    Map<String, ServicePolicy> before = byId(services);
    Map<String, ServicePolicy> after = byId(newer.services);
    for (ServicePolicy p : services) {
      ServicePolicy q = after.get(p.id);
      if (q == null) {
        out.add("service '" + p.id + "' removed");
      } else if (!q.equals(p)) {
        out.add(
            "service '"
                + p.id
                + "': connectors "
                + p.connectors
                + " agents "
                + p.agents
                + " -> connectors "
                + q.connectors
                + " agents "
                + q.agents);
      }
    }
    for (ServicePolicy q : newer.services) {
      if (!before.containsKey(q.id)) {
        out.add("service '" + q.id + "' added: connectors " + q.connectors + " agents " + q.agents);
      }
    }
    return out;
  }

  /** A copy holding {@code setting}'s value (and origin) from {@code from}. */
  ServerSettings keeping(Setting<?> setting, ServerSettings from) {
    return new ServerSettings(
        source,
        values.with(setting, from.values.entry(setting)),
        services,
        servicesOrigin,
        servicesFile);
  }

  private static Map<String, ServicePolicy> byId(List<ServicePolicy> list) {
    Map<String, ServicePolicy> m = new LinkedHashMap<>();
    for (ServicePolicy p : list) {
      m.put(p.id, p);
    }
    return m;
  }

  private static String quoteAll(List<String> list) {
    List<String> q = new ArrayList<>();
    for (String s : list) {
      q.add(ValueType.quote(s));
    }
    return "[" + String.join(", ", q) + "]";
  }

  private static String renderOrUnset(Setting<?> s, Object value) {
    return value == null ? "unset" : render(s, value);
  }

  @SuppressWarnings("unchecked") // values of a setting always have the setting's type
  private static <T> String render(Setting<T> s, Object value) {
    return s.type.toToml((T) value);
  }
}
