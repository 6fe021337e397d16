package dev.ztna.server.e2e;

import dev.ztna.server.relay.RelayApplication;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ZTNA-V1 §5: graceful shutdown closes every client connection with application error 0x103. */
class ShutdownTest {
  @Test
  void everyClientSees0x103() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        QuichePeer agent = QuichePeer.connect("quiche-agent", relay.address());
        QuichePeer idle = QuichePeer.connect("quiche-unregistered", relay.address());
        KwikPeer connector = KwikPeer.connect("kwik-connector", relay.address());
        KwikPeer kwikIdle = KwikPeer.connect("kwik-unregistered", relay.address())) {
      E2e.registerConnector(relay, connector, "svc");
      E2e.registerAgent(relay, agent, "svc");
      E2e.pingPong(
          agent,
          connector,
          E2e.ipv4Packet(E2e.ipv4(10, 4, 0, 2), E2e.ipv4(172, 16, 4, 1), 0, 100, 9));
      relay.server.close();
      for (Peer p : List.<Peer>of(agent, idle, connector, kwikIdle)) {
        E2e.await(
            () -> p.closeError() == RelayApplication.ERROR_SHUTTING_DOWN,
            () -> p.name() + ": expected close 0x103, saw " + p.closeError());
      }
    }
  }
}
