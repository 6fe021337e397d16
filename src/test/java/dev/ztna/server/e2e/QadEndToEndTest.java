package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
      long before = relay.relay(Counter.ADDRESS_CHANGES);
      peer.send(E2e.ipv4Packet(1, 2, 0, 40, 1));
      InetSocketAddress second = E2e.nextObserved(peer);
      assertEquals(rebound, second);
      assertEquals(before + 1, relay.relay(Counter.ADDRESS_CHANGES));
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
