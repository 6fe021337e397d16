package dev.ztna.server.loop;

import java.util.concurrent.TimeUnit;
import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * The loop's timers on one {@link DeadlineTimerWheel}: per connection its next QUIC deadline (loss
 * detection, ACK delay, idle, closing; {@code QuicConnection#nextTimeoutNanos}) and its handshake
 * deadline (issue 9 §3), plus the loop's own periodic statistics timer. Each timer id maps back to
 * its connection in a primitive map; scheduling and expiry allocate nothing once the wheel and map
 * have grown to the number of connections.
 */
final class ConnectionTimers {
  /** What a connection's deadline is when none is set. */
  static final long NO_DEADLINE = Long.MAX_VALUE;

  /** Receives the expiries. */
  interface Expiry {
    /** The QUIC deadline of {@code sc} passed (it is unscheduled already). */
    void onConnectionTimeout(ServerConnection sc, long now);

    /** The handshake deadline of {@code sc} passed (it is unscheduled already). */
    void onHandshakeTimeout(ServerConnection sc, long now);

    /** The periodic statistics timer fired (it is rescheduled already). */
    void onStatsTimer(long now);
  }

  private final DeadlineTimerWheel wheel;
  private final Long2ObjectHashMap<ServerConnection> owners = new Long2ObjectHashMap<>();
  private final long statsIntervalNanos;
  private final DeadlineTimerWheel.TimerHandler handler = this::onExpiry;
  private Expiry expiry;
  private long statsTimerId = DeadlineTimerWheel.NULL_DEADLINE;

  ConnectionTimers(long now, long statsIntervalNanos) {
    this.wheel = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, now, 1 << 20, 1024);
    this.statsIntervalNanos = statsIntervalNanos;
  }

  /** Starts the statistics timer. */
  void start(long now) {
    statsTimerId = wheel.scheduleTimer(now + statsIntervalNanos);
  }

  /** Fires the due timers into {@code expiry}; at most {@code limit}. */
  int poll(long now, Expiry expiry, int limit) {
    this.expiry = expiry;
    return wheel.poll(now, handler, limit);
  }

  /** Sets the QUIC deadline of {@code sc} ({@link #NO_DEADLINE}: none), if it changed. */
  void reschedule(ServerConnection sc, long deadline) {
    if (deadline != sc.deadline) {
      cancel(sc);
      if (deadline != NO_DEADLINE) {
        sc.timerId = wheel.scheduleTimer(deadline);
        sc.deadline = deadline;
        owners.put(sc.timerId, sc);
      }
    }
  }

  /** Removes the QUIC deadline of {@code sc}. */
  void cancel(ServerConnection sc) {
    if (sc.timerId != -1) {
      wheel.cancelTimer(sc.timerId);
      owners.remove(sc.timerId);
      sc.timerId = -1;
    }
    sc.deadline = NO_DEADLINE;
  }

  /** Schedules the handshake deadline of {@code sc} {@code ms} after {@code now} (0: none). */
  void scheduleHandshake(ServerConnection sc, long now, long ms) {
    if (ms > 0) {
      sc.handshakeTimerId = wheel.scheduleTimer(now + TimeUnit.MILLISECONDS.toNanos(ms));
      owners.put(sc.handshakeTimerId, sc);
    }
  }

  /** Removes the handshake deadline of {@code sc}. */
  void cancelHandshake(ServerConnection sc) {
    if (sc.handshakeTimerId != -1) {
      wheel.cancelTimer(sc.handshakeTimerId);
      owners.remove(sc.handshakeTimerId);
      sc.handshakeTimerId = -1;
    }
  }

  private boolean onExpiry(TimeUnit timeUnit, long now, long timerId) {
    if (timerId == statsTimerId) {
      statsTimerId = wheel.scheduleTimer(now + statsIntervalNanos);
      expiry.onStatsTimer(now);
      return true;
    }
    ServerConnection sc = owners.remove(timerId);
    if (sc == null) {
      return true;
    }
    if (timerId == sc.handshakeTimerId) {
      sc.handshakeTimerId = -1;
      expiry.onHandshakeTimeout(sc, now);
    } else {
      sc.timerId = -1;
      sc.deadline = NO_DEADLINE;
      expiry.onConnectionTimeout(sc, now);
    }
    return true;
  }
}
