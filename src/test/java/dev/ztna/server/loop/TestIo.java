package dev.ztna.server.loop;

/**
 * The socket I/O the tests run on: {@code -Dztna.test.io=nio|nio-connected|batched} (the {@code
 * batched-io} Maven profile sets {@code batched}); default {@code nio}, the production default.
 */
public final class TestIo {
  private TestIo() {}

  /** The I/O for servers the tests start. */
  public static ServerConfig.IoMode mode() {
    String v = System.getProperty("ztna.test.io", "nio");
    switch (v) {
      case "nio":
        return ServerConfig.IoMode.NIO;
      case "nio-connected":
        return ServerConfig.IoMode.NIO_CONNECTED;
      case "batched":
        return ServerConfig.IoMode.BATCHED;
      default:
        throw new IllegalArgumentException("ztna.test.io: nio, nio-connected or batched, got " + v);
    }
  }

  /**
   * The I/O for the zero-allocation tests, whose peers interleave on one listen address: {@code
   * batched} when the suite runs on it, otherwise {@code nio-connected} (plain {@code nio} on JDK
   * 17 allocates a sender address whenever the sender changes; perf/RESULTS.md states the cost).
   */
  public static ServerConfig.IoMode zeroAllocationMode() {
    return mode() == ServerConfig.IoMode.BATCHED
        ? ServerConfig.IoMode.BATCHED
        : ServerConfig.IoMode.NIO_CONNECTED;
  }
}
