package dev.ztna.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Applies the configured log level and format to logback at start and on reload. The appender tree
 * comes from {@code logback.xml}: root -> {@value #ASYNC} ({@link CountingAsyncAppender}) ->
 * {@value #CONSOLE}; switching the format replaces the console appender behind the asynchronous
 * one.
 */
public final class Logging {
  /** The asynchronous appender's name in {@code logback.xml}. */
  public static final String ASYNC = "ASYNC";

  /** The console appender's name in {@code logback.xml}. */
  public static final String CONSOLE = "CONSOLE";

  /** The text pattern (as in {@code logback.xml}). */
  public static final String TEXT_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSZ} %-5level [%thread] %logger{36} - %msg%n";

  private Logging() {}

  /** Log events dropped because the asynchronous queue was full, since the JVM started. */
  public static long droppedEvents() {
    return CountingAsyncAppender.totalDropped();
  }

  /**
   * Sets the root level and the console format. Does nothing when logback is not the SLF4J backend.
   * Safe to call from any thread (not the loop thread: it may create objects).
   */
  public static synchronized void apply(LogLevel level, LogFormat format) {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (!(factory instanceof LoggerContext)) {
      return;
    }
    LoggerContext context = (LoggerContext) factory;
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(level.name()));
    Appender<ILoggingEvent> async = root.getAppender(ASYNC);
    if (!(async instanceof CountingAsyncAppender)) {
      return;
    }
    CountingAsyncAppender counting = (CountingAsyncAppender) async;
    Appender<ILoggingEvent> old = counting.getAppender(CONSOLE);
    if (old instanceof OutputStreamAppender
        && formatOf(((OutputStreamAppender<ILoggingEvent>) old).getEncoder()) == format) {
      return;
    }
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName(CONSOLE);
    console.setEncoder(encoder(context, format));
    console.start();
    counting.addAppender(console);
    if (old != null) {
      counting.detachAppender(old);
      old.stop();
    }
  }

  /** The encoder for {@code format}, started. */
  public static Encoder<ILoggingEvent> encoder(LoggerContext context, LogFormat format) {
    if (format == LogFormat.JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(TEXT_PATTERN);
    text.start();
    return text;
  }

  private static LogFormat formatOf(Encoder<ILoggingEvent> encoder) {
    return encoder instanceof JsonEncoder ? LogFormat.JSON : LogFormat.TEXT;
  }
}
