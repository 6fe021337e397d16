package dev.ztna.server.cluster.directory;

import io.aeron.cluster.client.AeronCluster;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A node's sequenced messages towards the cluster, bounded: a ring of fixed slots of {@link
 * DirectoryMessage#MAX_LENGTH} bytes indexed by sequence number. A message stays until the cluster
 * acknowledges it (so it can be sent again to a new leader, {@link #rewind}); when {@code capacity}
 * messages are unacknowledged the queue is full and {@link #claim} fails. Sequence numbers start at
 * 1 for each cluster session ({@link #reset}). Nothing is allocated after construction; one thread
 * only.
 */
final class OutboundQueue {
  private final int capacity;
  private final UnsafeBuffer slots;
  private final int[] lengths;
  private final DirectoryMessage message = new DirectoryMessage();
  private long nextSeq = 1;
  private long ackedSeq;
  private long sendSeq = 1;

  OutboundQueue(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1");
    }
    this.capacity = capacity;
    this.slots = new UnsafeBuffer(new byte[capacity * DirectoryMessage.MAX_LENGTH]);
    this.lengths = new int[capacity];
  }

  /** Unacknowledged messages. */
  int pending() {
    return (int) (nextSeq - 1 - ackedSeq);
  }

  /** Messages not yet offered. */
  int unsent() {
    return (int) (nextSeq - sendSeq);
  }

  /**
   * Starts the next message of {@code type} (its seq set), or returns null when the queue is full;
   * finish it with the setters, then {@link #commit}.
   */
  DirectoryMessage claim(int type) {
    if (pending() >= capacity) {
      return null;
    }
    return message.encode(slots, slotOffset(nextSeq), type).seq(nextSeq);
  }

  /** Commits the message started by {@link #claim}. */
  void commit() {
    lengths[slot(nextSeq)] = message.length();
    nextSeq++;
  }

  /** The cluster applied every message up to {@code seq}. */
  void ack(long seq) {
    long s = Math.min(seq, nextSeq - 1);
    if (s > ackedSeq) {
      ackedSeq = s;
      if (sendSeq <= ackedSeq) {
        sendSeq = ackedSeq + 1;
      }
    }
  }

  /** Sends every unacknowledged message again (a new leader may not have them). */
  void rewind() {
    sendSeq = ackedSeq + 1;
  }

  /** Empties the queue for a new session (sequences restart at 1). */
  void reset() {
    nextSeq = 1;
    ackedSeq = 0;
    sendSeq = 1;
  }

  /** Offers unsent messages in order until one is refused; returns how many went. */
  int drain(AeronCluster cluster) {
    int sent = 0;
    while (sendSeq < nextSeq) {
      if (cluster.offer(slots, slotOffset(sendSeq), lengths[slot(sendSeq)]) < 0) {
        break;
      }
      sendSeq++;
      sent++;
    }
    return sent;
  }

  private int slot(long seq) {
    return (int) (seq % capacity);
  }

  private int slotOffset(long seq) {
    return slot(seq) * DirectoryMessage.MAX_LENGTH;
  }
}
