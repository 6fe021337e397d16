/**
 * The ztna-v1 relay (ZTNA-V1 §2-§5) on top of the server loop: address discovery (OBSERVED_ADDRESS
 * datagrams), registration of Agents and Connectors by service id, and the relay of IP packets
 * carried in DATAGRAM frames between an Agent and its service's Connector. Everything runs on the
 * loop's duty-cycle thread; the per-datagram path allocates nothing in steady state. Depends only
 * on {@code loop}'s {@link dev.ztna.server.loop.Application} and {@link
 * dev.ztna.server.loop.ClientConnection} (plus Agrona and SLF4J); never on {@code crypto}, {@code
 * tls} or {@code conn}; uses {@code policy} to authorize REGISTERs. Wire it into the server with
 * {@code new RelayApplication(new RelayCounters())} (no authorization: development) or {@code new
 * RelayApplication(counters, policy)}; see {@link dev.ztna.server.policy} for building a policy and
 * reloading it.
 */
package dev.ztna.server.relay;
