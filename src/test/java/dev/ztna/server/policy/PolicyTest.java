package dev.ztna.server.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class PolicyTest {
  private static final String DB_CONNECTOR = "spiffe://corp.example/connector/db";
  private static final String ALICE = "spiffe://corp.example/user/alice";

  private static Policy policy() {
    return Policy.builder()
        .service("db.internal", List.of(DB_CONNECTOR), List.of("spiffe://corp.example/user/*"))
        .service("web", List.of("spiffe://corp.example/connector/web"), List.of("**"))
        .service("locked", List.of(), List.of())
        .build();
  }

  @Test
  void mtlsIsTheDefaultAndFailsClosed() {
    Policy p = policy();
    assertEquals(Policy.Mode.MTLS, p.mode());
    assertSame(Verdict.ALLOWED, p.check(true, DB_CONNECTOR, "db.internal"));
    assertSame(Verdict.ALLOWED, p.check(false, ALICE, "db.internal"));
    assertSame(Verdict.IDENTITY_NOT_ALLOWED, p.check(true, ALICE, "db.internal"), "role matters");
    assertSame(Verdict.IDENTITY_NOT_ALLOWED, p.check(false, DB_CONNECTOR, "db.internal"));
    assertSame(Verdict.UNKNOWN_SERVICE, p.check(false, ALICE, "db.internal2"));
    assertSame(Verdict.UNKNOWN_SERVICE, p.check(false, ALICE, "db.interna"));
    assertSame(Verdict.NO_IDENTITY, p.check(false, null, "db.internal"));
    assertSame(Verdict.NO_IDENTITY, p.check(false, null, "unknown"));
    assertSame(Verdict.ALLOWED, p.check(false, DB_CONNECTOR, "web"));
    assertSame(Verdict.IDENTITY_NOT_ALLOWED, p.check(true, DB_CONNECTOR, "locked"));
    assertSame(Verdict.IDENTITY_NOT_ALLOWED, p.check(false, ALICE, "locked"));
    assertEquals("mtls, 3 services: db.internal, web, locked", p.toString());
    assertEquals(
        List.of("db.internal", "web", "locked"),
        p.services().stream().map(ServicePolicy::id).toList());
    assertNull(p.service("nope"));
    assertTrue(p.service("web").allowsAgent("anything"));
  }

  @Test
  void modesParseFromConfigurationValues() {
    assertSame(Policy.Mode.MTLS, Policy.Mode.parse("mtls"));
    assertSame(Policy.Mode.NONE, Policy.Mode.parse(" None "));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Policy.Mode.parse("tls"));
    assertTrue(e.getMessage().contains("\"none\" or \"mtls\""), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Policy.Mode.parse(null));
    Policy.Builder many = Policy.builder();
    for (int i = 0; i < 12; i++) {
      many.service("s" + i, List.of(), List.of());
    }
    assertEquals(
        "mtls, 12 services: s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, ...", many.build().toString());
  }

  @Test
  void noneAllowsEverything() {
    Policy p =
        Policy.builder().mode(Policy.Mode.NONE).service("db", List.of("x"), List.of()).build();
    assertSame(Verdict.ALLOWED, p.check(true, null, "db"));
    assertSame(Verdict.ALLOWED, p.check(false, "y", "other"));
    assertSame(Policy.Mode.NONE, Policy.allowAll().mode());
    assertSame(Verdict.ALLOWED, Policy.allowAll().check(true, null, "anything"));
  }

  @Test
  void theIdIsReadInPlaceFromABuffer() {
    Policy p = policy();
    byte[] framed = "..db.internal!!".getBytes(StandardCharsets.UTF_8);
    UnsafeBuffer b = new UnsafeBuffer(framed);
    assertSame(Verdict.ALLOWED, p.check(true, DB_CONNECTOR, b, 2, 11));
    assertSame(Verdict.UNKNOWN_SERVICE, p.check(true, DB_CONNECTOR, b, 2, 12));
    assertSame(Verdict.UNKNOWN_SERVICE, p.check(true, DB_CONNECTOR, b, 1, 11));
  }

  @Test
  void unicodeIdsAreComparedBytewise() {
    Policy p = Policy.builder().service("caf\u00e9", List.of("**"), List.of("**")).build();
    assertSame(Verdict.ALLOWED, p.check(true, "a", "caf\u00e9"));
    assertSame(Verdict.UNKNOWN_SERVICE, p.check(true, "a", "cafe\u0301"));
  }

  @Test
  void badInputIsRejectedNamingIt() {
    Policy.Builder b = Policy.builder().service("db", List.of("x"), List.of("y"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> b.service("db", List.of(), List.of()))
            .getMessage()
            .contains("'db' listed twice"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> b.service("web", List.of("db-*"), List.of()))
            .getMessage()
            .contains("service 'web' connectors"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> b.service("web", List.of(), List.of("a/**/b")))
            .getMessage()
            .contains("service 'web' agents"));
    assertThrows(IllegalArgumentException.class, () -> b.service("", List.of(), List.of()));
    assertThrows(
        IllegalArgumentException.class, () -> b.service("x".repeat(256), List.of(), List.of()));
    assertThrows(IllegalArgumentException.class, () -> b.service("\ud800", List.of(), List.of()));
    assertThrows(IllegalArgumentException.class, () -> b.service(null, List.of(), List.of()));
    assertThrows(IllegalArgumentException.class, () -> b.mode(null));
    // The failed calls left the builder as it was; it builds, and builds again independently.
    Policy one = b.build();
    Policy two = b.service("web", List.of("w"), null).build();
    assertEquals(1, one.services().size());
    assertEquals(2, two.services().size());
    assertSame(Verdict.ALLOWED, one.check(true, "x", "db"));
    assertSame(Verdict.ALLOWED, two.check(true, "x", "db"));
    assertSame(Verdict.UNKNOWN_SERVICE, one.check(true, "w", "web"));
  }

  @Test
  void checkingAllocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Policy p = policy();
    UnsafeBuffer db = new UnsafeBuffer("db.internal".getBytes(StandardCharsets.UTF_8));
    UnsafeBuffer web = new UnsafeBuffer("web".getBytes(StandardCharsets.UTF_8));
    UnsafeBuffer none = new UnsafeBuffer("nothing".getBytes(StandardCharsets.UTF_8));
    String bob = "spiffe://corp.example/user/bob/laptop";
    int n = 200_000;
    long best = Long.MAX_VALUE;
    int allowed = 0;
    for (int attempt = 0; attempt < 4 && best != 0; attempt++) {
      long start = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < n; i++) {
        allowed += p.check(true, DB_CONNECTOR, db, 0, 11).allowed() ? 1 : 0;
        allowed += p.check(false, ALICE, db, 0, 11).allowed() ? 1 : 0;
        allowed += p.check(false, bob, db, 0, 11).allowed() ? 1 : 0;
        allowed += p.check(false, bob, web, 0, 3).allowed() ? 1 : 0;
        allowed += p.check(false, bob, none, 0, 7).allowed() ? 1 : 0;
      }
      best = Math.min(best, threads.getCurrentThreadAllocatedBytes() - start);
    }
    assertEquals(0, best, "bytes allocated over " + n + " rounds of checks");
    assertTrue(allowed > 0);
  }
}
