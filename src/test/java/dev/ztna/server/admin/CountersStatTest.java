package dev.ztna.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.loop.CountersFile;
import dev.ztna.server.loop.ServerCounters;
import dev.ztna.server.loop.ServerCounters.Counter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The counters file's layout, read-only mapping and the {@code stat} output. */
class CountersStatTest {
  @TempDir Path dir;

  @Test
  void printsEveryCounterWithTypeAndRate() throws Exception {
    Path file = dir.resolve("a.counters");
    try (CountersFile counters = CountersFile.create(file)) {
      ServerCounters c = new ServerCounters(counters.manager());
      c.add(Counter.DATAGRAMS_RECEIVED, 42);
      c.set(Counter.LIVE_CONNECTIONS, 3);
      c.set(Counter.LOOP_HEARTBEAT, System.currentTimeMillis());
      try (CountersFile.View view = CountersFile.openReadOnly(file)) {
        CountersReader reader = view.reader();
        assertEquals(ProcessHandle.current().pid(), view.pid());
        assertEquals(42, reader.getCounterValue(c.counterId(Counter.DATAGRAMS_RECEIVED)));
        assertEquals("datagrams_received", reader.getCounterLabel(0));
      }
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = CountersStat.run(file, 1, 2, new PrintWriter(out), new PrintWriter(err));
      assertEquals(0, code, err.toString());
      String text = out.toString();
      assertTrue(text.matches("(?s).*counter\\s+42\\s+0\\.0\\s+datagrams_received.*"), text);
      assertTrue(text.matches("(?s).*gauge\\s+3\\s+live_connections.*"), text);
      assertTrue(text.matches("(?s).*heartbeat\\s+\\d+ ms ago\\s+loop_heartbeat_epoch_ms.*"), text);
    }
    assertTrue(Files.notExists(file), "deleted at close");
  }

  @Test
  void noFileExitsTwoWithAMessage() throws Exception {
    StringWriter err = new StringWriter();
    int code =
        CountersStat.run(
            dir.resolve("missing.counters"),
            0,
            0,
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertEquals(CountersStat.EXIT_NO_FILE, code);
    assertTrue(err.toString().contains("no counters file at"), err.toString());
  }

  @Test
  void notACountersFileIsRefused() throws IOException {
    Path junk = dir.resolve("ztna-intermediate-server-1.counters");
    Files.write(junk, new byte[4096]);
    assertThrows(IOException.class, () -> CountersFile.openReadOnly(junk));
    // ... and the newest-file search skips it.
    assertTrue(CountersFile.newest(dir).isEmpty());
  }

  @Test
  void newestFileWins() throws IOException {
    Path older = dir.resolve("ztna-intermediate-server-100.counters");
    Path newer = dir.resolve("ztna-intermediate-server-200.counters");
    try (CountersFile a = CountersFile.create(older)) {
      long created = System.currentTimeMillis();
      while (System.currentTimeMillis() <= created) {
        Thread.onSpinWait(); // start times are epoch milliseconds: let the next one differ
      }
      try (CountersFile b = CountersFile.create(newer)) {
        assertEquals(newer, CountersFile.newest(dir).orElseThrow());
        assertEquals(older, a.path());
        assertEquals(newer, b.path());
      }
    }
  }
}
