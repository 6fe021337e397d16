package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.interop.FaultProxy;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 item 2, RFC 9000 §9.3: a NAT that moves each client to a new source port every 2 s and
 * closes the old one, under a relayed flow Agent &lt;-&gt; Connector (quiche through Netty) at 200
 * datagrams/s each way. The server must send to the new port at once (not only after validating
 * it), so the flow goes on with a loss of the order of a round trip per rebinding, no connection
 * dies, and each rebinding yields an OBSERVED_ADDRESS naming the new port.
 */
class RepeatedRebindingTest {
  private static final int AGENT_IP = E2e.ipv4(10, 12, 0, 2);
  private static final int SERVICE_IP = E2e.ipv4(172, 16, 12, 1);
  private static final long RATE_PER_SECOND = 200;

  /**
   * Datagrams a direction may lose per rebinding: 50 is 250 ms of the flow, far more than the round
   * trip or two the server needs to follow a rebinding on loopback (generous for 2 loaded cores);
   * before the fix each rebinding cost up to the whole path validation and more.
   */
  private static final int LOSS_PER_REBINDING = 50;

  /** Per-direction bookkeeping of the received sequence numbers and OBSERVED_ADDRESSes. */
  private static final class Side {
    final QuichePeer peer;
    final BitSet received = new BitSet();
    final Set<InetSocketAddress> observed = new HashSet<>();
    final List<InetSocketAddress> rebound = new ArrayList<>();
    int sent;

    Side(QuichePeer peer) {
      this.peer = peer;
    }

    void drain() {
      byte[] d;
      while ((d = peer.datagrams().poll()) != null) {
        if (E2e.isObservedAddress(d)) {
          observed.add(E2e.decodeObserved(d));
        } else if (d.length >= 8) {
          received.set(E2e.getInt(d, 4));
        }
      }
    }

    boolean allRebindingsObserved() {
      return observed.containsAll(rebound);
    }
  }

  @Test
  void flowSurvivesARebindingEveryTwoSeconds() throws Exception {
    long seed = Long.getLong("ztna.rebinding.seed", 0x12_02L);
    long seconds = E2e.FULL ? 60 : 20;
    System.out.println("RepeatedRebindingTest: proxy seed " + seed + ", " + seconds + " s");
    try (E2e.Relay relay = new E2e.Relay();
        FaultProxy proxy = new FaultProxy(relay.address(), seed);
        QuichePeer agentPeer = QuichePeer.connect("agent", proxy.clientFacingAddress());
        QuichePeer connectorPeer = QuichePeer.connect("connector", proxy.clientFacingAddress())) {
      Side agent = new Side(agentPeer);
      Side connector = new Side(connectorPeer);
      agent.observed.add(E2e.nextObserved(agentPeer));
      connector.observed.add(E2e.nextObserved(connectorPeer));
      E2e.registerConnector(relay, connectorPeer, "rebind");
      E2e.registerAgent(relay, agentPeer, "rebind");

      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      long interval = TimeUnit.SECONDS.toNanos(1) / RATE_PER_SECOND;
      // The Agent moves at 2 s, 4 s, ...; the Connector at 3 s, 5 s, ...
      long nextAgentRebind = start + TimeUnit.SECONDS.toNanos(2);
      long nextConnectorRebind = start + TimeUnit.SECONDS.toNanos(3);
      long next = start;
      int seq = 0;
      while (System.nanoTime() < end) {
        long now = System.nanoTime();
        if (now >= nextAgentRebind) {
          agent.rebound.add(proxy.rebind(agentPeer.localAddress()));
          nextAgentRebind += TimeUnit.SECONDS.toNanos(2);
        }
        if (now >= nextConnectorRebind) {
          connector.rebound.add(proxy.rebind(connectorPeer.localAddress()));
          nextConnectorRebind += TimeUnit.SECONDS.toNanos(2);
        }
        agentPeer.send(E2e.ipv4Packet(AGENT_IP, SERVICE_IP, seq, 100, seed));
        agent.sent++;
        connectorPeer.send(E2e.ipv4Packet(SERVICE_IP, AGENT_IP, seq, 100, seed));
        connector.sent++;
        seq++;
        agent.drain();
        connector.drain();
        assertTrue(
            !agentPeer.isClosed() && !connectorPeer.isClosed(),
            "a connection died: agent "
                + agentPeer.closeError()
                + ", connector "
                + connectorPeer.closeError()
                + "; "
                + relay.server.counters());
        next += interval;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait); // pacing the flow, not waiting for a result
        }
      }
      int rebindings = agent.rebound.size() + connector.rebound.size();
      // A datagram is lost when either end's rebinding hits it.
      int allowance = LOSS_PER_REBINDING * rebindings;
      E2e.await(
          () -> {
            agent.drain();
            connector.drain();
            return connector.received.cardinality() >= agent.sent - allowance
                && agent.received.cardinality() >= connector.sent - allowance
                && agent.allRebindingsObserved()
                && connector.allRebindingsObserved();
          },
          () ->
              "after "
                  + rebindings
                  + " rebindings: connector received "
                  + connector.received.cardinality()
                  + "/"
                  + agent.sent
                  + ", agent received "
                  + agent.received.cardinality()
                  + "/"
                  + connector.sent
                  + ", allowance "
                  + allowance
                  + "; agent rebound "
                  + agent.rebound
                  + " observed "
                  + agent.observed
                  + "; connector rebound "
                  + connector.rebound
                  + " observed "
                  + connector.observed
                  + "; "
                  + relay.server.counters());
      System.out.println(
          "RepeatedRebindingTest: "
              + rebindings
              + " rebindings; connector received "
              + connector.received.cardinality()
              + "/"
              + agent.sent
              + ", agent received "
              + agent.received.cardinality()
              + "/"
              + connector.sent
              + "; "
              + relay.server.counters());
      assertEquals(-1, agentPeer.closeError());
      assertEquals(-1, connectorPeer.closeError());
      assertTrue(!agentPeer.isClosed() && !connectorPeer.isClosed());
    }
  }
}
