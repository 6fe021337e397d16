package dev.ztna.server.e2e;

import dev.ztna.server.relay.RelayApplication;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every close path reaches real clients (issue 12 item 1): the connection ends on the client, with
 * the server's code where there is one, waiting on the condition only (no re-sends). Netty's QUIC
 * channel only goes inactive when the peer's CONNECTION_CLOSE carries a reason phrase, so {@link
 * Peer#isClosed()} on a quiche peer proves the reason reached the wire.
 */
class CloseEndToEndTest {

  private static void awaitClosed(Peer p, long code) {
    E2e.await(
        () -> p.closeError() == code && p.isClosed(),
        () ->
            p.name()
                + ": expected close 0x"
                + Long.toHexString(code)
                + " and the connection gone, saw "
                + p.closeError()
                + ", closed "
                + p.isClosed());
  }

  @Test
  void replacedConnectorSees0x102() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        QuichePeer quicheOld = QuichePeer.connect("quiche-old", relay.address());
        KwikPeer kwikOld = KwikPeer.connect("kwik-old", relay.address());
        QuichePeer newest = QuichePeer.connect("newest", relay.address())) {
      E2e.registerConnector(relay, quicheOld, "svc-q");
      E2e.registerConnector(relay, kwikOld, "svc-k");
      E2e.registerConnector(relay, newest, "svc-q");
      awaitClosed(quicheOld, RelayApplication.ERROR_REPLACED);
      // The same client replaces the Kwik connector of the other service on a second connection.
      try (QuichePeer newestK = QuichePeer.connect("newest-k", relay.address())) {
        E2e.registerConnector(relay, newestK, "svc-k");
        awaitClosed(kwikOld, RelayApplication.ERROR_REPLACED);
      }
    }
  }

  @Test
  void serverStopSends0x103ThatEveryClientSees() throws Exception {
    try (E2e.Relay relay = new E2e.Relay();
        QuichePeer quiche = QuichePeer.connect("quiche", relay.address());
        KwikPeer kwik = KwikPeer.connect("kwik", relay.address())) {
      E2e.registerAgent(relay, quiche, "svc");
      relay.server.close();
      for (Peer p : List.<Peer>of(quiche, kwik)) {
        awaitClosed(p, RelayApplication.ERROR_SHUTTING_DOWN);
      }
    }
  }

  @Test
  void idleTimeoutEndsTheConnectionOnTheClient() throws Exception {
    // RFC 9000 §10.1: the idle timeout is silent; each side ends the connection at the smaller of
    // the two max_idle_timeout values (1 s here), and the server frees its state.
    try (E2e.Relay relay = new E2e.Relay(b -> b.idleTimeoutMs(1000));
        QuichePeer quiche = QuichePeer.connect("quiche", relay.address());
        KwikPeer kwik = KwikPeer.connect("kwik", relay.address())) {
      for (Peer p : List.<Peer>of(quiche, kwik)) {
        E2e.await(p::isClosed, () -> p.name() + ": still open after the idle timeout");
      }
      relay.awaitAllFreed();
    }
  }
}
