package dev.ztna.server.conn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test listener that records every callback (allocates: not for the zero-allocation test). */
final class RecordingListener implements SentPacketListener {
  final List<Long> acked = new ArrayList<>();
  final List<Long> lost = new ArrayList<>();
  final List<Long> discarded = new ArrayList<>();
  final Map<Long, Long> tokenByPn = new HashMap<>();

  @Override
  public void onPacketAcked(
      int space, long pn, long token, int size, boolean inFlight, long timeSentNanos) {
    acked.add(pn);
    tokenByPn.put(pn, token);
  }

  @Override
  public void onPacketLost(
      int space, long pn, long token, int size, boolean inFlight, long timeSentNanos) {
    lost.add(pn);
    tokenByPn.put(pn, token);
  }

  @Override
  public void onPacketDiscarded(int space, long pn, long token, int size) {
    discarded.add(pn);
  }

  void clear() {
    acked.clear();
    lost.clear();
    discarded.clear();
  }
}
