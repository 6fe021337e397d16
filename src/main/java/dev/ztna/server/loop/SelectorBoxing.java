package dev.ztna.server.loop;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import org.slf4j.Logger;

/**
 * The one allocation the JDK makes on the connected-socket receive path, and how to avoid it.
 *
 * <p>The JDK's epoll {@code Selector} (JDK 17 to 25, {@code sun.nio.ch.EPollSelectorImpl}) finds
 * the key of each ready socket in a {@code HashMap<Integer, SelectionKeyImpl>}, boxing the file
 * descriptor: a descriptor above the {@link Integer#valueOf} cache (127 unless the JVM is started
 * with {@code -XX:AutoBoxCacheMax=N}) costs a 16-byte {@code Integer} per ready socket per select.
 * A server with more than about a hundred sockets open has such descriptors, so the loop stays
 * allocation-free only with the cache raised to the process's descriptor limit. The systemd unit
 * and the test JVM do that; {@link #warnIfBoxing} says so at start when it is missing.
 */
public final class SelectorBoxing {
  /** The highest {@code AutoBoxCacheMax} worth suggesting (the systemd unit's LimitNOFILE). */
  static final int SUGGESTED_MAX = 1 << 20;

  private SelectorBoxing() {}

  /** The highest int that {@link Integer#valueOf} returns from its cache (127 by default). */
  public static int integerCacheHigh() {
    // The cache is a prefix [-128, high]; find high by bisection on identity.
    int lo = 127; // always cached (JLS 5.1.7)
    int hi = Integer.MAX_VALUE - 1;
    if (cached(hi)) {
      return hi;
    }
    while (hi - lo > 1) {
      int mid = lo + (hi - lo) / 2;
      if (cached(mid)) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  @SuppressWarnings("ReferenceEquality") // identity is the point: cached boxes are the same object
  private static boolean cached(int i) {
    Object a = Integer.valueOf(i);
    Object b = Integer.valueOf(i);
    return a == b;
  }

  /** The process's file-descriptor limit, or -1 when the platform does not say. */
  static long maxFileDescriptors() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean) {
      return ((com.sun.management.UnixOperatingSystemMXBean) os).getMaxFileDescriptorCount();
    }
    return -1;
  }

  /**
   * Logs a WARN when connected sockets are on and descriptors up to the process's limit would be
   * boxed on every ready event; returns true when it warned.
   */
  static boolean warnIfBoxing(Logger log, boolean connectedSockets) {
    if (!connectedSockets) {
      return false;
    }
    long limit = maxFileDescriptors();
    int high = integerCacheHigh();
    if (limit >= 0 && limit <= high) {
      return false;
    }
    long suggest = limit < 0 ? SUGGESTED_MAX : Math.min(limit, SUGGESTED_MAX);
    log.warn(
        "connected sockets: the JDK's epoll selector boxes every ready file descriptor above {}"
            + " (16 B per ready socket on the loop thread once more than about 100 sockets are"
            + " open); start the JVM with -XX:AutoBoxCacheMax={} to keep the loop allocation-free",
        high,
        suggest);
    return true;
  }
}
