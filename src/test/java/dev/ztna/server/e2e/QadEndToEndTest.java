package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.interop.FaultProxy;
import dev.ztna.server.relay.RelayCounters.Counter;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** ZTNA-V1 §3: OBSERVED_ADDRESS after the handshake and again after a validated address change. */
class QadEndToEndTest {
  @Test
  void quicheGetsItsOwnAddress() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        QuichePeer peer = QuichePeer.connect("quiche", relay.address())) {
      assertEquals(peer.localAddress(), E2e.nextObserved(peer));
    }
  }

  @Test
  void kwikGetsItsOwnAddress() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        KwikPeer peer = KwikPeer.connect("kwik", relay.address())) {
      assertEquals(peer.localAddress(), E2e.nextObserved(peer));
    }
  }

  @Test
  void throughProxyQuicheSeesProxyAddressAndTheNewOneAfterRebinding() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        FaultProxy proxy = new FaultProxy(relay.address(), 7L);
        QuichePeer peer = QuichePeer.connect("quiche", proxy.clientFacingAddress())) {
      InetSocketAddress upstream = proxy.upstreamAddressOf(peer.localAddress());
      assertEquals(upstream, E2e.nextObserved(peer));
      InetSocketAddress rebound = proxy.rebind(peer.localAddress());
      assertNotEquals(upstream, rebound);
      // The server only learns of the new path from a packet: send one (an unregistered packet is
      // dropped and counted, which is fine here).
      peer.send(E2e.ipv4Packet(1, 2, 0, 40, 1));
      InetSocketAddress second = E2e.nextObserved(peer);
      assertEquals(rebound, second);
      assertTrue(relay.relay(Counter.ADDRESS_CHANGES) >= 1);
    }
  }

  /**
   * One NAT rebinding must produce exactly one validated address change and one new
   * OBSERVED_ADDRESS. Fails today: QuicConnection.onDatagram computes {@code fromPeer} once per
   * datagram, so the packet carrying the PATH_RESPONSE (from the new address) first completes the
   * migration (peer = new address) and then, at the end of processPacket, is still treated as "from
   * a new address" ({@code !fromPeer}), which starts a second path validation of the address that
   * is already the peer's; it succeeds and calls onAddressChanged again with the same address.
   */
  @Test
  void oneRebindingIsReportedOnce() throws Exception {
    int agentIp = E2e.ipv4(10, 11, 0, 2);
    int serviceIp = E2e.ipv4(172, 16, 11, 1);
    try (E2e.Relay relay = new E2e.Relay();
        FaultProxy proxy = new FaultProxy(relay.address(), 9L);
        QuichePeer agent = QuichePeer.connect("agent", proxy.clientFacingAddress());
        QuichePeer connector = QuichePeer.connect("connector", relay.address())) {
      E2e.nextObserved(agent);
      E2e.registerConnector(relay, connector, "qad");
      E2e.registerAgent(relay, agent, "qad");
      InetSocketAddress rebound = proxy.rebind(agent.localAddress());
      E2e.pingPong(agent, connector, E2e.ipv4Packet(agentIp, serviceIp, 0, 40, 9));
      assertEquals(rebound, E2e.nextObserved(agent));
      for (int i = 1; i <= 5; i++) {
        E2e.pingPong(agent, connector, E2e.ipv4Packet(agentIp, serviceIp, i, 40, 9));
        E2e.pingPong(connector, agent, E2e.ipv4Packet(serviceIp, agentIp, i, 40, 9));
      }
      assertEquals(1, relay.relay(Counter.ADDRESS_CHANGES), relay.app.counters().toString());
    }
  }

  @Test
  void throughProxyKwikSeesProxyAddressAndTheNewOneAfterMigration() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        FaultProxy proxy = new FaultProxy(relay.address(), 8L);
        KwikPeer peer = KwikPeer.connect("kwik", proxy.clientFacingAddress())) {
      InetSocketAddress upstream = proxy.upstreamAddressOf(peer.localAddress());
      assertEquals(upstream, E2e.nextObserved(peer));
      InetSocketAddress moved = peer.client().changeAddress();
      peer.send(E2e.ipv4Packet(1, 2, 0, 40, 1));
      InetSocketAddress second = E2e.nextObserved(peer);
      E2e.await(() -> proxy.upstreamAddressOf(moved) != null, () -> "proxy saw " + moved);
      assertEquals(proxy.upstreamAddressOf(moved), second);
      assertNotEquals(upstream, second);
    }
  }
}
