package dev.ztna.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * An asynchronous appender that never blocks and never takes a lock in the logging thread: events
 * go into a bounded lock-free many-to-one queue (Agrona's {@link ManyToOneConcurrentArrayQueue})
 * and one writer thread passes them to the attached appenders (the console). When the queue is full
 * the event is dropped and counted ({@link #dropped()}, {@link #totalDropped()}), so a stuck
 * console or a slow pipe never stalls the loop thread. Unlike logback's {@code AsyncAppender} with
 * {@code neverBlock}, whose {@code ArrayBlockingQueue} takes a lock and whose drops are silent,
 * every lost event is counted; no event is discarded by level.
 *
 * <p>Configured from {@code logback.xml} ({@code <queueSize>}, {@code <maxFlushTimeMs>}, nested
 * {@code <appender-ref>}).
 */
public final class CountingAsyncAppender extends UnsynchronizedAppenderBase<ILoggingEvent>
    implements AppenderAttachable<ILoggingEvent> {
  private static final AtomicLong TOTAL_DROPPED = new AtomicLong();

  private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private int queueSize = 8192;
  private int maxFlushTimeMs = 1000;
  private volatile ManyToOneConcurrentArrayQueue<ILoggingEvent> queue;
  private volatile boolean running;
  private Thread writer;

  /** Events dropped by every instance since the JVM started (for the metrics endpoint). */
  public static long totalDropped() {
    return TOTAL_DROPPED.get();
  }

  /** Events this appender dropped because its queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Events this appender passed on to its appenders. */
  public long delivered() {
    return delivered.get();
  }

  /** Queue capacity (rounded up to a power of two); set before {@link #start}. */
  public void setQueueSize(int queueSize) {
    this.queueSize = queueSize;
  }

  public int getQueueSize() {
    return queueSize;
  }

  /** How long {@link #stop} waits for queued events to be written. */
  public void setMaxFlushTimeMs(int maxFlushTimeMs) {
    this.maxFlushTimeMs = maxFlushTimeMs;
  }

  @Override
  public void start() {
    if (isStarted()) {
      return;
    }
    if (queueSize < 1) {
      addError("queueSize must be at least 1, got " + queueSize);
      return;
    }
    queue = new ManyToOneConcurrentArrayQueue<>(queueSize);
    running = true;
    writer = new Thread(this::writeLoop, "ztna-log-writer");
    writer.setDaemon(true);
    writer.start();
    super.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    // Format the message and copy the MDC now, in the calling thread (as AsyncAppender does).
    event.prepareForDeferredProcessing();
    if (!queue.offer(event)) {
      dropped.incrementAndGet();
      TOTAL_DROPPED.incrementAndGet();
    }
  }

  private void writeLoop() {
    IdleStrategy idle =
        new BackoffIdleStrategy(10, 10, TimeUnit.MICROSECONDS.toNanos(10), 10_000_000L);
    ManyToOneConcurrentArrayQueue<ILoggingEvent> q = queue;
    while (running || !q.isEmpty()) {
      int n = q.drain(this::deliver, 256);
      idle.idle(n);
    }
  }

  private void deliver(ILoggingEvent event) {
    try {
      appenders.appendLoopOnAppenders(event);
    } catch (RuntimeException e) {
      addError("appender failed", e);
    }
    delivered.incrementAndGet();
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    running = false;
    try {
      writer.join(maxFlushTimeMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive()) {
      addWarn("log writer still busy after " + maxFlushTimeMs + " ms; unwritten events are lost");
    }
    appenders.detachAndStopAllAppenders();
  }

  @Override
  public void addAppender(Appender<ILoggingEvent> appender) {
    appenders.addAppender(appender);
  }

  @Override
  public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
    return appenders.iteratorForAppenders();
  }

  @Override
  public Appender<ILoggingEvent> getAppender(String name) {
    return appenders.getAppender(name);
  }

  @Override
  public boolean isAttached(Appender<ILoggingEvent> appender) {
    return appenders.isAttached(appender);
  }

  @Override
  public void detachAndStopAllAppenders() {
    appenders.detachAndStopAllAppenders();
  }

  @Override
  public boolean detachAppender(Appender<ILoggingEvent> appender) {
    return appenders.detachAppender(appender);
  }

  @Override
  public boolean detachAppender(String name) {
    return appenders.detachAppender(name);
  }
}
