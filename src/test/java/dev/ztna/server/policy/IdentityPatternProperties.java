package dev.ztna.server.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/**
 * Matcher invariants over generated identities (jqwik prints the seed of a failing run): a literal
 * matches only itself, {@code *} is exactly one non-empty segment and never crosses {@code /},
 * {@code **} matches every extension of its prefix by one or more non-empty segments and nothing
 * else; the matcher agrees with a reference implementation over split segments.
 */
class IdentityPatternProperties {
  /** Segment text: no '/', '*' or ':' (so no scheme); may be empty, as identities may have. */
  @Provide
  Arbitrary<String> segment() {
    return Arbitraries.strings().withChars("ab.-x").ofMinLength(0).ofMaxLength(4);
  }

  @Provide
  Arbitrary<String> nonEmptySegment() {
    return Arbitraries.strings().withChars("ab.-x").ofMinLength(1).ofMaxLength(4);
  }

  @Provide
  Arbitrary<String> identity() {
    Arbitrary<String> path =
        segment().list().ofMinSize(1).ofMaxSize(5).map(l -> String.join("/", l));
    Arbitrary<String> uri =
        Arbitraries.of("spiffe://a.example", "spiffe://b", "https://a.example")
            .flatMap(prefix -> path.map(p -> prefix + "/" + p));
    return Arbitraries.oneOf(path, uri);
  }

  @Provide
  Arbitrary<String> pattern() {
    Arbitrary<String> seg =
        Arbitraries.frequencyOf(
            Tuple.of(3, nonEmptySegment()),
            Tuple.of(1, segment()),
            Tuple.of(2, Arbitraries.just("*")));
    Arbitrary<String> body = seg.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join("/", l));
    Arbitrary<String> withSuffix =
        Arbitraries.oneOf(body, body.map(b -> b + "/**"), Arbitraries.just("**"));
    return Arbitraries.oneOf(
            withSuffix,
            Arbitraries.of("spiffe://a.example", "spiffe://b")
                .flatMap(p -> withSuffix.map(b -> p + "/" + b)))
        .filter(p -> !p.isEmpty());
  }

  @Property
  void aLiteralMatchesOnlyItself(@ForAll("identity") String a, @ForAll("identity") String b) {
    IdentityPattern p = IdentityPattern.compile(a.isEmpty() ? "x" : a);
    String literal = a.isEmpty() ? "x" : a;
    assertTrue(p.matches(literal), literal);
    assertEquals(literal.equals(b), p.matches(b), literal + " vs " + b);
  }

  @Property
  void starNeverCrossesASlash(
      @ForAll("identity") String prefix,
      @ForAll("nonEmptySegment") String one,
      @ForAll("nonEmptySegment") String two) {
    IdentityPattern p = IdentityPattern.compile(prefix.isEmpty() ? "*" : prefix + "/*");
    String base = prefix.isEmpty() ? "" : prefix + "/";
    assertTrue(p.matches(base + one));
    assertFalse(p.matches(base + one + "/" + two), "crossed a /");
    assertFalse(p.matches(base), "matched an empty segment");
  }

  @Property
  void doubleStarMatchesEveryExtensionOfItsPrefix(
      @ForAll("identity") String prefix,
      @ForAll @Size(max = 4) List<@From("nonEmptySegment") String> suffix,
      @ForAll("identity") String other) {
    IdentityPattern p = IdentityPattern.compile(prefix.isEmpty() ? "**" : prefix + "/**");
    String base = prefix.isEmpty() ? "" : prefix + "/";
    if (!suffix.isEmpty()) {
      assertTrue(p.matches(base + String.join("/", suffix)), base + suffix);
    }
    if (!prefix.isEmpty()) {
      assertFalse(p.matches(prefix), "zero segments");
    }
    assertEquals(reference(p.toString(), other), p.matches(other), p + " vs " + other);
  }

  @Property(tries = 3000)
  void agreesWithAReferenceOverSplitSegments(
      @ForAll("pattern") String pattern, @ForAll("identity") String identity) {
    boolean expected = reference(pattern, identity);
    assertEquals(
        expected, IdentityPattern.compile(pattern).matches(identity), pattern + " vs " + identity);
    Statistics.collect(expected ? "match" : "no match");
  }

  /** The documented semantics, written the slow, obvious way. */
  static boolean reference(String pattern, String identity) {
    List<String> p = split(pattern);
    List<String> s = split(identity);
    boolean any = p.get(p.size() - 1).equals("**");
    int fixed = any ? p.size() - 1 : p.size();
    if (any ? s.size() < fixed + 1 : s.size() != fixed) {
      return false;
    }
    for (int i = 0; i < fixed; i++) {
      String seg = p.get(i);
      if (seg.equals("*") ? s.get(i).isEmpty() : !seg.equals(s.get(i))) {
        return false;
      }
    }
    for (int i = fixed; i < s.size(); i++) {
      if (s.get(i).isEmpty()) {
        return false;
      }
    }
    return true;
  }

  private static List<String> split(String s) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://[^/]*").matcher(s);
    String first;
    String rest;
    if (m.find()) {
      first = m.group();
      rest = s.substring(first.length());
    } else {
      int slash = s.indexOf('/');
      first = slash < 0 ? s : s.substring(0, slash);
      rest = slash < 0 ? "" : s.substring(slash);
    }
    List<String> out = new java.util.ArrayList<>();
    out.add(first);
    if (!rest.isEmpty()) {
      // rest starts with '/': every '/' starts a segment, keeping empty ones.
      out.addAll(List.of(rest.substring(1).split("/", -1)));
    }
    return out;
  }
}
