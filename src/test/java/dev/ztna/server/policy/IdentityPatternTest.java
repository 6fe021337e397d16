package dev.ztna.server.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IdentityPatternTest {
  private static boolean m(String pattern, String identity) {
    return IdentityPattern.compile(pattern).matches(identity);
  }

  @Test
  void literalsMatchOnlyThemselves() {
    String id = "spiffe://corp.example/connector/db";
    assertTrue(m(id, id));
    assertFalse(m(id, id + "x"));
    assertFalse(m(id, id + "/x"));
    assertFalse(m(id, "spiffe://corp.example/connector"));
    assertFalse(m(id, "SPIFFE://corp.example/connector/db"), "case-sensitive");
    assertFalse(m(id, null));
    assertTrue(m("db.corp.example", "db.corp.example"));
    assertFalse(m("db.corp.example", "db.corp.example."));
  }

  @Test
  void starIsOneNonEmptySegment() {
    String p = "spiffe://corp.example/user/*";
    assertTrue(m(p, "spiffe://corp.example/user/alice"));
    assertFalse(m(p, "spiffe://corp.example/user/alice/laptop"), "never crosses a /");
    assertFalse(m(p, "spiffe://corp.example/user"));
    assertFalse(m(p, "spiffe://corp.example/user/"), "not an empty segment");
    assertFalse(m(p, "spiffe://corp.example/users/alice"));
    assertTrue(m("spiffe://corp.example/*/db", "spiffe://corp.example/connector/db"));
    assertFalse(m("spiffe://corp.example/*/db", "spiffe://corp.example//db"));
    assertTrue(m("*", "db.corp.example"));
    assertFalse(m("*", "a/b"));
    assertFalse(m("*", ""));
  }

  @Test
  void theSchemeAndAuthorityAreOneSegment() {
    // A leading * takes the whole scheme://authority: it never matches just "spiffe:".
    assertTrue(m("*/connector/db", "spiffe://corp.example/connector/db"));
    assertTrue(m("*/connector/db", "spiffe://evil.example/connector/db"));
    assertFalse(m("*/*/connector/db", "spiffe://corp.example/connector/db"));
    assertFalse(m("spiffe:/*/connector", "spiffe://corp.example/connector"));
    // The trust domain is pinned by writing it: a different authority never matches.
    assertFalse(
        m("spiffe://corp.example/**", "spiffe://corp.example.evil/connector/db"), "authority");
    assertFalse(m("spiffe://corp.example/**", "spiffe://corp.exampl/x"));
    assertEquals(
        "spiffe://corp.example".length(),
        IdentityPattern.firstSegmentEnd("spiffe://corp.example/a/b"));
    assertEquals(3, IdentityPattern.firstSegmentEnd("abc/def"));
    assertEquals(2, IdentityPattern.firstSegmentEnd("9://x/y"), "not a scheme: plain split");
  }

  @Test
  void doubleStarIsOneOrMoreTrailingSegments() {
    String p = "spiffe://corp.example/user/**";
    assertTrue(m(p, "spiffe://corp.example/user/alice"));
    assertTrue(m(p, "spiffe://corp.example/user/eng/bob/laptop"));
    assertFalse(m(p, "spiffe://corp.example/user"), "not zero segments");
    assertFalse(m(p, "spiffe://corp.example/user/"));
    assertFalse(m(p, "spiffe://corp.example/user//x"), "no empty segment");
    assertFalse(m(p, "spiffe://corp.example/users/alice"));
    assertTrue(m("**", "spiffe://corp.example/anything/at/all"));
    assertTrue(m("**", "cn-only"));
    assertFalse(m("**", ""));
    assertTrue(m("spiffe://corp.example/*/**", "spiffe://corp.example/a/b"));
    assertFalse(m("spiffe://corp.example/*/**", "spiffe://corp.example/a"));
  }

  @Test
  void badPatternsAreRejectedWithTheReason() {
    for (String bad :
        new String[] {"", "db-*", "spiffe://*/x", "a/**/b", "**/x", "a/b*", "a/***"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> IdentityPattern.compile(bad), bad);
      assertTrue(e.getMessage().contains("pattern"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> IdentityPattern.compile(null));
    assertEquals("spiffe://x/*", IdentityPattern.compile("spiffe://x/*").toString());
  }
}
