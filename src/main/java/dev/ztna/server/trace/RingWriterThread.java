package dev.ztna.server.trace;

import java.nio.ByteBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ring buffer of fixed-size records and the daemon thread draining it into a {@link
 * MessageHandler}. Producers (the loop thread) {@code tryClaim}/{@code commit} on {@link #ring};
 * the handler runs on the writer thread only.
 */
final class RingWriterThread implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RingWriterThread.class);

  final ManyToOneRingBuffer ring;
  private final Thread thread;
  private final MessageHandler handler;
  private final Runnable onIdle;
  private volatile boolean running = true;

  /**
   * @param capacity ring data capacity in bytes (a power of two)
   * @param onIdle called on the writer thread when the ring is empty (e.g. to flush files)
   */
  RingWriterThread(String name, int capacity, MessageHandler handler, Runnable onIdle) {
    this.ring =
        new ManyToOneRingBuffer(
            new UnsafeBuffer(
                ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
    this.handler = handler;
    this.onIdle = onIdle;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void run() {
    IdleStrategy idle = new BackoffIdleStrategy(10, 10, 100_000, 2_000_000);
    boolean dirty = false;
    while (true) {
      int n;
      try {
        n = ring.read(handler, 1024);
      } catch (RuntimeException e) {
        LOG.warn("{}: record lost: {}", thread.getName(), e.toString());
        n = 1;
      }
      if (n > 0) {
        dirty = true;
        idle.reset();
        continue;
      }
      if (dirty) {
        dirty = false;
        onIdle.run();
      }
      if (!running) {
        return;
      }
      idle.idle();
    }
  }

  /** Drains what was committed so far and stops the thread. */
  @Override
  public void close() {
    running = false;
    if (!thread.isAlive()) {
      return;
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
