package dev.ztna.server.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code [cluster]} table (issue 11 §2): this node's id in the replicated service directory,
 * the directory cluster's members, and which member (if any) this process runs. A single node
 * leaves it out ({@code node_id = -1}, no member): no Aeron at all. See {@link Settings} for each
 * key's default and range.
 */
public final class ClusterSettings {
  /** This node's id in the directory, or -1 (single node). */
  public final int nodeId;

  /** Every member's {@code host:basePort} (Aeron endpoint form), in member id order. */
  public final List<String> members;

  /** The member this process runs, or -1. */
  public final int memberId;

  public final Path dir;
  public final long sessionTimeoutMs;
  public final long leaderHeartbeatTimeoutMs;
  public final String ingressChannel;
  public final String egressChannel;

  /** The directory client's media driver directory, or null (see {@link Settings}). */
  public final Path aeronDir;

  ClusterSettings(ConfigValues v) {
    nodeId = v.get(Settings.CLUSTER_NODE_ID);
    List<String> m = new ArrayList<>();
    List<InetSocketAddress> given = v.get(Settings.CLUSTER_MEMBERS);
    for (InetSocketAddress a : given == null ? List.<InetSocketAddress>of() : given) {
      m.add(ListenAddresses.format(a));
      if (a.getPort() > 65535 - 4) {
        throw invalid(
            v,
            Settings.CLUSTER_MEMBERS,
            "port " + a.getPort() + " leaves no room for the" + " four ports after it");
      }
    }
    members = List.copyOf(m);
    memberId = v.get(Settings.CLUSTER_MEMBER_ID);
    dir = v.get(Settings.CLUSTER_DIR);
    sessionTimeoutMs = v.get(Settings.CLUSTER_SESSION_TIMEOUT_MS);
    leaderHeartbeatTimeoutMs = v.get(Settings.CLUSTER_LEADER_TIMEOUT_MS);
    ingressChannel = channel(v, Settings.CLUSTER_INGRESS_CHANNEL);
    egressChannel = channel(v, Settings.CLUSTER_EGRESS_CHANNEL);
    aeronDir = v.get(Settings.CLUSTER_AERON_DIR);
    if ((nodeId >= 0 || memberId >= 0) && members.isEmpty()) {
      throw invalid(
          v,
          nodeId >= 0 ? Settings.CLUSTER_NODE_ID : Settings.CLUSTER_MEMBER_ID,
          "needs cluster.members (every directory cluster member's HOST:PORT)");
    }
    if (memberId >= members.size() && memberId >= 0) {
      throw invalid(
          v,
          Settings.CLUSTER_MEMBER_ID,
          memberId + " is not a member: cluster.members lists " + members.size());
    }
  }

  /** Whether this node uses the replicated directory (several nodes). */
  public boolean isClustered() {
    return nodeId >= 0;
  }

  /** Whether this process runs a directory cluster member. */
  public boolean hostsMember() {
    return memberId >= 0;
  }

  private static String channel(ConfigValues v, Setting<String> s) {
    String c = v.get(s);
    if (!c.startsWith("aeron:udp") && !c.startsWith("aeron:ipc")) {
      throw invalid(v, s, "'" + c + "' is not an Aeron channel (aeron:udp?...)");
    }
    return c;
  }

  private static ConfigException invalid(ConfigValues v, Setting<?> s, String why) {
    return new ConfigException(s.name(v.entry(s).origin) + " " + why);
  }

  @Override
  public String toString() {
    return isClustered() || hostsMember()
        ? "cluster: node "
            + nodeId
            + ", members "
            + members
            + ", member here "
            + (hostsMember() ? memberId : "none")
            + ", session timeout "
            + sessionTimeoutMs
            + " ms"
        : "cluster: none (single node)";
  }
}
