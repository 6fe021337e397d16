package dev.ztna.server.cluster.directory;

import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ClusteredMediaDriver;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.io.File;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of the directory cluster: a media driver, an archive and a consensus module ({@link
 * ClusteredMediaDriver}) and a service container running {@link DirectoryService}, all in this
 * process, every agent with a backoff idle strategy (the directory is light: no core spins for it).
 * Run three, co-located with three relay nodes (embedded in the server) or on their own machines
 * ({@code cluster-member}).
 *
 * <p>Each member has one base port on its host; the member uses five from it: ingress (base),
 * consensus (base+1), log (base+2), catch-up (base+3) and archive control (base+4).
 */
public final class ClusterMember implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMember.class);

  /** Ports a member uses from its base port. */
  public static final int PORTS_PER_MEMBER = 5;

  /** A member's settings. */
  public static final class Config {
    int memberId;
    List<String> members;
    Path dir;
    String aeronDirectoryName;
    long sessionTimeoutNs = TimeUnit.SECONDS.toNanos(5);
    long leaderHeartbeatTimeoutNs = TimeUnit.SECONDS.toNanos(3);
    Supplier<IdleStrategy> idle = () -> new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
    ErrorHandler errorHandler = t -> LOG.warn("directory cluster member error", t);

    /** This member's id, its index in {@link #members}. */
    public Config memberId(int memberId) {
      this.memberId = memberId;
      return this;
    }

    /** Every member's {@code host:basePort}, in member id order. */
    public Config members(List<String> members) {
      this.members = List.copyOf(members);
      return this;
    }

    /** Where the member keeps its cluster log, archive and snapshots (its own directory). */
    public Config dir(Path dir) {
      this.dir = dir;
      return this;
    }

    /** The media driver's directory (default: {@code driver} under {@link #dir}). */
    public Config aeronDirectoryName(String name) {
      this.aeronDirectoryName = name;
      return this;
    }

    /** A client session silent this long is closed and its node's entries removed (5 s). */
    public Config sessionTimeout(long value, TimeUnit unit) {
      this.sessionTimeoutNs = unit.toNanos(value);
      return this;
    }

    /** Followers elect a new leader when the leader is silent this long (3 s). */
    public Config leaderHeartbeatTimeout(long value, TimeUnit unit) {
      this.leaderHeartbeatTimeoutNs = unit.toNanos(value);
      return this;
    }

    /** The idle strategy of every agent (default: backoff to 1 ms parks). */
    public Config idle(Supplier<IdleStrategy> idle) {
      this.idle = idle;
      return this;
    }

    /** Where the members' errors go (default: logged). */
    public Config errorHandler(ErrorHandler errorHandler) {
      this.errorHandler = errorHandler;
      return this;
    }

    String driverDir() {
      return aeronDirectoryName != null
          ? aeronDirectoryName
          : dir.resolve("driver").toAbsolutePath().toString();
    }
  }

  private final Config config;
  private final ClusteredMediaDriver driver;
  private final ClusteredServiceContainer container;
  private final DirectoryService service;

  private ClusterMember(
      Config config,
      ClusteredMediaDriver driver,
      ClusteredServiceContainer container,
      DirectoryService service) {
    this.config = config;
    this.driver = driver;
    this.container = container;
    this.service = service;
  }

  /** Starts the member (blocking until its parts are up; the election runs on). */
  public static ClusterMember launch(Config config) {
    if (config.members == null || config.members.isEmpty()) {
      throw new IllegalArgumentException("members must list every member's host:port");
    }
    if (config.memberId < 0 || config.memberId >= config.members.size()) {
      throw new IllegalArgumentException(
          "member id " + config.memberId + " outside 0.." + (config.members.size() - 1));
    }
    if (config.dir == null) {
      throw new IllegalArgumentException("dir is required");
    }
    String host = host(config.members.get(config.memberId));
    int base = port(config.members.get(config.memberId));
    String aeronDir = config.driverDir();
    File clusterDir = config.dir.resolve("cluster").toFile();

    MediaDriver.Context driverCtx =
        new MediaDriver.Context()
            .aeronDirectoryName(aeronDir)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(config.idle.get())
            .termBufferSparseFile(true)
            .publicationTermBufferLength(1 << 20)
            .ipcTermBufferLength(1 << 20)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .errorHandler(config.errorHandler);
    Archive.Context archiveCtx =
        new Archive.Context()
            .aeronDirectoryName(aeronDir)
            .archiveDir(config.dir.resolve("archive").toFile())
            .controlChannel(udp(host, base + 4))
            .localControlChannel("aeron:ipc?term-length=64k")
            .replicationChannel(udp(host, 0))
            .archiveClientContext(new AeronArchive.Context().controlResponseChannel(udp(host, 0)))
            .recordingEventsEnabled(false)
            .segmentFileLength(8 << 20)
            .threadingMode(ArchiveThreadingMode.SHARED)
            .idleStrategySupplier(config.idle)
            .errorHandler(config.errorHandler);
    AeronArchive.Context localArchive =
        new AeronArchive.Context()
            .lock(NoOpLock.INSTANCE)
            .controlRequestChannel(archiveCtx.localControlChannel())
            .controlRequestStreamId(archiveCtx.localControlStreamId())
            .controlResponseChannel(archiveCtx.localControlChannel())
            .aeronDirectoryName(aeronDir);
    ConsensusModule.Context consensusCtx =
        new ConsensusModule.Context()
            .clusterMemberId(config.memberId)
            .clusterMembers(clusterMembers(config.members))
            .clusterDir(clusterDir)
            .aeronDirectoryName(aeronDir)
            .archiveContext(localArchive.clone())
            .ingressChannel("aeron:udp")
            .logChannel("aeron:udp?term-length=1m")
            .replicationChannel(udp(host, 0))
            .sessionTimeoutNs(config.sessionTimeoutNs)
            .leaderHeartbeatTimeoutNs(config.leaderHeartbeatTimeoutNs)
            .idleStrategySupplier(config.idle)
            .errorHandler(config.errorHandler);
    DirectoryService service = new DirectoryService();
    ClusteredServiceContainer.Context containerCtx =
        new ClusteredServiceContainer.Context()
            .aeronDirectoryName(aeronDir)
            .archiveContext(localArchive.clone())
            .clusterDir(clusterDir)
            .clusteredService(service)
            .idleStrategySupplier(config.idle)
            .errorHandler(config.errorHandler);
    ClusteredMediaDriver driver = null;
    try {
      driver = ClusteredMediaDriver.launch(driverCtx, archiveCtx, consensusCtx);
      ClusteredServiceContainer container = ClusteredServiceContainer.launch(containerCtx);
      LOG.info(
          "directory cluster member {} up on {}:{} (ports {}..{}), dir {}",
          config.memberId,
          host,
          base,
          base,
          base + PORTS_PER_MEMBER - 1,
          config.dir);
      return new ClusterMember(config, driver, container, service);
    } catch (RuntimeException ex) {
      CloseHelper.quietClose(driver);
      throw ex;
    }
  }

  /** This member's id. */
  public int memberId() {
    return config.memberId;
  }

  /** The media driver's directory (a co-located node's directory client may use it). */
  public String aeronDirectoryName() {
    return config.driverDir();
  }

  /** The member's role now (leader, follower, candidate). */
  public io.aeron.cluster.service.Cluster.Role role() {
    return io.aeron.cluster.service.Cluster.Role.get(
        driver.consensusModule().context().clusterNodeRoleCounter());
  }

  /** The directory service of this member (its versions, for tests and operators). */
  public DirectoryService service() {
    return service;
  }

  /**
   * Asks the cluster, through this member (the leader), to take a snapshot, and waits for it
   * (blocking, up to 30 s): true when it was taken.
   */
  public boolean takeSnapshot() {
    return io.aeron.cluster.ClusterTool.snapshot(
        config.dir.resolve("cluster").toFile(),
        new java.io.PrintStream(OutputStream.nullOutputStream()));
  }

  /** The state this member's service holds (tests). */
  DirectoryState state() {
    return service.state();
  }

  @Override
  public void close() {
    CloseHelper.closeAll(container, driver);
  }

  /** The clients' ingress endpoints: {@code 0=host:base,1=host:base,...}. */
  public static String ingressEndpoints(List<String> members) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < members.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(i).append('=').append(members.get(i));
    }
    return sb.toString();
  }

  /** Aeron Cluster's member list: {@code id,ingress,consensus,log,catchup,archive|...}. */
  static String clusterMembers(List<String> members) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < members.size(); i++) {
      String host = host(members.get(i));
      int base = port(members.get(i));
      sb.append(i);
      for (int p = 0; p < PORTS_PER_MEMBER; p++) {
        sb.append(',').append(host).append(':').append(base + p);
      }
      sb.append('|');
    }
    return sb.toString();
  }

  static String host(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("member " + hostPort + " is not host:port");
    }
    return hostPort.substring(0, colon);
  }

  static int port(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException("member " + hostPort + " has no port", ex);
    }
    if (port < 1 || port > 65535 - PORTS_PER_MEMBER) {
      throw new IllegalArgumentException("member " + hostPort + ": port outside 1..65530");
    }
    return port;
  }

  private static String udp(String host, int port) {
    return "aeron:udp?endpoint=" + host + ":" + port;
  }
}
