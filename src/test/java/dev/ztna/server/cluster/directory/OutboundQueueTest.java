package dev.ztna.server.cluster.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** {@link OutboundQueue}: bounded by unacknowledged messages, rewound for a new leader. */
class OutboundQueueTest {
  @Test
  void fullUntilAcknowledgedThenRewoundAndReset() {
    OutboundQueue q = new OutboundQueue(2);
    DirectoryMessage m = q.claim(DirectoryMessage.CLAIM);
    assertNotNull(m);
    assertEquals(1, m.seq());
    q.commit();
    assertEquals(2, q.claim(DirectoryMessage.AGENTS).seq());
    q.commit();
    assertNull(q.claim(DirectoryMessage.AGENTS), "two unacknowledged: full");
    assertEquals(2, q.pending());
    assertEquals(2, q.unsent());
    q.ack(1);
    assertEquals(1, q.pending());
    assertEquals(1, q.unsent(), "an acknowledged message need not be sent");
    assertEquals(3, q.claim(DirectoryMessage.RELEASE).seq());
    q.commit();
    q.ack(99); // beyond what was queued: clamped
    assertEquals(0, q.pending());
    q.rewind();
    assertEquals(0, q.unsent());
    q.reset();
    assertEquals(1, q.claim(DirectoryMessage.CLAIM).seq(), "a new session starts at 1");
  }
}
