/**
 * The node-to-node fabric (issue 11 §1): relayed datagrams cross between nodes over Aeron UDP, at
 * most one hop. Each node runs an embedded media driver ({@link FabricConfig}), one subscription on
 * its own endpoint and one exclusive publication to each peer ({@link Fabric}); every message is a
 * {@link FabricHeader} (a fixed 24-byte big-endian header, then the service id when it names one,
 * then the datagram unchanged). Offers use {@code tryClaim} and never block: a back-pressured,
 * unconnected or closed publication drops the datagram and counts why ({@link FabricCounters}). The
 * subscription is polled on the server's duty-cycle thread (from the relay's {@code onDutyCycle})
 * with one {@code FragmentHandler} allocated at start, so the path allocates nothing. Knows nothing
 * of the relay's rules: the relay hands it datagrams and receives them through {@link
 * FabricHandler}. Depends on {@code loop} (counters), Aeron and Agrona.
 */
package dev.ztna.server.cluster.fabric;
