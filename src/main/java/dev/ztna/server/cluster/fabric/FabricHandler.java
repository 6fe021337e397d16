package dev.ztna.server.cluster.fabric;

import org.agrona.DirectBuffer;

/**
 * Where {@link Fabric#poll()} delivers well-formed messages from peers (see {@link FabricHeader}
 * for the kinds). Called on the duty-cycle thread; the buffer is valid only during the call.
 */
public interface FabricHandler {
  /** An Agent's datagram on {@code sourceNode} for the local Connector of the service. */
  void onToConnector(
      int sourceNode,
      long sourceHandle,
      DirectBuffer buffer,
      int serviceIdOffset,
      int serviceIdLength,
      int payloadOffset,
      int payloadLength);

  /**
   * A Connector's datagram for the local Agent with {@code destinationHandle}, or with {@link
   * FabricHeader#SOLE_AGENT} for the only local Agent of the service (then the id is given;
   * otherwise its length is 0).
   */
  void onToAgent(
      int sourceNode,
      long destinationHandle,
      DirectBuffer buffer,
      int serviceIdOffset,
      int serviceIdLength,
      int payloadOffset,
      int payloadLength);

  /** The Agent with {@code sourceHandle} on {@code sourceNode} left. */
  void onAgentGone(int sourceNode, long sourceHandle);
}
