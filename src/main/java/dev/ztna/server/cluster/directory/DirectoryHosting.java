package dev.ztna.server.cluster.directory;

import dev.ztna.server.config.ClusterSettings;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.util.concurrent.TimeUnit;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;

/**
 * The directory's parts a server process runs, from its {@code [cluster]} settings: the co-located
 * cluster member when {@code cluster.member_id} is set, and the node's directory client ({@link
 * #openDirectory}) for the relay to poll in its duty cycle. Nothing when the settings name no
 * cluster (single node: no Aeron at all).
 */
public final class DirectoryHosting implements AutoCloseable {
  private final ClusterSettings settings;
  private ClusterMember member;
  private MediaDriver clientDriver;
  private AeronClusterServiceDirectory directory;

  private DirectoryHosting(ClusterSettings settings) {
    this.settings = settings;
  }

  /** Starts the co-located member, if the settings name one (blocking until it is up). */
  public static DirectoryHosting start(ClusterSettings settings) {
    DirectoryHosting h = new DirectoryHosting(settings);
    if (settings.hostsMember()) {
      h.member = ClusterMember.launch(memberConfig(settings));
    }
    return h;
  }

  /** The member's configuration from the settings. */
  public static ClusterMember.Config memberConfig(ClusterSettings settings) {
    return new ClusterMember.Config()
        .memberId(settings.memberId)
        .members(settings.members)
        .dir(settings.dir.resolve("member-" + settings.memberId))
        .sessionTimeout(settings.sessionTimeoutMs, TimeUnit.MILLISECONDS)
        .leaderHeartbeatTimeout(settings.leaderHeartbeatTimeoutMs, TimeUnit.MILLISECONDS);
  }

  /** The co-located member, or null. */
  public ClusterMember member() {
    return member;
  }

  /**
   * The node's directory client (opened once; null for a single node). Its media driver is the
   * co-located member's, {@code cluster.aeron_dir}'s, or one started here; it is polled by the
   * caller's duty cycle. Its heartbeats go every tenth of the session timeout; it takes the session
   * as lost after twice the session timeout plus the leader timeout without an answer.
   */
  public AeronClusterServiceDirectory openDirectory(DirectoryCounters counters) {
    if (!settings.isClustered()) {
      return null;
    }
    if (directory != null) {
      return directory;
    }
    String aeronDir;
    if (member != null) {
      aeronDir = member.aeronDirectoryName();
    } else if (settings.aeronDir != null) {
      aeronDir = settings.aeronDir.toAbsolutePath().toString();
    } else {
      clientDriver =
          MediaDriver.launchEmbedded(
              new MediaDriver.Context()
                  .aeronDirectoryName(
                      settings.dir.resolve("client-driver").toAbsolutePath().toString())
                  .threadingMode(ThreadingMode.SHARED)
                  .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 1_000_000))
                  .termBufferSparseFile(true)
                  .publicationTermBufferLength(1 << 20)
                  .ipcTermBufferLength(1 << 20)
                  .dirDeleteOnStart(true)
                  .dirDeleteOnShutdown(true));
      aeronDir = clientDriver.aeronDirectoryName();
    }
    long sessionTimeoutMs = settings.sessionTimeoutMs;
    directory =
        new AeronClusterServiceDirectory(
            new AeronClusterServiceDirectory.Config()
                .node(settings.nodeId)
                .aeronDirectoryName(aeronDir)
                .ingressChannel(settings.ingressChannel)
                .ingressEndpoints(ClusterMember.ingressEndpoints(settings.members))
                .egressChannel(settings.egressChannel)
                .heartbeatInterval(Math.max(10, sessionTimeoutMs / 10), TimeUnit.MILLISECONDS)
                .livenessTimeout(
                    2 * sessionTimeoutMs + settings.leaderHeartbeatTimeoutMs,
                    TimeUnit.MILLISECONDS),
            counters);
    return directory;
  }

  @Override
  public void close() {
    CloseHelper.quietCloseAll(directory, clientDriver, member);
    directory = null;
    clientDriver = null;
    member = null;
  }
}
