package dev.ztna.server.loop;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.conn.ConnectionConfig;
import dev.ztna.server.conn.QlogSink;
import dev.ztna.server.conn.RandomConnectionIdGenerator;
import dev.ztna.server.conn.StatelessResetTokens;
import dev.ztna.server.crypto.PacketProtection;
import dev.ztna.server.tls.KeyLogSink;
import dev.ztna.server.tls.TlsServerConfig;
import dev.ztna.server.trace.KeyLogWriter;
import dev.ztna.server.trace.QlogWriter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running server: the bound endpoints and the {@link AgentRunner} thread driving the {@link
 * ServerAgent}. Used by the launcher and by tests (which listen on {@code 127.0.0.1:0} with the
 * back-off idle strategy).
 */
public final class ZtnaServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ZtnaServer.class);

  private final ServerCounters counters;
  private final List<InetSocketAddress> localAddresses;
  private final AgentRunner runner;
  private final Thread loopThread;
  private final ServerAgent agent;
  private final Duration drainTimeout;
  private KeyLogWriter keyLog;
  private QlogWriter qlog;

  private ZtnaServer(
      ServerCounters counters,
      List<InetSocketAddress> local,
      AgentRunner runner,
      Thread loopThread,
      ServerAgent agent,
      Duration drainTimeout) {
    this.loopThread = loopThread;
    this.agent = agent;
    this.drainTimeout = drainTimeout;
    this.counters = counters;
    this.localAddresses = List.copyOf(local);
    this.runner = runner;
  }

  /** The socket I/O the loop runs on ({@code nio}, {@code nio-connected} or {@code batched}). */
  public String ioName() {
    return agent.ioName();
  }

  /** Binds every listen address and starts the duty-cycle thread running {@code application}. */
  public static ZtnaServer start(
      ServerConfig config, ServerCredentials credentials, Application application)
      throws IOException {
    return start(config, credentials, application, new ServerCounters(), null);
  }

  /**
   * As {@link #start(ServerConfig, ServerCredentials, Application)}, keeping the loop's counters in
   * {@code counters} (e.g. allocated in the process's {@link CountersFile}) and recording the loop
   * histograms into {@code metrics} (null: none).
   */
  public static ZtnaServer start(
      ServerConfig config,
      ServerCredentials credentials,
      Application application,
      ServerCounters counters,
      LoopMetrics metrics)
      throws IOException {
    DatagramIo io = DatagramIos.open(config.io, config.listen, counters);
    List<InetSocketAddress> local = new ArrayList<>();
    for (UdpEndpoint endpoint : io.endpoints()) {
      local.add(endpoint.localAddress());
    }
    // Select (and self-test) the AES-GCM implementation now, not on the first connection.
    LOG.info("AES-GCM implementation: {}", PacketProtection.aesGcmImplementation());
    SecureRandom random = new SecureRandom();
    // Issue 11 §3: nodes behind one load balancer share the Retry token key, so a token minted by
    // one validates on any; a single node makes its own.
    byte[] secret = config.retryTokenKey();
    if (secret == null) {
      secret = new byte[32];
      random.nextBytes(secret);
    }
    KeyLogWriter keyLog = null;
    QlogWriter qlog = null;
    ServerAgent agent;
    try {
      keyLog = config.keyLogFile == null ? null : KeyLogWriter.open(config.keyLogFile);
      qlog =
          config.qlogDir == null
              ? null
              : QlogWriter.open(config.qlogDir, config.qlogSample, random);
      agent =
          new ServerAgent(
              config,
              io,
              counters,
              new RetryTokens(secret, config.tokenLifetime.toMillis()),
              connectionConfig(config, credentials, random, keyLog, qlog),
              application,
              SystemEpochClock.INSTANCE,
              new SystemNanoClock(),
              metrics);
    } catch (IOException | RuntimeException e) {
      io.close();
      if (keyLog != null) {
        keyLog.close();
      }
      if (qlog != null) {
        qlog.close();
      }
      throw e;
    }
    AgentRunner runner =
        new AgentRunner(
            idleStrategy(config.idleKind), t -> LOG.error("server loop error", t), null, agent);
    Thread loopThread =
        config.loopCpu < 0
            ? AgentRunner.startOnThread(runner)
            : AgentRunner.startOnThread(runner, LoopAffinity.pinningThreadFactory(config.loopCpu));
    LOG.info(
        "listening on {} (io {}, retry {}, idle strategy {}, cid length {} {}, client"
            + " authentication {})",
        local,
        agent.ioName(),
        config.retryMode,
        config.idleKind,
        config.cidLength,
        config.connectionIds == null ? "random" : config.connectionIds,
        config.clientAuth == null ? "none" : config.clientAuth);
    AdmissionControl.logHeapBudget(config);
    SelectorBoxing.warnIfBoxing(LOG, config.io == ServerConfig.IoMode.NIO_CONNECTED);
    ZtnaServer server =
        new ZtnaServer(counters, local, runner, loopThread, agent, config.drainTimeout);
    server.keyLog = keyLog;
    server.qlog = qlog;
    return server;
  }

  /** The per-connection transport profile (ZTNA-V1 §1) from the server configuration. */
  public static ConnectionConfig connectionConfig(
      ServerConfig config, ServerCredentials credentials, SecureRandom random) {
    return connectionConfig(config, credentials, random, null, null);
  }

  /** As above, with the key log and qlog writers ({@code null}: off). */
  static ConnectionConfig connectionConfig(
      ServerConfig config,
      ServerCredentials credentials,
      SecureRandom random,
      KeyLogWriter keyLog,
      QlogWriter qlog) {
    byte[] resetKey = new byte[32];
    random.nextBytes(resetKey);
    return ConnectionConfig.builder(
            new TlsServerConfig(credentials, List.of(TlsServerConfig.ZTNA_V1), config.clientAuth),
            config.connectionIds == null
                ? new RandomConnectionIdGenerator(config.cidLength, random)
                : config.connectionIds.create(random),
            new StatelessResetTokens(resetKey))
        .idleTimeoutMs(config.idleTimeoutMs)
        .maxUdpPayloadSize(config.maxUdpPayloadSize)
        .maxDatagramFrameSize(config.maxDatagramFrameSize)
        .initialMaxData(config.initialMaxData)
        .initialMaxStreamData(config.initialMaxStreamData)
        .initialMaxStreamsBidi(config.initialMaxStreamsBidi)
        .initialMaxStreamsUni(config.initialMaxStreamsUni)
        .maxDatagramQueue(config.maxDatagramQueue)
        .keyLog(keyLog != null ? keyLog : KeyLogSink.NONE)
        .qlog(qlog != null ? qlog : QlogSink.Factory.NONE)
        .build();
  }

  /**
   * The idle strategy for a configured kind: busy-spin in production, back-off for shared machines
   * and tests.
   */
  public static IdleStrategy idleStrategy(ServerConfig.IdleKind kind) {
    return kind == ServerConfig.IdleKind.BUSY_SPIN
        ? new BusySpinIdleStrategy()
        : new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
  }

  /** The bound addresses, in the order they were configured. */
  public List<InetSocketAddress> localAddresses() {
    return localAddresses;
  }

  /** The duty-cycle thread (for allocation measurements and diagnostics). */
  public Thread loopThread() {
    return loopThread;
  }

  /** The loop's counters (readable from any thread). */
  public ServerCounters counters() {
    return counters;
  }

  /**
   * Replaces the limits from any thread (e.g. a SIGHUP configuration reload); the loop applies them
   * at its next duty cycle (see {@link ServerAgent#updateLimits}).
   */
  public void updateLimits(Limits limits) {
    agent.updateLimits(limits);
  }

  /**
   * True while the server takes new connections: started, no drain requested ({@link
   * #requestDrain()}, {@link #close()}), loop not stopped. Readable from any thread.
   */
  public boolean isReady() {
    return !agent.isShutdownRequested() && !runner.isClosed() && loopThread.isAlive();
  }

  /**
   * Starts the drain without waiting: refuses new connections and closes every connection with the
   * application's shutdown close ({@link Application#shutdownErrorCode()}, 0x103 for the relay);
   * the loop keeps running until {@link #close()}.
   */
  public void requestDrain() {
    agent.requestShutdown();
  }

  /** Connections accepted and not yet freed (from the counters; readable from any thread). */
  public long liveConnections() {
    return counters.get(ServerCounters.Counter.CONNECTIONS_ACCEPTED)
        - counters.get(ServerCounters.Counter.CONNECTIONS_FREED);
  }

  /**
   * Graceful stop: closes every connection with the application's shutdown error code (0x103 for
   * the relay, ZTNA-V1 §5), refuses new ones, waits up to the configured drain timeout for the
   * closes to go out and the connections to be freed, then stops the loop thread and closes the
   * sockets. Idempotent.
   */
  @Override
  public void close() {
    if (runner.isClosed()) {
      return;
    }
    agent.requestShutdown();
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    while (liveConnections() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (liveConnections() > 0) {
      LOG.warn("drain timeout: {} connections still open", liveConnections());
    }
    runner.close(
        5_000,
        thread -> LOG.warn("loop thread {} has not stopped after 5 s; interrupting", thread));
    // After the loop stopped: nothing produces records any more; the writers drain and close.
    if (keyLog != null) {
      keyLog.close();
    }
    if (qlog != null) {
      qlog.close();
    }
  }

  /** The qlog writer, or null when qlog is off (tests read its counters). */
  public QlogWriter qlogWriter() {
    return qlog;
  }

  /** The key log writer, or null when the key log is off. */
  public KeyLogWriter keyLogWriter() {
    return keyLog;
  }
}
