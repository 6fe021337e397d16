package dev.ztna.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ztna.server.loop.Application;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 §3: the loop holds no relay rule; it asks the application for its shutdown close. The
 * relay's is 0x103 (ZTNA-V1 §5; e2e {@code ShutdownTest} shows clients seeing it), a generic
 * application's is 0.
 */
class RelayShutdownCloseTest {
  @Test
  void relayClosesWith0x103AndTheGenericDefaultIsZero() {
    Application relay = new RelayApplication(new RelayCounters());
    assertEquals(0x103, relay.shutdownErrorCode());
    assertEquals(RelayApplication.ERROR_SHUTTING_DOWN, relay.shutdownErrorCode());
    assertEquals("server shutting down", relay.shutdownReason());
    assertEquals(0, Application.NONE.shutdownErrorCode());
  }
}
