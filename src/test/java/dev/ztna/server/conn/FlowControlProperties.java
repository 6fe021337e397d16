package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * A well-behaved client that only uses the credit the server advertised (applying every update the
 * server decides to send) never triggers an error and is never stalled; the server's count equals
 * the client's sum of sent offsets (final sizes for finished streams).
 */
class FlowControlProperties {

  @Property(tries = 300)
  void wellBehavedClientIsNeverRejectedNorStalled(
      @ForAll @Size(max = 600) List<@IntRange(min = 0, max = 99_999) Integer> actions) {
    final long connWindow = 20_000;
    final long streamWindow = 3_000;
    final int maxStreams = 5;
    FlowControl fc =
        new FlowControl(connWindow, streamWindow, streamWindow, maxStreams, maxStreams);
    long clientMaxData = connWindow;
    long[] clientMaxStreams = {maxStreams, maxStreams}; // bidi, uni
    long[] nextIndex = {0, 0};
    Map<Long, long[]> open = new HashMap<>(); // streamId -> {sentOffset, maxStreamData}
    long clientSent = 0;
    for (int a : actions) {
      int type = a % 2; // 0 bidi, 1 uni
      int pick = (a / 2) % 8;
      int len = (a / 16) % 2_500;
      boolean fin = (a / 40_000) == 1;
      boolean reset = (a / 40_000) == 2;
      long id;
      if (pick == 0 && nextIndex[type] < clientMaxStreams[type]) {
        id = (nextIndex[type]++ << 2) | (type == 0 ? 0 : 2);
        open.put(id, new long[] {0, streamWindow});
      } else {
        id = -1;
        int k = pick;
        for (Long s : open.keySet()) {
          if ((s & 2) == (type == 0 ? 0 : 2) && k-- <= 0) {
            id = s;
            break;
          }
        }
        if (id < 0) {
          continue;
        }
      }
      long[] st = open.get(id);
      long credit = Math.min(st[1] - st[0], clientMaxData - clientSent);
      long n = Math.max(0, Math.min(len, credit));
      int r;
      if (reset) {
        r = fc.onStreamReset(id, st[0] + n);
      } else {
        r = fc.onStreamData(id, st[0], n, fin);
      }
      assertEquals(ConnErrors.OK, r, "stream " + id);
      st[0] += n;
      clientSent += n;
      if (fin || reset) {
        open.remove(id);
      } else if (fc.streamMaxDataUpdate() >= 0) {
        assertTrue(fc.streamMaxDataUpdate() > st[1]);
        st[1] = fc.streamMaxDataUpdate();
      }
      if (fc.maxDataUpdateWanted()) {
        clientMaxData = fc.commitMaxDataUpdate();
      }
      for (int t = 0; t < 2; t++) {
        if (fc.maxStreamsUpdateWanted(t == 0)) {
          clientMaxStreams[t] = fc.commitMaxStreamsUpdate(t == 0);
        }
      }
      assertEquals(clientSent, fc.bytesReceived());
      // Never stalled: connection credit is left, every open stream has credit or will get it, and
      // new streams can be opened unless the client holds all of them open.
      assertTrue(clientMaxData - clientSent > 0);
      for (long[] s : open.values()) {
        assertTrue(s[1] - s[0] > 0);
      }
      for (int t = 0; t < 2; t++) {
        assertTrue(nextIndex[t] < clientMaxStreams[t] || fc.openStreams(t == 0) > 0);
        assertTrue(fc.openStreams(t == 0) <= maxStreams);
      }
    }
  }
}
