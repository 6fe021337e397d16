package dev.ztna.server.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ztna.server.loop.CounterSet;
import dev.ztna.server.loop.LoopMetrics;
import dev.ztna.server.loop.ServerLauncher;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.status.CountersReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP admin endpoint, on the JDK's {@code com.sun.net.httpserver} with one daemon thread of
 * its own ({@code ztna-admin}), bound exactly where configured:
 *
 * <ul>
 *   <li>{@code GET /metrics}: Prometheus text format 0.0.4 (see {@link PrometheusMetrics});
 *   <li>{@code GET /healthz}: 200 while the loop heartbeat (a counter the loop writes every duty
 *       cycle) is at most the configured staleness old, 503 otherwise;
 *   <li>{@code GET /readyz}: 200 while the server takes connections, 503 during the drain (after
 *       SIGTERM) and once stopped;
 *   <li>any other path 404; a method other than GET or HEAD on these paths 405.
 * </ul>
 *
 * It only reads the counters, the histograms the loop hands over, and a volatile readiness flag.
 */
public final class AdminServer implements ServerLauncher.Sidecar {
  private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
  private static final String TEXT = "text/plain; charset=utf-8";

  private final HttpServer http;
  private final ExecutorService executor;
  private final CountersReader counters;
  private final PrometheusMetrics metrics;
  private final BooleanSupplier ready;
  private final long staleMs;
  private final EpochClock clock;

  private AdminServer(
      HttpServer http,
      ExecutorService executor,
      CountersReader counters,
      LoopMetrics loop,
      BooleanSupplier ready,
      Duration stale,
      EpochClock clock) {
    this.http = http;
    this.executor = executor;
    this.counters = counters;
    this.metrics = new PrometheusMetrics(counters, loop, clock);
    this.ready = ready;
    this.staleMs = stale.toMillis();
    this.clock = clock;
  }

  /**
   * Binds {@code address} and starts serving.
   *
   * @param counters the process's counters (with the loop heartbeat among them)
   * @param loop the loop histograms, or null (then no summaries are exported)
   * @param ready whether the server takes connections (read from the admin thread)
   * @param stale how old the heartbeat may be for {@code /healthz} to answer 200
   * @throws IOException when the address cannot be bound
   */
  public static AdminServer start(
      InetSocketAddress address,
      CountersReader counters,
      LoopMetrics loop,
      BooleanSupplier ready,
      Duration stale,
      EpochClock clock)
      throws IOException {
    HttpServer http = HttpServer.create(address, 16);
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "ztna-admin");
              t.setDaemon(true);
              return t;
            });
    AdminServer admin = new AdminServer(http, executor, counters, loop, ready, stale, clock);
    http.createContext("/", admin::handle);
    http.setExecutor(executor);
    http.start();
    LOG.info("admin endpoint on http://{}/ (metrics, healthz, readyz)", admin.describe());
    return admin;
  }

  /** The bound address (the real port when 0 was configured). */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  private String describe() {
    InetSocketAddress a = address();
    String host = a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      boolean known = path.equals("/metrics") || path.equals("/healthz") || path.equals("/readyz");
      if (!known) {
        respond(exchange, method, 404, TEXT, "not found\n");
        return;
      }
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(exchange, method, 405, TEXT, "method not allowed\n");
        return;
      }
      switch (path) {
        case "/metrics":
          respond(exchange, method, 200, PrometheusMetrics.CONTENT_TYPE, metrics.scrape());
          break;
        case "/healthz":
          health(exchange, method);
          break;
        default:
          boolean isReady = ready.getAsBoolean();
          respond(exchange, method, isReady ? 200 : 503, TEXT, isReady ? "ready\n" : "draining\n");
          break;
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("admin request failed", e);
    }
  }

  private void health(HttpExchange exchange, String method) throws IOException {
    long heartbeat = heartbeat(counters);
    if (heartbeat == 0) {
      respond(exchange, method, 503, TEXT, "no loop heartbeat yet\n");
      return;
    }
    long age = clock.time() - heartbeat;
    if (age > staleMs) {
      respond(exchange, method, 503, TEXT, "stale: last duty cycle began " + age + " ms ago\n");
    } else {
      respond(exchange, method, 200, TEXT, "ok\n");
    }
  }

  /** The value of the first heartbeat counter in {@code counters}, or 0 when there is none. */
  static long heartbeat(CountersReader counters) {
    long[] value = {0};
    boolean[] found = {false};
    counters.forEach(
        (long v, int id, String label) -> {
          if (!found[0] && counters.getCounterTypeId(id) == CounterSet.TYPE_HEARTBEAT) {
            found[0] = true;
            value[0] = v;
          }
        });
    return value[0];
  }

  private static void respond(
      HttpExchange exchange, String method, int status, String type, String body)
      throws IOException {
    respond(exchange, method, status, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(
      HttpExchange exchange, String method, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    if (method.equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /**
   * Stops serving and waits (up to 5 s) for the admin thread to end, so that no request still reads
   * the counters once their file is unmapped.
   */
  @Override
  public void close() {
    http.stop(1);
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("the admin thread has not stopped after 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
