package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class AmplificationLimiterProperties {

  /**
   * Positive values are received datagrams, negative values are send attempts of that size made by
   * a sender that respects the allowance; sent never exceeds three times received.
   */
  @Property(tries = 500)
  void respectfulSenderNeverExceedsThreeTimesReceived(
      @ForAll List<@IntRange(min = -1500, max = 1500) Integer> events) {
    AmplificationLimiter a = new AmplificationLimiter();
    long received = 0;
    long sent = 0;
    for (int e : events) {
      if (e > 0) {
        a.onDatagramReceived(e);
        received += e;
      } else if (e < 0) {
        int size = -e;
        if (a.canSend(size)) {
          a.onDatagramSent(size);
          sent += size;
        } else {
          // Send what is left, exactly up to the limit: accounting must be exact, not approximate.
          int allowance = a.sendAllowance();
          if (allowance > 0) {
            a.onDatagramSent(allowance);
            sent += allowance;
          }
        }
      }
      assertTrue(sent <= 3 * received, "sent " + sent + " received " + received);
      assertEquals(3 * received - sent, a.sendAllowance());
      assertEquals(a.sendAllowance() == 0, a.isBlocked());
    }
  }

  @Test
  void validationLiftsTheLimit() {
    AmplificationLimiter a = new AmplificationLimiter(1200);
    a.onDatagramReceived(1200);
    assertEquals(3600, a.sendAllowance());
    a.onDatagramSent(2500);
    assertTrue(a.isBlocked()); // 1100 left, below the 1200-byte minimum
    assertFalse(a.canSend(1101));
    assertTrue(a.canSend(1100));
    a.markValidated();
    assertFalse(a.isBlocked());
    assertEquals(Integer.MAX_VALUE, a.sendAllowance());
    assertTrue(a.canSend(65_535));
  }

  @Test
  void overSendingNeverGoesNegative() {
    AmplificationLimiter a = new AmplificationLimiter();
    a.onDatagramSent(10);
    assertEquals(0, a.sendAllowance());
    assertTrue(a.isBlocked());
  }
}
