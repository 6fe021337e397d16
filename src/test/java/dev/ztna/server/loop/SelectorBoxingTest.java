package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class SelectorBoxingTest {
  @Test
  void theTestJvmCachesBoxesUpToTheConfiguredMaximum() {
    // pom.xml starts the test JVM with -XX:AutoBoxCacheMax=1048576, as the systemd unit does.
    assertEquals(1 << 20, SelectorBoxing.integerCacheHigh());
  }

  @Test
  void warnsOnlyWhenConnectedSocketsMeetDescriptorsOutsideTheCache() {
    Logger log = (Logger) LoggerFactory.getLogger("selector-boxing-test");
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    log.addAppender(events);
    try {
      assertFalse(SelectorBoxing.warnIfBoxing(log, false));
      long limit = SelectorBoxing.maxFileDescriptors();
      boolean warned = SelectorBoxing.warnIfBoxing(log, true);
      assertEquals(limit < 0 || limit > SelectorBoxing.integerCacheHigh(), warned);
      assertEquals(warned ? 1 : 0, events.list.size());
      if (warned) {
        assertTrue(events.list.get(0).getFormattedMessage().contains("-XX:AutoBoxCacheMax="));
      }
    } finally {
      log.detachAppender(events);
    }
  }
}
