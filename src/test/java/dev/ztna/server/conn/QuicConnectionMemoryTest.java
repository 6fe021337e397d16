package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Retained heap per idle established connection: heap delta over 1000 connections after GC, minus
 * the test listener ({@link Harness}) measured the same way. Printed for the report.
 */
class QuicConnectionMemoryTest {
  private static long usedAfterGc() {
    Runtime rt = Runtime.getRuntime();
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      best = Math.min(best, rt.totalMemory() - rt.freeMemory());
    }
    return best;
  }

  private static void strip(Harness h) {
    h.client = null;
    h.out = null;
    h.serverDatagrams.clear();
    h.serverDatagrams.trimToSize();
    h.serverDestinations.clear();
    h.serverDestinations.trimToSize();
    h.serverReceivedDatagrams.clear();
    h.serverReceivedDatagrams.trimToSize();
  }

  @Test
  void bytesPerIdleEstablishedConnection() {
    int n = 1000;
    ConnectionConfig cfg =
        Harness.config(Harness.credentials(dev.ztna.server.certs.ServerCredentials.KeyType.EC_P256))
            .build();
    // Listener-only baseline.
    List<Harness> baseline = new ArrayList<>();
    long b0 = usedAfterGc();
    for (int i = 0; i < n; i++) {
      Harness h = new Harness(i, cfg);
      strip(h);
      baseline.add(h);
    }
    long b1 = usedAfterGc();
    long perListener = (b1 - b0) / n;
    baseline.clear();

    List<Harness> live = new ArrayList<>();
    long m0 = usedAfterGc();
    for (int i = 0; i < n; i++) {
      Harness h = new Harness(1000 + i, cfg);
      h.start(false);
      assertTrue(h.handshake());
      h.settle();
      strip(h);
      live.add(h);
    }
    long m1 = usedAfterGc();
    long perConnection = (m1 - m0) / n - perListener;
    System.out.println(
        "retained heap per idle established connection: "
            + perConnection
            + " bytes (test listener "
            + perListener
            + " bytes subtracted)");
    for (Harness h : live) {
      assertTrue(h.conn.isEstablished());
      // Issue 13 §1: the handshake's state is gone, and state for streams never came.
      assertFalse(h.conn.holdsHandshakeState());
      assertFalse(h.conn.holdsStreamState());
    }
    // 33.0 KB before issue 13's split, 15.8 KB after it (JDK 17, compressed oops); the bound is
    // generous but fails the old layout.
    assertTrue(perConnection < 24 * 1024, "per-connection memory " + perConnection);
  }
}
