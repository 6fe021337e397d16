package dev.ztna.server.loop;

import java.util.BitSet;
import java.util.concurrent.ThreadFactory;
import net.openhft.affinity.Affinity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pins the loop thread to one CPU core through OpenHFT's affinity library ({@code
 * sched_setaffinity(2)} through JNA on Linux). Loaded only when a core is configured, so the
 * library (and JNA) stay unused otherwise.
 */
public final class LoopAffinity {
  private static final Logger LOG = LoggerFactory.getLogger(LoopAffinity.class);

  private LoopAffinity() {}

  /**
   * Why the loop thread cannot be pinned to {@code cpu} on this machine, or {@code null} if it can:
   * the affinity library must work here and {@code cpu} must be in this process's CPU set.
   */
  public static String problem(int cpu) {
    try {
      if (!Affinity.isJNAAvailable()) {
        return "CPU pinning is not available here (the affinity library found no working JNA);"
            + " pin the process with 'taskset -c "
            + cpu
            + "' or systemd CPUAffinity= instead";
      }
      BitSet allowed = Affinity.getAffinity();
      if (allowed.isEmpty() || !allowed.get(cpu)) {
        return "CPU " + cpu + " is not in this process's CPU set " + allowed;
      }
      return null;
    } catch (RuntimeException | LinkageError e) {
      return "CPU pinning is not available here ("
          + e
          + "); pin the process with 'taskset -c "
          + cpu
          + "' or systemd CPUAffinity= instead";
    }
  }

  /** A thread factory whose threads pin themselves to {@code cpu} before running their task. */
  static ThreadFactory pinningThreadFactory(int cpu) {
    return task ->
        new Thread(
            () -> {
              pinCurrentThread(cpu);
              task.run();
            });
  }

  /** Pins the calling thread to {@code cpu} and logs the result; returns whether it worked. */
  static boolean pinCurrentThread(int cpu) {
    try {
      Affinity.setAffinity(cpu);
      BitSet now = Affinity.getAffinity();
      if (now.cardinality() == 1 && now.get(cpu)) {
        LOG.info("loop thread pinned to CPU {} (affinity now {})", cpu, now);
        return true;
      }
      LOG.error("pinning the loop thread to CPU {} failed: its affinity is {}", cpu, now);
    } catch (RuntimeException | LinkageError e) {
      LOG.error("pinning the loop thread to CPU {} failed", cpu, e);
    }
    return false;
  }
}
