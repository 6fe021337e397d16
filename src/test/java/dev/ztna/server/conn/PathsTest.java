package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Paths}: validation, migration and per-path anti-amplification (RFC 9000 §8, §9). */
class PathsTest {
  private static final InetSocketAddress A = new InetSocketAddress("192.0.2.1", 4433);
  private static final InetSocketAddress A2 = new InetSocketAddress("192.0.2.1", 5555);
  private static final InetSocketAddress B = new InetSocketAddress("198.51.100.7", 4433);
  private static final long PTO = 100_000_000L;

  private static Paths validated() {
    AmplificationLimiter amp = new AmplificationLimiter(1200);
    amp.markValidated();
    return new Paths(A, amp, 1200);
  }

  @Test
  void probingPacketStartsValidationWithoutMigrating() {
    Paths p = validated();
    assertFalse(p.onDatagramReceived(B, 1200));
    assertEquals(
        Paths.STAYED, p.onPacketFromNewAddress(B, false, true, 1200, PTO, new Random(1), 0));
    assertEquals(A, p.peer());
    assertEquals(B, p.candidate());
    assertTrue(p.hasProbe());
    // The candidate's own budget: 3x the 1200 bytes received from it.
    assertEquals(1200, p.prepareProbe(1500));
    assertTrue(p.probeCarriesChallenge());
    long data = p.takeChallenge(10);
    p.onProbeSent(1200);
    assertEquals(B, p.destination());
    assertNull(p.onPathResponse(data + 1)); // wrong data
    assertNull(p.onPathResponse(data)); // validated, but only probing: no migration
    assertNull(p.candidate());
    assertEquals(A, p.peer());
  }

  @Test
  void nonProbingPacketMigratesAtOnceAndValidationCompletesIt() {
    Paths p = validated();
    p.onDatagramReceived(B, 1000);
    assertEquals(
        Paths.MIGRATED_ADDRESS,
        p.onPacketFromNewAddress(B, true, true, 1000, PTO, new Random(2), 0));
    assertEquals(B, p.peer());
    assertFalse(p.amplification().isValidated()); // sends there within 3x until validated
    assertEquals(3000, p.amplification().sendAllowance());
    p.prepareProbe(1500);
    long data = p.takeChallenge(10);
    p.onProbeSent(1200);
    assertEquals(B, p.onPathResponse(data));
    assertTrue(p.amplification().isValidated());
  }

  @Test
  void portChangeIsReported() {
    Paths p = validated();
    assertEquals(
        Paths.MIGRATED_PORT, p.onPacketFromNewAddress(A2, true, true, 1200, PTO, new Random(3), 0));
  }

  @Test
  void failedValidationFallsBackToTheLastValidatedPath() {
    Paths p = validated();
    p.onPacketFromNewAddress(B, true, true, 1200, PTO, new Random(4), 0);
    long now = 0;
    for (int i = 0; i < Paths.MAX_CHALLENGES; i++) {
      assertTrue(p.hasProbe());
      p.prepareProbe(1500);
      p.takeChallenge(now + 10);
      p.onProbeSent(100);
      now += 10;
      boolean fellBack = p.onTimeout(now);
      assertEquals(i == Paths.MAX_CHALLENGES - 1, fellBack);
    }
    assertEquals(A, p.peer());
    assertTrue(p.amplification().isValidated());
    assertNull(p.candidate());
    assertEquals(PacketNumberSpace.NO_TIME, p.nextTimeout());
  }

  @Test
  void pathChallengeFromAnotherAddressIsAnsweredWithinItsBudget() {
    Paths p = validated();
    p.onDatagramReceived(B, 100);
    p.onPathChallenge(B, 42, 100);
    assertTrue(p.hasProbe());
    assertFalse(p.hasPathResponse());
    assertEquals(300, p.prepareProbe(1500)); // 3x the 100 bytes from B
    assertFalse(p.probeCarriesChallenge());
    assertTrue(p.probeCarriesResponse());
    assertEquals(42, p.takeProbeResponse());
    p.onProbeSent(300);
    assertEquals(0, p.prepareProbe(1500));
    p.onPathChallenge(A, 7, 100);
    assertTrue(p.hasPathResponse());
    assertEquals(7, p.takePathResponse());
  }
}
