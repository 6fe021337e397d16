package dev.ztna.server.relay;

import dev.ztna.server.cluster.fabric.Fabric;
import dev.ztna.server.loop.ClientConnection;
import java.net.InetSocketAddress;
import org.agrona.DirectBuffer;

/**
 * Several nodes: the stand-in, on a Connector's node, for an Agent connected to another node (its
 * node id and its connection handle there), learned from the datagrams it sent over the fabric. Its
 * {@link Registration} owns inner addresses like a local Agent's, so the Connector's replies find
 * it by the same rule (ZTNA-V1 §4); sending to it offers the datagram to its node. It is never in
 * its service's list of Agents (the cross-node sole-Agent rule asks the directory instead).
 */
final class RemoteAgent implements ClientConnection {
  final int node;
  final long handle;
  private final Fabric fabric;
  private Object attachment;

  RemoteAgent(int node, long handle, Fabric fabric) {
    this.node = node;
    this.handle = handle;
    this.fabric = fabric;
  }

  /** The Agent's connection handle on its own node. */
  @Override
  public long id() {
    return handle;
  }

  /** Unknown here: the Agent's address is its own node's business. */
  @Override
  public InetSocketAddress peerAddress() {
    return null;
  }

  @Override
  public int sendDatagram(DirectBuffer data, int offset, int length) {
    return fabric.offerToAgent(node, handle, data, 0, 0, data, offset, length) == Fabric.SENT
        ? SEND_QUEUED
        : Fabric.DROPPED;
  }

  @Override
  public int maxDatagramPayload() {
    return fabric.maxPayload(node, 0);
  }

  /** Closing a stand-in does nothing: the Agent's own node owns its connection. */
  @Override
  public void close(long applicationErrorCode, String reason) {}

  @Override
  public boolean isClosing() {
    return false;
  }

  @Override
  public Object attachment() {
    return attachment;
  }

  @Override
  public void attachment(Object value) {
    this.attachment = value;
  }

  @Override
  public String toString() {
    return "Agent conn#" + handle + " on node " + node;
  }
}
