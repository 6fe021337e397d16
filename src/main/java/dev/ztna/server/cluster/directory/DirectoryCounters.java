package dev.ztna.server.cluster.directory;

import dev.ztna.server.loop.CounterSet;
import org.agrona.concurrent.status.CountersManager;

/** Counters of a node's directory client (see {@link dev.ztna.server.loop.CounterSet}). */
public final class DirectoryCounters extends CounterSet<DirectoryCounters.Counter> {
  /** Every counter; labels are stable snake_case names. */
  public enum Counter implements Labelled {
    /** An announcement refused because the queue towards the cluster was full. */
    DROP_DIRECTORY_BACK_PRESSURE("drop_directory_back_pressure"),
    /** Egress messages from the cluster that did not parse (ignored). */
    DROP_DIRECTORY_MALFORMED("drop_directory_malformed"),
    /** Cluster sessions opened (the first, and each after one was lost). */
    DIRECTORY_SESSIONS_OPENED("directory_sessions_opened"),
    /**
     * Cluster sessions lost (closed by the cluster, timed out, or silent for the liveness time).
     */
    DIRECTORY_SESSIONS_LOST("directory_sessions_lost"),
    /**
     * The cluster no longer knew this node's session as the node's (it restarted empty, or another
     * process uses the same node id): the node bound it again and re-announced.
     */
    DIRECTORY_REBINDS("directory_rebinds"),
    /** Connection attempts to the cluster that failed (retried). */
    DIRECTORY_CONNECT_FAILURES("directory_connect_failures"),
    /** New cluster leaders followed. */
    DIRECTORY_NEW_LEADERS("directory_new_leaders"),
    /** Full state syncs asked for (after a gap, a new leader, or a sync that timed out). */
    DIRECTORY_SYNC_REQUESTS("directory_sync_requests"),
    /** Full state syncs applied. */
    DIRECTORY_SYNCS("directory_syncs"),
    /** Replicated changes applied to the local copy. */
    DIRECTORY_UPDATES("directory_updates");

    private final String label;

    Counter(String label) {
      this.label = label;
    }

    @Override
    public String label() {
      return label;
    }
  }

  /** Counters in private memory. */
  public DirectoryCounters() {
    super(Counter.class);
  }

  /** Counters allocated in {@code manager} (the process's counters file). */
  public DirectoryCounters(CountersManager manager) {
    super(Counter.class, manager);
  }
}
