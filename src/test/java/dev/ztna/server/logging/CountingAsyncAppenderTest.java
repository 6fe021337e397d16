package dev.ztna.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class CountingAsyncAppenderTest {
  // The SLF4J context (a fresh LoggerContext has no MDC adapter, which events need).
  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final Logger logger = context.getLogger("test");

  /** An appender whose append blocks until released: a stuck console or pipe. */
  private static final class StuckAppender extends AppenderBase<ILoggingEvent> {
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch entered = new CountDownLatch(1);
    final List<String> written = new CopyOnWriteArrayList<>();

    @Override
    protected void append(ILoggingEvent e) {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
      written.add(e.getFormattedMessage());
    }
  }

  private CountingAsyncAppender async(
      int queueSize, ch.qos.logback.core.Appender<ILoggingEvent> to) {
    CountingAsyncAppender a = new CountingAsyncAppender();
    a.setContext(context);
    a.setName(Logging.ASYNC);
    a.setQueueSize(queueSize);
    a.setMaxFlushTimeMs(30_000);
    a.addAppender(to);
    a.start();
    return a;
  }

  private ILoggingEvent event(String message, Object... args) {
    return new LoggingEvent(Logger.FQCN, logger, Level.INFO, message, null, args);
  }

  @Test
  void everyTestLogsThroughTheAsyncAppenderAsTheServerDoes() {
    // logback-test.xml mirrors logback.xml: the allocation tests then run with it on.
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    assertTrue(
        root.getAppender("ASYNC") instanceof CountingAsyncAppender,
        "root logs through CountingAsyncAppender");
  }

  @Test
  void aStuckSinkNeverBlocksTheCallerAndDropsAreCounted() throws Exception {
    StuckAppender stuck = new StuckAppender();
    stuck.setContext(context);
    stuck.start();
    CountingAsyncAppender a = async(16, stuck);
    long totalBefore = CountingAsyncAppender.totalDropped();
    a.doAppend(event("first"));
    assertTrue(stuck.entered.await(30, TimeUnit.SECONDS), "the writer took the first event");
    // The writer is stuck inside the sink: the queue (16) fills, everything after is dropped,
    // and the calling thread returns every time.
    int sent = 1000;
    for (int i = 1; i < sent; i++) {
      a.doAppend(event("event {}", i));
    }
    long dropped = a.dropped();
    assertTrue(dropped >= sent - 1 - 16, "dropped " + dropped);
    assertTrue(CountingAsyncAppender.totalDropped() - totalBefore >= dropped);
    stuck.release.countDown();
    a.stop(); // waits for the queue to drain
    assertEquals(sent, a.delivered() + a.dropped());
    assertEquals(a.delivered(), stuck.written.size());
    assertEquals("first", stuck.written.get(0));
    assertEquals("event 1", stuck.written.get(1), "the message was formatted in order");
  }

  @Test
  void deliversEverythingWhenTheSinkKeepsUp() throws Exception {
    StuckAppender sink = new StuckAppender();
    sink.release.countDown();
    sink.setContext(context);
    sink.start();
    CountingAsyncAppender a = async(1024, sink);
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      int id = t;
      threads[t] =
          new Thread(
              () -> {
                for (int i = 0; i < 200; i++) {
                  a.doAppend(event("t{} e{}", id, i));
                }
              });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    a.stop();
    assertEquals(800, a.delivered() + a.dropped());
    assertEquals(a.delivered(), sink.written.size());
  }

  @Test
  void jsonFormatWritesOneParsableObjectPerLine() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    OutputStreamAppender<ILoggingEvent> out = new OutputStreamAppender<>();
    out.setContext(context);
    out.setEncoder(Logging.encoder(context, LogFormat.JSON));
    out.setOutputStream(bytes);
    out.start();
    CountingAsyncAppender a = async(64, out);
    a.doAppend(event("conn#{} accepted from {}", 7, "/127.0.0.1:5000"));
    a.doAppend(event("quote \" and newline \n inside"));
    a.stop();
    String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
    ObjectMapper mapper = new ObjectMapper();
    int objects = 0;
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode n = mapper.readTree(line);
      assertEquals("INFO", n.get("level").asText(), line);
      assertEquals("test", n.get("loggerName").asText(), line);
      assertTrue(n.has("timestamp"), line);
      objects++;
      if (objects == 1) {
        assertEquals(
            "conn#7 accepted from /127.0.0.1:5000", n.get("formattedMessage").asText(), line);
      } else {
        assertEquals("quote \" and newline \n inside", n.get("formattedMessage").asText());
      }
    }
    assertEquals(2, objects, bytes.toString(StandardCharsets.UTF_8));
  }
}
