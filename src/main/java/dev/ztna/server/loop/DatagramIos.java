package dev.ztna.server.loop;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.InetSocketAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the {@link DatagramIo} a {@link ServerConfig.IoMode} asks for. {@code batched} lives in the
 * multi-release part of the jar ({@code META-INF/versions/22}, source in {@code src/main/java22}),
 * so it is loaded by name: on a JDK before 22, on a platform without {@code recvmmsg}, without
 * native access, or when its start-up self-test fails, the server logs one WARN line naming the
 * reason and runs on {@code nio}.
 */
public final class DatagramIos {
  /** The batched implementation, compiled for release 22 (JDK 22+: FFM API final). */
  static final String BATCHED_CLASS = "dev.ztna.server.loop.BatchedDatagramIo";

  private static final Logger LOG = LoggerFactory.getLogger(DatagramIos.class);

  private DatagramIos() {}

  /** Binds every address of {@code listen} with the I/O {@code mode} asks for (or its fallback). */
  public static DatagramIo open(
      ServerConfig.IoMode mode, List<InetSocketAddress> listen, ServerCounters counters)
      throws IOException {
    return open(mode, listen, counters, BATCHED_CLASS);
  }

  /** As above, loading the batched I/O from {@code batchedClass} (tests: a missing one). */
  static DatagramIo open(
      ServerConfig.IoMode mode,
      List<InetSocketAddress> listen,
      ServerCounters counters,
      String batchedClass)
      throws IOException {
    if (mode == ServerConfig.IoMode.BATCHED) {
      try {
        return openBatched(listen, counters, batchedClass);
      } catch (BatchedUnavailable e) {
        LOG.warn("--io batched is not available ({}); using nio", e.getMessage());
      }
    }
    return NioDatagramIo.open(listen, counters, mode == ServerConfig.IoMode.NIO_CONNECTED);
  }

  /** Why {@code batched} cannot run here; the message names the reason. */
  static final class BatchedUnavailable extends Exception {
    private static final long serialVersionUID = 1L;

    BatchedUnavailable(String reason, Throwable cause) {
      super(reason, cause);
    }
  }

  /**
   * Loads, self-tests and opens the batched I/O. A failure to bind a listen address is an {@link
   * IOException} as on {@code nio} (not a reason to fall back); everything else is {@link
   * BatchedUnavailable}.
   */
  private static DatagramIo openBatched(
      List<InetSocketAddress> listen, ServerCounters counters, String batchedClass)
      throws IOException, BatchedUnavailable {
    Class<?> type;
    try {
      type = Class.forName(batchedClass);
    } catch (ClassNotFoundException e) {
      throw new BatchedUnavailable(
          "needs JDK 22 or later and the multi-release jar, running on "
              + Runtime.version()
              + " (no "
              + batchedClass
              + ")",
          e);
    } catch (LinkageError e) {
      throw new BatchedUnavailable(
          "needs JDK 22 or later, running on " + Runtime.version() + ": " + e, e);
    }
    String failed;
    try {
      failed = (String) type.getMethod("selfTest").invoke(null);
    } catch (InvocationTargetException e) {
      throw new BatchedUnavailable("self-test failed: " + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new BatchedUnavailable("cannot run its self-test: " + e, e);
    }
    if (failed != null) {
      throw new BatchedUnavailable("self-test failed: " + failed, null);
    }
    try {
      return (DatagramIo)
          type.getMethod("open", List.class, ServerCounters.class).invoke(null, listen, counters);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IOException) {
        throw (IOException) e.getCause();
      }
      throw new BatchedUnavailable("cannot open: " + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new BatchedUnavailable("cannot open: " + e, e);
    }
  }
}
