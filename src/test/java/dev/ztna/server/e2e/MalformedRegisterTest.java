package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ztna.server.relay.RelayApplication;
import dev.ztna.server.relay.RelayCounters.Counter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ZTNA-V1 §4/§5: a malformed REGISTER from a real client, sent once, closes that connection with
 * 0x101 and a reason phrase, which both quiche (through Netty, whose channel only goes inactive on
 * a close with a reason) and Kwik report; a registered pair on the same server keeps relaying.
 */
class MalformedRegisterTest {
  private static final int AGENT_IP = E2e.ipv4(10, 3, 0, 2);
  private static final int SERVICE_IP = E2e.ipv4(172, 16, 3, 1);

  static Map<String, byte[]> variants() {
    Map<String, byte[]> v = new LinkedHashMap<>();
    v.put("length byte too large", new byte[] {0x10, 5, 'a', 'b'});
    v.put("length byte too small", new byte[] {0x11, 1, 'a', 'b', 'c'});
    v.put("L = 0", new byte[] {0x10, 0});
    v.put("type byte only", new byte[] {0x11});
    v.put("bad UTF-8 (C3 28)", new byte[] {0x10, 2, (byte) 0xC3, 0x28});
    v.put("bad UTF-8 (lone continuation)", new byte[] {0x11, 3, 'a', (byte) 0x80, 'b'});
    v.put("bad UTF-8 (overlong NUL)", new byte[] {0x10, 2, (byte) 0xC0, (byte) 0x80});
    v.put("bad UTF-8 (surrogate)", new byte[] {0x10, 3, (byte) 0xED, (byte) 0xA0, (byte) 0x80});
    byte[] extra = new byte[2 + 256];
    extra[0] = 0x11;
    extra[1] = (byte) 255;
    Arrays.fill(extra, 2, extra.length, (byte) 'x');
    v.put("L = 255 plus one extra byte", extra);
    return v;
  }

  private static void roundTrip(Peer agent, Peer connector, int seq) throws InterruptedException {
    E2e.pingPong(agent, connector, E2e.ipv4Packet(AGENT_IP, SERVICE_IP, seq, 200, seq));
    E2e.pingPong(connector, agent, E2e.ipv4Packet(SERVICE_IP, AGENT_IP, seq + 1, 200, seq));
  }

  @Test
  void eachVariantClosesWith0x101AndOthersKeepRelaying() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        QuichePeer agent = QuichePeer.connect("agent", relay.address());
        KwikPeer connector = KwikPeer.connect("connector", relay.address())) {
      E2e.registerConnector(relay, connector, "good");
      E2e.registerAgent(relay, agent, "good");
      roundTrip(agent, connector, 0);
      int seq = 10;
      int n = 0;
      for (Map.Entry<String, byte[]> e : variants().entrySet()) {
        for (boolean kwik : new boolean[] {false, true}) {
          String name = (kwik ? "kwik " : "quiche ") + e.getKey();
          Peer bad =
              kwik
                  ? KwikPeer.connect(name, relay.address())
                  : QuichePeer.connect(name, relay.address());
          try {
            E2e.nextObserved(bad);
            // Sent once: the close must reach the client without any re-send (issue 12 item 1).
            bad.send(e.getValue());
            E2e.await(
                () ->
                    bad.closeError() == RelayApplication.ERROR_MALFORMED_REGISTER && bad.isClosed(),
                () ->
                    name
                        + ": expected close 0x101 and the connection gone, saw "
                        + bad.closeError()
                        + ", closed "
                        + bad.isClosed());
            n++;
            roundTrip(agent, connector, seq);
            seq += 2;
          } finally {
            bad.close();
          }
        }
      }
      assertEquals(n, relay.relay(Counter.REGISTER_MALFORMED));
      assertEquals(1, relay.relay(Counter.CONNECTORS_REGISTERED));
      assertEquals(1, relay.relay(Counter.AGENTS_REGISTERED));
      assertEquals(1, relay.app.registry().serviceCount());
    }
  }
}
