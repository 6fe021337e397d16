package dev.ztna.server.interop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a thread allocates: records JFR allocation events while an action runs and returns the most
 * frequent allocation sites of that thread (class allocated and the top stack frames), so a failing
 * zero-allocation test names its culprit.
 */
final class AllocationSites {
  /** An action that may throw. */
  interface Action {
    void run() throws Exception;
  }

  private AllocationSites() {}

  static String sample(long threadId, Action action) throws Exception {
    Path file = Files.createTempFile("alloc-sites-", ".jfr");
    try (Recording r = new Recording()) {
      r.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
      r.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
      r.enable("jdk.ObjectAllocationSample").withStackTrace();
      r.start();
      action.run();
      r.stop();
      r.dump(file);
    }
    Map<String, Integer> sites = new HashMap<>();
    List<RecordedEvent> events = RecordingFile.readAllEvents(file);
    Files.deleteIfExists(file);
    for (RecordedEvent e : events) {
      if (e.getThread() == null || e.getThread().getJavaThreadId() != threadId) {
        continue;
      }
      StringBuilder b = new StringBuilder();
      b.append(e.getEventType().getName()).append(' ');
      b.append(e.getClass("objectClass").getName());
      if (e.getStackTrace() != null) {
        List<RecordedFrame> frames = e.getStackTrace().getFrames();
        for (int i = 0; i < Math.min(12, frames.size()); i++) {
          RecordedFrame f = frames.get(i);
          b.append("\n    at ")
              .append(f.getMethod().getType().getName())
              .append('.')
              .append(f.getMethod().getName())
              .append(':')
              .append(f.getLineNumber())
              .append(" (")
              .append(f.getType())
              .append(')');
        }
      }
      sites.merge(b.toString(), 1, Integer::sum);
    }
    return "allocation sites on the loop thread (JFR samples):\n"
        + sites.entrySet().stream()
            .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
            .limit(8)
            .map(en -> en.getValue() + "x " + en.getKey())
            .collect(Collectors.joining("\n"));
  }
}
