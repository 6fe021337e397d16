package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NewRenoCongestionControllerTest {

  @Test
  void initialAndMinimumWindowPerRfc9002() {
    assertEquals(12_000, new NewRenoCongestionController(1200).initialWindow());
    assertEquals(13_500, new NewRenoCongestionController(1350).initialWindow());
    assertEquals(14_720, new NewRenoCongestionController(1472).initialWindow());
    assertEquals(14_720, new NewRenoCongestionController(1500).initialWindow());
    assertEquals(18_000, new NewRenoCongestionController(9000).initialWindow()); // 2 * 9000
    assertEquals(2700, new NewRenoCongestionController(1350).minimumWindow());
    assertThrows(IllegalArgumentException.class, () -> new NewRenoCongestionController(1000));
  }

  @Test
  void canSendRespectsWindow() {
    NewRenoCongestionController cc = new NewRenoCongestionController(1200);
    for (int i = 0; i < 10; i++) {
      assertTrue(cc.canSend(1200));
      cc.onPacketSent(1200);
    }
    assertFalse(cc.canSend(1));
    assertEquals(0, cc.availableWindow());
  }

  @Test
  void slowStartThenRecoveryThenCongestionAvoidance() {
    NewRenoCongestionController cc = new NewRenoCongestionController(1200);
    cc.onPacketSent(1200);
    cc.onPacketAcked(1200, 0);
    assertEquals(13_200, cc.congestionWindow()); // slow start: +acked bytes
    cc.onPacketSent(1200); // sent at 10
    cc.onPacketSent(1200); // sent at 20
    cc.onPacketsLost(1200, 10, false, 30);
    assertEquals(6600, cc.congestionWindow());
    assertEquals(6600, cc.ssthresh());
    assertTrue(cc.inRecovery(20));
    cc.onPacketsLost(0, 20, false, 31); // nothing in flight lost: no event
    cc.onPacketAcked(1200, 20); // sent before recovery started: no growth
    assertEquals(6600, cc.congestionWindow());
    assertEquals(1, cc.congestionEvents());
    assertEquals(0, cc.bytesInFlight());
    // Congestion avoidance: one datagram per window of acknowledged bytes.
    for (int i = 0; i < 5; i++) {
      cc.onPacketSent(1200);
      cc.onPacketAcked(1200, 40);
    }
    assertEquals(6600, cc.congestionWindow()); // 6000 acked < 6600
    cc.onPacketSent(1200);
    cc.onPacketAcked(1200, 40);
    assertEquals(7800, cc.congestionWindow());
    // A loss of a packet sent after recovery started is a new congestion event.
    cc.onPacketSent(1200);
    cc.onPacketsLost(1200, 50, false, 60);
    assertEquals(3900, cc.congestionWindow());
    assertEquals(2, cc.congestionEvents());
  }

  @Test
  void windowNeverBelowMinimum() {
    NewRenoCongestionController cc = new NewRenoCongestionController(1200);
    for (int i = 0; i < 20; i++) {
      cc.onPacketSent(1200);
      cc.onPacketsLost(1200, 100L * i + 1, false, 100L * i + 2);
      assertTrue(cc.congestionWindow() >= cc.minimumWindow());
    }
    assertEquals(cc.minimumWindow(), cc.congestionWindow());
  }

  @Test
  void persistentCongestionCollapsesAndEndsRecovery() {
    NewRenoCongestionController cc = new NewRenoCongestionController(1200);
    cc.onPacketSent(3600);
    cc.onPacketsLost(3600, 10, true, 20);
    assertEquals(cc.minimumWindow(), cc.congestionWindow());
    assertFalse(cc.inRecovery(5));
    assertEquals(0, cc.bytesInFlight());
  }

  @Test
  void discardRemovesBytes() {
    NewRenoCongestionController cc = new NewRenoCongestionController(1200);
    cc.onPacketSent(1000);
    cc.onPacketSent(500);
    cc.onPacketsDiscarded(1000);
    assertEquals(500, cc.bytesInFlight());
    assertEquals(cc.initialWindow(), cc.congestionWindow());
  }

  @Test
  void applicationLimitedSenderDoesNotGrowTheWindow() {
    NewRenoCongestionController cc = new NewRenoCongestionController(1200);
    cc.setApplicationLimited(true);
    cc.onPacketSent(1200);
    cc.onPacketAcked(1200, 0);
    assertEquals(cc.initialWindow(), cc.congestionWindow());
    assertEquals(0, cc.bytesInFlight());
    cc.setApplicationLimited(false);
    cc.onPacketSent(1200);
    cc.onPacketAcked(1200, 0);
    assertEquals(cc.initialWindow() + 1200, cc.congestionWindow());
  }
}
