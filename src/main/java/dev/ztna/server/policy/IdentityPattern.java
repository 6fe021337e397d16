package dev.ztna.server.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A compiled identity pattern: a sequence of segments, each a literal, {@code *} or (last only)
 * {@code **}. Compiled once when the {@link Policy} is built; {@link #matches(String)} walks the
 * identity by index and allocates nothing.
 *
 * <p><b>Segments.</b> An identity or pattern is split into segments on {@code /}, except that a
 * leading {@code scheme://authority} (a scheme of ALPHA then ALPHA / DIGIT / {@code + - .}, as RFC
 * 3986 §3.1 defines it, followed by {@code ://} and everything up to the next {@code /}) is one
 * single first segment. So {@code spiffe://corp.example/user/alice} has the three segments {@code
 * spiffe://corp.example}, {@code user}, {@code alice}; a DNS name or CN without {@code /} is one
 * segment. Comparison is exact and case-sensitive (SPIFFE IDs are; write DNS names in lower case).
 *
 * <p><b>Wildcards.</b> {@code *} matches exactly one non-empty segment, and so never crosses a
 * {@code /}; in the first position it matches the whole {@code scheme://authority} segment, so pin
 * the trust domain by writing it literally. {@code **} may only be the last segment and matches one
 * or more non-empty segments: {@code spiffe://corp.example/user/**} matches {@code
 * spiffe://corp.example/user/alice} and {@code .../user/eng/bob} but not {@code
 * spiffe://corp.example/user} itself. A lone {@code **} matches every identity that has no empty
 * segment. Wildcards never match an empty segment. A {@code *} inside a segment ({@code db-*}), a
 * {@code **} before the last segment, and an empty pattern are rejected when the pattern is
 * compiled. Anything else is a literal, and a literal pattern matches only the identical string.
 */
public final class IdentityPattern {
  private static final String ONE = "*";
  private static final String ANY = "**";

  private final String text;

  /** The literal segments; null where the segment is {@code *}. */
  private final String[] segments;

  /** True when the last segment is {@code **} (not stored in {@link #segments}). */
  private final boolean anySuffix;

  private IdentityPattern(String text, String[] segments, boolean anySuffix) {
    this.text = text;
    this.segments = segments;
    this.anySuffix = anySuffix;
  }

  /**
   * Compiles {@code pattern}.
   *
   * @throws IllegalArgumentException with the reason, for an empty pattern, a {@code *} inside a
   *     segment, or a {@code **} that is not the last segment
   */
  public static IdentityPattern compile(String pattern) {
    if (pattern == null || pattern.isEmpty()) {
      throw new IllegalArgumentException("empty identity pattern");
    }
    List<String> parts = new ArrayList<>();
    int start = 0;
    int end = firstSegmentEnd(pattern);
    while (true) {
      parts.add(pattern.substring(start, end));
      if (end == pattern.length()) {
        break;
      }
      start = end + 1;
      end = segmentEnd(pattern, start);
    }
    boolean anySuffix = false;
    String[] segments = new String[parts.size()];
    for (int i = 0; i < parts.size(); i++) {
      String part = parts.get(i);
      if (part.equals(ANY)) {
        if (i != parts.size() - 1) {
          throw new IllegalArgumentException(
              "identity pattern '" + pattern + "': ** is only allowed as the last segment");
        }
        anySuffix = true;
      } else if (part.equals(ONE)) {
        segments[i] = null;
      } else if (part.indexOf('*') >= 0) {
        throw new IllegalArgumentException(
            "identity pattern '"
                + pattern
                + "': * and ** must be whole segments (between slashes), not part of '"
                + part
                + "'");
      } else {
        segments[i] = part;
      }
    }
    String[] fixed = anySuffix ? Arrays.copyOf(segments, segments.length - 1) : segments;
    return new IdentityPattern(pattern, fixed, anySuffix);
  }

  /** True if {@code identity} matches; false for null. Allocates nothing. */
  public boolean matches(String identity) {
    if (identity == null) {
      return false;
    }
    int length = identity.length();
    int start = 0;
    int end = firstSegmentEnd(identity);
    for (int i = 0; i < segments.length; i++) {
      if (start > length) {
        return false; // the identity has fewer segments than the pattern
      }
      String literal = segments[i];
      int segmentLength = end - start;
      if (literal == null) {
        if (segmentLength == 0) {
          return false;
        }
      } else if (segmentLength != literal.length()
          || !identity.regionMatches(start, literal, 0, segmentLength)) {
        return false;
      }
      start = end + 1;
      end = start > length ? length : segmentEnd(identity, start);
    }
    if (!anySuffix) {
      return start > length; // no segment left
    }
    if (start > length) {
      return false; // ** needs at least one segment
    }
    // One or more remaining segments, none empty.
    while (true) {
      if (end == start) {
        return false;
      }
      if (end == length) {
        return true;
      }
      start = end + 1;
      end = segmentEnd(identity, start);
    }
  }

  /** The pattern as written. */
  @Override
  public String toString() {
    return text;
  }

  /**
   * End (exclusive) of the first segment: after {@code scheme://authority} when the string starts
   * with one, else at the first {@code /}.
   */
  static int firstSegmentEnd(String s) {
    int i = 0;
    int length = s.length();
    if (length > 0 && isAlpha(s.charAt(0))) {
      i = 1;
      while (i < length && isSchemeChar(s.charAt(i))) {
        i++;
      }
      if (s.startsWith("://", i)) {
        return segmentEnd(s, i + 3);
      }
    }
    return segmentEnd(s, 0);
  }

  private static int segmentEnd(String s, int start) {
    int slash = s.indexOf('/', start);
    return slash < 0 ? s.length() : slash;
  }

  private static boolean isAlpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isSchemeChar(char c) {
    return isAlpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  }
}
