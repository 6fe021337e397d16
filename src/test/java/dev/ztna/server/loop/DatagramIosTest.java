package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@code --io batched} where it cannot run falls back to {@code nio} with one WARN line that names
 * why; where it can (JDK 22+ with the release-22 classes on the class path) it passes its self-test
 * and binds.
 */
class DatagramIosTest {
  private static final List<InetSocketAddress> LOOPBACK =
      List.of(new InetSocketAddress("127.0.0.1", 0));

  private final Logger logger = (Logger) LoggerFactory.getLogger(DatagramIos.class);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  @BeforeEach
  void attach() {
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(appender);
  }

  private List<String> warnings() {
    return appender.list.stream()
        .filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage)
        .collect(Collectors.toList());
  }

  @Test
  void withoutTheBatchedClassItFallsBackToNioAndSaysWhy() throws IOException {
    try (DatagramIo io =
        DatagramIos.open(
            ServerConfig.IoMode.BATCHED,
            LOOPBACK,
            new ServerCounters(),
            "dev.ztna.server.loop.NoSuchDatagramIo")) {
      assertEquals("nio", io.name());
      assertNotEquals(0, io.endpoints().get(0).localAddress().getPort());
      assertEquals(1, warnings().size(), appender.list.toString());
      String line = warnings().get(0);
      assertTrue(line.contains("--io batched is not available"), line);
      assertTrue(line.contains("NoSuchDatagramIo") && line.contains("using nio"), line);
    }
  }

  @Test
  void batchedRunsOnJdk22WithTheClassesAndFallsBackOtherwise() throws IOException {
    boolean present =
        getClass()
                .getClassLoader()
                .getResource(DatagramIos.BATCHED_CLASS.replace('.', '/') + ".class")
            != null;
    boolean expectBatched = Runtime.version().feature() >= 22 && present;
    try (DatagramIo io =
        DatagramIos.open(ServerConfig.IoMode.BATCHED, LOOPBACK, new ServerCounters())) {
      System.out.println(
          "JDK " + Runtime.version() + ", release-22 classes present: " + present + " -> " + io);
      assertEquals(expectBatched ? "batched" : "nio", io.name());
      if (expectBatched) {
        assertEquals(List.of(), warnings());
      } else {
        assertEquals(1, warnings().size(), appender.list.toString());
        assertTrue(warnings().get(0).contains("JDK 22"), warnings().get(0));
      }
    }
  }

  @Test
  void nioModesNeedNoFallback() throws IOException {
    try (DatagramIo nio =
            DatagramIos.open(ServerConfig.IoMode.NIO, LOOPBACK, new ServerCounters());
        DatagramIo connected =
            DatagramIos.open(ServerConfig.IoMode.NIO_CONNECTED, LOOPBACK, new ServerCounters())) {
      assertEquals("nio", nio.name());
      assertEquals("nio-connected", connected.name());
      assertEquals(List.of(), warnings());
    }
  }
}
