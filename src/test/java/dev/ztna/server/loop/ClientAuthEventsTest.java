package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.tls.ClientAuthFailure;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every client-auth failure kind has its own named counter. */
class ClientAuthEventsTest {
  @Test
  void eachFailureKindCountsUnderItsOwnName() {
    Set<Counter> seen = EnumSet.noneOf(Counter.class);
    for (ClientAuthFailure f : ClientAuthFailure.values()) {
      if (f == ClientAuthFailure.NONE) {
        continue;
      }
      Counter c = ClientAuthEvents.counter(f);
      assertTrue(seen.add(c), f + " shares counter " + c);
      assertEquals("auth_" + f.label(), c.label());
    }
    assertEquals(ClientAuthFailure.values().length - 1, seen.size());
  }
}
