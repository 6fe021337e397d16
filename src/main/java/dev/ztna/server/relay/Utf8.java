package dev.ztna.server.relay;

import org.agrona.DirectBuffer;

/**
 * A zero-allocation, strict UTF-8 validator (RFC 3629 §4): rejects overlong encodings, UTF-16
 * surrogates (U+D800..U+DFFF), code points above U+10FFFF, stray continuation bytes and truncated
 * sequences, exactly like a JDK decoder set to {@code CodingErrorAction.REPORT}.
 */
public final class Utf8 {
  private Utf8() {}

  /** True if {@code buffer[offset, offset + length)} is well-formed UTF-8. */
  public static boolean isValid(DirectBuffer buffer, int offset, int length) {
    int i = offset;
    int end = offset + length;
    while (i < end) {
      int b0 = buffer.getByte(i) & 0xff;
      if (b0 < 0x80) {
        i++;
        continue;
      }
      int lo = 0x80;
      int hi = 0xbf;
      int continuations;
      if (b0 < 0xc2) {
        return false; // a continuation byte, or C0/C1 (always overlong)
      } else if (b0 < 0xe0) {
        continuations = 1;
      } else if (b0 < 0xf0) {
        continuations = 2;
        if (b0 == 0xe0) {
          lo = 0xa0; // below: overlong 3-byte form
        } else if (b0 == 0xed) {
          hi = 0x9f; // above: surrogates D800..DFFF
        }
      } else if (b0 < 0xf5) {
        continuations = 3;
        if (b0 == 0xf0) {
          lo = 0x90; // below: overlong 4-byte form
        } else if (b0 == 0xf4) {
          hi = 0x8f; // above: beyond U+10FFFF
        }
      } else {
        return false; // F5..FF never appear in UTF-8
      }
      if (end - i - 1 < continuations) {
        return false; // truncated sequence
      }
      int b1 = buffer.getByte(i + 1) & 0xff;
      if (b1 < lo || b1 > hi) {
        return false;
      }
      for (int k = 2; k <= continuations; k++) {
        int b = buffer.getByte(i + k) & 0xff;
        if (b < 0x80 || b > 0xbf) {
          return false;
        }
      }
      i += continuations + 1;
    }
    return true;
  }
}
