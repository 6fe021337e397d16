package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.wire.FrameWriter;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Connection migration on the server side (RFC 9000 §9.3, §9.3.2, §9.4, §9.5). */
class MigrationTest {
  private static final InetSocketAddress OTHER_IP = new InetSocketAddress("198.51.100.7", 40000);

  @Test
  void failedValidationRevertsToTheLastValidatedPath() {
    Harness h = QuicConnectionTest.established(81);
    h.client.autoPathResponse = false;
    h.clientAddr = Harness.CLIENT2;
    h.client.queueDatagram(QuicConnectionTest.pattern(10, 1));
    h.step();
    assertEquals(Harness.CLIENT2, h.conn.peerAddress());
    // The client never answers: after three challenges the server goes back (§9.3.2).
    for (int i = 0; i < 200; i++) {
      h.advance();
      if (!h.conn.peerAddress().equals(Harness.CLIENT2)) {
        break;
      }
      h.step0();
    }
    assertEquals(Harness.CLIENT, h.conn.peerAddress());
    assertTrue(h.conn.isAddressValidated());
    assertEquals(List.of(Harness.CLIENT2, Harness.CLIENT), h.peerAddressChanges);
    assertTrue(h.addressChanges.isEmpty(), "no validated change reported");
    assertTrue(h.conn.isEstablished());
  }

  @Test
  void unvalidatedPathIsLimitedToThreeTimesWhatItSent() {
    Harness h = QuicConnectionTest.established(82);
    h.client.autoPathResponse = false;
    h.clientAddr = Harness.CLIENT2;
    h.client.queueDatagram(QuicConnectionTest.pattern(10, 2));
    h.step();
    long received = h.lastToServerLength;
    for (int i = 0; i < 50; i++) {
      h.conn.sendDatagram(new UnsafeBuffer(new byte[1000]), 0, 1000);
    }
    h.step0();
    long sentToNew = 0;
    for (int i = 0; i < h.serverDestinations.size(); i++) {
      if (h.serverDestinations.get(i).equals(Harness.CLIENT2)) {
        sentToNew += h.serverDatagrams.get(i).length;
      }
    }
    assertTrue(sentToNew > 0, "sent to the new path at once");
    assertTrue(sentToNew <= 3 * received, sentToNew + " bytes sent for " + received + " received");
  }

  @Test
  void rttAndCongestionStateResetForANewIpButNotForANewPort() {
    Harness h = QuicConnectionTest.established(83);
    assertTrue(h.conn.rtt().hasSample());
    h.clientAddr = Harness.CLIENT2; // same IP, new port: NAT rebinding
    h.client.queueDatagram(QuicConnectionTest.pattern(10, 3));
    h.step();
    assertTrue(h.conn.rtt().hasSample(), "port-only change keeps the RTT estimate");
    h.clientAddr = OTHER_IP;
    h.client.queueDatagram(QuicConnectionTest.pattern(10, 4));
    h.step();
    assertEquals(OTHER_IP, h.conn.peerAddress());
    assertFalse(h.conn.rtt().hasSample(), "a new IP address starts a fresh RTT estimate");
  }

  @Test
  void newPathUsesASparePeerConnectionIdAndRetiresTheOld() {
    Harness h = QuicConnectionTest.established(84);
    byte[] cid = new byte[8];
    Arrays.fill(cid, (byte) 0x5a);
    byte[] token = new byte[16];
    byte[] f = new byte[64];
    int n =
        FrameWriter.writeNewConnectionId(
            new UnsafeBuffer(f), 0, 1, 0, new UnsafeBuffer(cid), 0, 8, new UnsafeBuffer(token), 0);
    h.client.queueFrames(Arrays.copyOf(f, n));
    h.step();
    h.settle();
    byte[] before = dcidOfLast(h);
    assertFalse(Arrays.equals(cid, before), "the spare is not used on the first path");
    h.clientAddr = Harness.CLIENT2;
    h.client.queueDatagram(QuicConnectionTest.pattern(10, 5));
    h.step();
    h.settle();
    assertArrayEquals(cid, dcidOfLast(h), "the new path uses the spare connection ID");
    assertTrue(h.client.retiredByServer().contains(0L), "the old one is retired");
  }

  @Test
  void withoutASparePeerConnectionIdTheCurrentOneStays() {
    Harness h = QuicConnectionTest.established(85);
    byte[] before = dcidOfLast(h);
    h.clientAddr = Harness.CLIENT2;
    h.client.queueDatagram(QuicConnectionTest.pattern(10, 6));
    h.step();
    h.settle();
    assertArrayEquals(before, dcidOfLast(h));
    assertTrue(h.client.retiredByServer().isEmpty());
  }

  /** The DCID of the server's last 1-RTT datagram (short header, 8-byte client CIDs). */
  private static byte[] dcidOfLast(Harness h) {
    for (int i = h.serverDatagrams.size() - 1; i >= 0; i--) {
      byte[] d = h.serverDatagrams.get(i);
      if ((d[0] & 0x80) == 0) {
        return Arrays.copyOfRange(d, 1, 9);
      }
    }
    throw new AssertionError("no 1-RTT datagram from the server");
  }
}
