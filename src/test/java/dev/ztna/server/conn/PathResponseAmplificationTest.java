package dev.ztna.server.conn;

import static dev.ztna.server.conn.QuicConnectionTest.established;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.wire.FrameWriter;
import java.net.InetSocketAddress;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * A PATH_RESPONSE goes to the address the PATH_CHALLENGE came from, which is unvalidated: it obeys
 * the 3x anti-amplification limit (RFC 9000 §8.2.1, §9.3) even when that address is no longer the
 * path candidate, so a spoofed-source probe cannot make the server a 24x amplifier.
 */
class PathResponseAmplificationTest {
  private static final InetSocketAddress VICTIM = new InetSocketAddress("198.51.100.7", 40000);
  private static final InetSocketAddress OTHER = new InetSocketAddress("203.0.113.9", 40001);

  private static void from(Harness h, InetSocketAddress addr, byte[] datagram) {
    byte[] copy = datagram.clone();
    h.conn.onDatagram(copy, 0, copy.length, addr, h.now);
  }

  private static long sentTo(Harness h, InetSocketAddress addr) {
    long n = 0;
    for (int i = 0; i < h.serverDatagrams.size(); i++) {
      if (addr.equals(h.serverDestinations.get(i))) {
        n += h.serverDatagrams.get(i).length;
      }
    }
    return n;
  }

  @Test
  void responseToAnAddressThatIsNoLongerTheCandidateIsAmplificationLimited() {
    Harness h = established(301);
    // A small PATH_CHALLENGE "from" the victim (an attacker on path spoofing its source), then a
    // packet from another address, which becomes the path candidate before anything is sent.
    byte[] challenge = new byte[9];
    FrameWriter.writePathChallenge(new UnsafeBuffer(challenge), 0, 0x0102030405060708L);
    byte[] probe = h.client.appPacket(challenge);
    assertTrue(probe.length < 100, "a small probe: " + probe.length);
    from(h, VICTIM, probe);
    from(h, OTHER, h.client.appPacket(new byte[] {0x01}));
    h.step0();
    long toVictim = sentTo(h, VICTIM);
    assertTrue(toVictim > 0, "the PATH_RESPONSE is sent (within the limit)");
    assertTrue(
        toVictim <= 3L * probe.length,
        "sent " + toVictim + " bytes to an address that sent " + probe.length);
    // More from the victim raises its allowance, never past 3x.
    from(h, VICTIM, probe);
    h.step0();
    assertTrue(sentTo(h, VICTIM) <= 6L * probe.length);
  }
}
