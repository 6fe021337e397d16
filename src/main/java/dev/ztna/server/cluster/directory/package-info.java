/**
 * The replicated service directory on Aeron Cluster (issue 11 §2): {@link
 * dev.ztna.server.cluster.directory.DirectoryService}, the {@code ClusteredService} that holds, per
 * service id, the node of its Connector (newest wins) and, per node, the count of its Agents, with
 * snapshot and replay; {@link dev.ztna.server.cluster.directory.DirectoryState}, that state machine
 * on its own; {@link dev.ztna.server.cluster.directory.AeronClusterServiceDirectory}, a node's
 * cluster client and local copy behind {@link dev.ztna.server.cluster.ServiceDirectory}; {@link
 * dev.ztna.server.cluster.directory.DirectoryMessage}, the flyweight of every message; and {@link
 * dev.ztna.server.cluster.directory.ClusterMember}, one cluster member (media driver, archive,
 * consensus module and the service container) embedded or as its own process.
 */
package dev.ztna.server.cluster.directory;
