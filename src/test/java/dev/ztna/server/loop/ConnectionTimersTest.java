package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The loop's timers: a connection's QUIC deadline fires once at its time and only its newest
 * setting; a cancelled one never fires; the handshake deadline is told apart from the QUIC one; the
 * statistics timer repeats.
 */
class ConnectionTimersTest {
  private static final long MS = 1_000_000L;

  static final class Recorder implements ConnectionTimers.Expiry {
    final List<String> events = new ArrayList<>();

    @Override
    public void onConnectionTimeout(ServerConnection sc, long now) {
      events.add("quic " + sc.id());
    }

    @Override
    public void onHandshakeTimeout(ServerConnection sc, long now) {
      events.add("handshake " + sc.id());
    }

    @Override
    public void onStatsTimer(long now) {
      events.add("stats");
    }
  }

  private final ConnectionTimers timers = new ConnectionTimers(0, 1000 * MS);
  private final Recorder recorder = new Recorder();

  private void pollUntil(long now) {
    for (long t = 0; t <= now; t += MS) {
      timers.poll(t, recorder, 256);
    }
  }

  @Test
  void aDeadlineFiresOnceAtItsNewestSetting() {
    ServerConnection a = new ServerConnection(null, 1, null, 0);
    timers.reschedule(a, 50 * MS);
    timers.reschedule(a, 20 * MS);
    timers.reschedule(a, 20 * MS); // unchanged: still one timer
    pollUntil(19 * MS);
    assertEquals(List.of(), recorder.events);
    pollUntil(100 * MS);
    assertEquals(List.of("quic 1"), recorder.events);
    assertEquals(ConnectionTimers.NO_DEADLINE, a.deadline);
    assertEquals(-1, a.timerId);
  }

  @Test
  void aCancelledDeadlineNeverFires() {
    ServerConnection a = new ServerConnection(null, 1, null, 0);
    ServerConnection b = new ServerConnection(null, 2, null, 0);
    timers.reschedule(a, 10 * MS);
    timers.reschedule(b, 10 * MS);
    timers.cancel(a);
    timers.reschedule(b, ConnectionTimers.NO_DEADLINE);
    pollUntil(100 * MS);
    assertEquals(List.of(), recorder.events);
  }

  @Test
  void theHandshakeDeadlineIsItsOwnTimer() {
    ServerConnection a = new ServerConnection(null, 1, null, 0);
    ServerConnection b = new ServerConnection(null, 2, null, 0);
    timers.scheduleHandshake(a, 0, 30);
    timers.reschedule(a, 10 * MS);
    timers.scheduleHandshake(b, 0, 30);
    timers.cancelHandshake(b);
    timers.scheduleHandshake(b, 0, 0); // 0: no handshake deadline
    pollUntil(100 * MS);
    assertEquals(List.of("quic 1", "handshake 1"), recorder.events);
    assertEquals(-1, a.handshakeTimerId);
  }

  @Test
  void theStatisticsTimerRepeats() {
    timers.start(0);
    pollUntil(3500 * MS);
    assertEquals(List.of("stats", "stats", "stats"), recorder.events);
  }
}
