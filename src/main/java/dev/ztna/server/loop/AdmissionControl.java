package dev.ztna.server.loop;

import dev.ztna.server.loop.ServerCounters.Counter;
import java.net.InetSocketAddress;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, on the loop thread, whether a new client may get state, and keeps what that decision
 * needs: live and half-open connections in total and per source address ({@link
 * SourceAddressCounts}), the handshake budget of the current duty-cycle iteration, the rate limit
 * of CONNECTION_REFUSED answers, and each connection's inbound DATAGRAM budget (token buckets).
 * Every refusal or drop has a counter and a rate-limited log line naming the source address.
 *
 * <p>The current {@link Limits} may be replaced from any thread ({@link #request}); the loop picks
 * the new value up at the start of its next duty cycle ({@link #startIteration}), with one volatile
 * read per iteration and no lock.
 *
 * <p>The DATAGRAM budget lives here, in the generic loop, rather than in the relay: it is a
 * per-connection cost limit that holds for any {@link Application}, it is checked before the
 * application sees the datagram (a dropped datagram costs no parsing), and its state sits on the
 * connection handle that the loop already owns. The relay keeps its own routing rules.
 */
final class AdmissionControl {
  /** {@link #check}: admit. */
  static final int ADMIT = -1;

  /** {@link #check}: refused, total connection limit. Also the reason index of the refusal. */
  static final int REFUSE_CONNECTIONS = 0;

  /** {@link #check}: refused, per-address connection limit. */
  static final int REFUSE_CONNECTIONS_PER_IP = 1;

  /** {@link #check}: refused, total half-open limit. */
  static final int REFUSE_HALF_OPEN = 2;

  /** {@link #check}: refused, per-address half-open limit. */
  static final int REFUSE_HALF_OPEN_PER_IP = 3;

  /**
   * {@link #check}: not now, the handshake budget of this iteration is spent: the caller defers the
   * Initial to the next iteration, or drops and counts it ({@code drop_handshake_budget}).
   */
  static final int BUSY = 4;

  /** Reason phrases of the CONNECTION_CLOSE, by refusal code. */
  static final String[] REASONS = {
    "server connection limit",
    "connection limit for this address",
    "server handshake limit",
    "handshake limit for this address"
  };

  /** CONNECTION_REFUSED answers per second (burst: one second's worth), across all clients. */
  static final long REFUSALS_PER_SECOND = 1_000;

  private static final Logger LOG = LoggerFactory.getLogger(AdmissionControl.class);
  private static final Counter[] REFUSAL_COUNTERS = {
    Counter.REFUSED_MAX_CONNECTIONS,
    Counter.REFUSED_MAX_CONNECTIONS_PER_IP,
    Counter.REFUSED_MAX_HALF_OPEN,
    Counter.REFUSED_MAX_HALF_OPEN_PER_IP
  };

  private final ServerCounters counters;
  private final SourceAddressCounts connectionsPerIp = new SourceAddressCounts();
  private final SourceAddressCounts halfOpenPerIp = new SourceAddressCounts();
  private final TokenBucket refusalBucket = new TokenBucket();
  private final LogRateLimiter[] refusalLogs = new LogRateLimiter[REASONS.length];
  private final LogRateLimiter timeoutLog = new LogRateLimiter(1, 1);
  private final LogRateLimiter rateLog = new LogRateLimiter(1, 1);
  private volatile Limits requested;
  private Limits limits;
  private int live;
  private int halfOpen;
  private int admittedThisIteration;

  AdmissionControl(Limits limits, ServerCounters counters) {
    this.limits = Objects.requireNonNull(limits);
    this.requested = limits;
    this.counters = counters;
    for (int i = 0; i < refusalLogs.length; i++) {
      refusalLogs[i] = new LogRateLimiter(1, 1); // one line a second per reason
    }
  }

  /** Any thread: asks the loop to use {@code next} from its next duty cycle on. */
  void request(Limits next) {
    requested = Objects.requireNonNull(next);
  }

  /** Loop thread, at the start of each duty cycle: applies requested limits, resets the budget. */
  void startIteration() {
    admittedThisIteration = 0;
    Limits next = requested;
    if (next != limits) {
      limits = next;
      counters.increment(Counter.LIMITS_UPDATED);
      LOG.info("limits updated: {}", next);
    }
  }

  /** The limits in force. */
  Limits limits() {
    return limits;
  }

  /**
   * True once this iteration admitted its {@link Limits#handshakesPerIteration}: the loop then
   * stops reading the listening socket until the next iteration, so further new clients wait in the
   * kernel's receive buffer (or are dropped there when it overflows) instead of being read and
   * dropped here, and the established connections get their turn first.
   */
  boolean handshakeBudgetSpent() {
    return admittedThisIteration >= limits.handshakesPerIteration;
  }

  /** {@code --retry under-load}: true while more connections are half-open than the threshold. */
  boolean underLoad() {
    return halfOpen > limits.retryHalfOpenThreshold;
  }

  /**
   * Whether a new client from {@code sourceKey} ({@link SourceAddressCounts#key}) may get state
   * now. Counts and logs a refusal or a budget drop.
   *
   * @return {@link #ADMIT}, a {@code REFUSE_*} code (answer with CONNECTION_REFUSED) or {@link
   *     #BUSY} (drop: the client retransmits its Initial)
   */
  int check(long sourceKey, InetSocketAddress from, long nowNanos) {
    Limits l = limits;
    int verdict;
    if (l.maxConnections > 0 && live >= l.maxConnections) {
      verdict = REFUSE_CONNECTIONS;
    } else if (l.maxConnectionsPerIp > 0
        && connectionsPerIp.get(sourceKey) >= l.maxConnectionsPerIp) {
      verdict = REFUSE_CONNECTIONS_PER_IP;
    } else if (l.maxHalfOpen > 0 && halfOpen >= l.maxHalfOpen) {
      verdict = REFUSE_HALF_OPEN;
    } else if (l.maxHalfOpenPerIp > 0 && halfOpenPerIp.get(sourceKey) >= l.maxHalfOpenPerIp) {
      verdict = REFUSE_HALF_OPEN_PER_IP;
    } else if (admittedThisIteration >= l.handshakesPerIteration) {
      return BUSY;
    } else {
      return ADMIT;
    }
    counters.increment(REFUSAL_COUNTERS[verdict]);
    if (refusalLogs[verdict].tryAcquire(nowNanos)) {
      LOG.warn(
          "refused a new connection from {}: {} ({} more such refusals since the last line)",
          from,
          REASONS[verdict],
          refusalLogs[verdict].takeSuppressed());
    }
    return verdict;
  }

  /**
   * True when a CONNECTION_REFUSED of {@code answerBytes} may be sent for a datagram of {@code
   * receivedBytes}: never more than 3x what was received (RFC 9000 §8.1), and within {@link
   * #REFUSALS_PER_SECOND}. Counts a drop otherwise.
   */
  boolean allowRefusal(int answerBytes, int receivedBytes, long nowNanos) {
    if (answerBytes > 3L * receivedBytes
        || !refusalBucket.tryTake(1, REFUSALS_PER_SECOND, nowNanos)) {
      counters.increment(Counter.DROP_CONNECTION_REFUSED_RATE);
      return false;
    }
    return true;
  }

  /** A connection was created for a client from {@code sourceKey}: it is live and half-open. */
  void onAdmitted(ServerConnection sc, long sourceKey) {
    admittedThisIteration++;
    sc.sourceKey = sourceKey;
    sc.counted = true;
    sc.halfOpen = true;
    live++;
    halfOpen++;
    connectionsPerIp.increment(sourceKey);
    halfOpenPerIp.increment(sourceKey);
  }

  /** The connection completed its handshake: no longer half-open. */
  void onEstablished(ServerConnection sc) {
    if (sc.halfOpen) {
      sc.halfOpen = false;
      halfOpen--;
      halfOpenPerIp.decrement(sc.sourceKey);
    }
  }

  /** The connection's state was released. */
  void onFreed(ServerConnection sc) {
    onEstablished(sc);
    if (sc.counted) {
      sc.counted = false;
      live--;
      connectionsPerIp.decrement(sc.sourceKey);
    }
  }

  /** The handshake deadline passed for a half-open connection (freed by the caller). */
  void onHandshakeTimeout(ServerConnection sc, long nowNanos) {
    counters.increment(Counter.HANDSHAKE_TIMEOUTS);
    if (timeoutLog.tryAcquire(nowNanos)) {
      LOG.warn(
          "{} from {} did not complete its handshake within {} ms: freed ({} more since the last"
              + " line)",
          sc,
          sc.acceptedFrom,
          limits.handshakeTimeoutMs,
          timeoutLog.takeSuppressed());
    }
  }

  /**
   * The per-connection inbound DATAGRAM budget: true when a DATAGRAM frame of {@code length} bytes
   * from {@code sc} fits both of its token buckets; otherwise it is counted ({@code
   * drop_rate_limited}) and must be dropped.
   */
  boolean allowDatagram(ServerConnection sc, int length, long nowNanos) {
    Limits l = limits;
    if (l.datagramsPerSecond == 0 && l.bytesPerSecond == 0) {
      return true;
    }
    // A datagram refused by the second bucket keeps what it took from the first: errs towards
    // dropping, never towards exceeding a rate.
    if (sc.byteBucket.tryTake(length, l.bytesPerSecond, nowNanos)
        && sc.datagramBucket.tryTake(1, l.datagramsPerSecond, nowNanos)) {
      return true;
    }
    counters.increment(Counter.DROP_RATE_LIMITED);
    if (rateLog.tryAcquire(nowNanos)) {
      LOG.warn(
          "{} from {} exceeds its DATAGRAM rate ({} datagrams/s, {} bytes/s): dropping ({} more"
              + " drops since the last line)",
          sc,
          sc.acceptedFrom,
          l.datagramsPerSecond,
          l.bytesPerSecond,
          rateLog.takeSuppressed());
    }
    return false;
  }

  /**
   * Retained heap of one idle established connection, rounded up from the 36.6 KB measured in
   * {@code perf/RESULTS.md} (idle scenario) and {@code QuicConnectionMemoryTest}.
   */
  static final long IDLE_CONNECTION_BYTES = 40 * 1024;

  /**
   * Logs at start what the connection limit means for the heap: the idle estimate, the worst case
   * (every connection's outgoing DATAGRAM queue full), and a WARN when even idle connections at the
   * limit would not fit the maximum heap, so that the limit, not an {@link OutOfMemoryError}, is
   * what stops new clients.
   */
  static void logHeapBudget(ServerConfig config) {
    Limits l = config.limits;
    long maxHeap = Runtime.getRuntime().maxMemory();
    if (l.maxConnections == 0) {
      LOG.warn(
          "max_connections is 0 (unlimited): the heap ({} MiB) is the only bound on connections",
          maxHeap >> 20);
      return;
    }
    long idle = l.maxConnections * IDLE_CONNECTION_BYTES;
    long queue = (long) config.maxDatagramQueue * config.maxUdpPayloadSize;
    long worst = l.maxConnections * (IDLE_CONNECTION_BYTES + queue);
    LOG.info(
        "limits: {}; heap at max_connections: about {} MiB idle, at most {} MiB with every DATAGRAM"
            + " queue full; max heap {} MiB",
        l,
        idle >> 20,
        worst >> 20,
        maxHeap >> 20);
    if (idle > maxHeap * 8 / 10) {
      LOG.warn(
          "max_connections={} needs about {} MiB of heap even when idle, more than 80% of the max"
              + " heap ({} MiB): lower max_connections or raise -Xmx",
          l.maxConnections, idle >> 20, maxHeap >> 20);
    }
  }

  /** Live connections as counted here. */
  int live() {
    return live;
  }

  /** Half-open connections. */
  int halfOpen() {
    return halfOpen;
  }

  /** Distinct source addresses with a live connection. */
  int sources() {
    return connectionsPerIp.size();
  }
}
