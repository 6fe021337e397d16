package dev.ztna.server.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class RegisterMessageTest {
  private static int parse(int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return RegisterMessage.parse(new UnsafeBuffer(b), 0, b.length);
  }

  private static int parseId(int type, int... id) {
    int[] msg = new int[id.length + 2];
    msg[0] = type;
    msg[1] = id.length;
    System.arraycopy(id, 0, msg, 2, id.length);
    return parse(msg);
  }

  @Test
  void validAgentAndConnector() {
    assertEquals(3, parse(0x10, 3, 'w', 'e', 'b'));
    assertEquals(3, parse(0x11, 3, 'w', 'e', 'b'));
    assertEquals(Role.AGENT, Role.ofType(0x10));
    assertEquals(Role.CONNECTOR, Role.ofType(0x11));
    assertEquals(null, Role.ofType(0x12));
  }

  @Test
  void parsesAtAnOffset() {
    byte[] msg = Packets.register(0x11, "db.internal");
    byte[] framed = new byte[msg.length + 10];
    System.arraycopy(msg, 0, framed, 7, msg.length);
    assertEquals(11, RegisterMessage.parse(new UnsafeBuffer(framed), 7, msg.length));
  }

  @Test
  void notARegister() {
    assertEquals(RegisterMessage.ERR_NOT_REGISTER, parse());
    assertEquals(RegisterMessage.ERR_NOT_REGISTER, parse(0x45, 1, 'a'));
    assertEquals(RegisterMessage.ERR_NOT_REGISTER, parse(0x01, 1, 'a'));
  }

  @Test
  void malformedLengths() {
    assertEquals(RegisterMessage.ERR_TRUNCATED, parse(0x10));
    assertEquals(RegisterMessage.ERR_EMPTY_ID, parse(0x10, 0));
    assertEquals(RegisterMessage.ERR_EMPTY_ID, parse(0x11, 0, 'a'));
    assertEquals(RegisterMessage.ERR_ID_TRUNCATED, parse(0x10, 5, 'a', 'b'));
    assertEquals(RegisterMessage.ERR_ID_TRUNCATED, parse(0x10, 1));
    assertEquals(RegisterMessage.ERR_ID_TRUNCATED, parse(0x10, 255, 'a'));
    assertEquals(RegisterMessage.ERR_TRAILING_BYTES, parse(0x10, 1, 'a', 'b'));
    assertEquals(RegisterMessage.ERR_TRAILING_BYTES, parse(0x11, 2, 'a', 'b', 0));
  }

  @Test
  void longestIdAndOneByteTooMany() {
    byte[] id = new byte[255];
    Arrays.fill(id, (byte) 'x');
    byte[] msg = new byte[257];
    msg[0] = 0x10;
    msg[1] = (byte) 255;
    System.arraycopy(id, 0, msg, 2, 255);
    assertEquals(255, RegisterMessage.parse(new UnsafeBuffer(msg), 0, msg.length));
    // L cannot claim 256; a 256-byte id under L = 255 leaves a trailing byte.
    byte[] longer = Arrays.copyOf(msg, 258);
    longer[257] = 'x';
    assertEquals(
        RegisterMessage.ERR_TRAILING_BYTES,
        RegisterMessage.parse(new UnsafeBuffer(longer), 0, longer.length));
    // 85 three-byte characters are exactly 255 bytes.
    String euros = "\u20ac".repeat(85);
    byte[] multi = Packets.register(0x11, euros);
    assertEquals(255, RegisterMessage.parse(new UnsafeBuffer(multi), 0, multi.length));
  }

  @Test
  void validUtf8() {
    assertEquals(2, parseId(0x10, 0xc3, 0xa9)); // é
    assertEquals(3, parseId(0x10, 0xe2, 0x82, 0xac)); // €
    assertEquals(3, parseId(0x10, 0xed, 0x9f, 0xbf)); // U+D7FF, just below the surrogates
    assertEquals(3, parseId(0x10, 0xee, 0x80, 0x80)); // U+E000, just above
    assertEquals(3, parseId(0x10, 0xef, 0xbf, 0xbf)); // U+FFFF
    assertEquals(4, parseId(0x10, 0xf0, 0x90, 0x8d, 0x88)); // U+10348
    assertEquals(4, parseId(0x10, 0xf4, 0x8f, 0xbf, 0xbf)); // U+10FFFF
    assertEquals(1, parseId(0x10, 0x00)); // NUL is valid UTF-8
  }

  @Test
  void invalidUtf8() {
    int bad = RegisterMessage.ERR_BAD_UTF8;
    assertEquals(bad, parseId(0x10, 0x80)); // stray continuation
    assertEquals(bad, parseId(0x10, 0xbf));
    assertEquals(bad, parseId(0x10, 0xc0, 0xaf)); // overlong '/'
    assertEquals(bad, parseId(0x10, 0xc1, 0xbf)); // overlong
    assertEquals(bad, parseId(0x10, 0xe0, 0x80, 0xaf)); // overlong 3-byte
    assertEquals(bad, parseId(0x10, 0xe0, 0x9f, 0xbf)); // overlong 3-byte (U+07FF)
    assertEquals(bad, parseId(0x10, 0xf0, 0x80, 0x80, 0xaf)); // overlong 4-byte
    assertEquals(bad, parseId(0x10, 0xf0, 0x8f, 0xbf, 0xbf)); // overlong 4-byte (U+FFFF)
    assertEquals(bad, parseId(0x10, 0xed, 0xa0, 0x80)); // U+D800 high surrogate
    assertEquals(bad, parseId(0x10, 0xed, 0xbf, 0xbf)); // U+DFFF low surrogate
    assertEquals(bad, parseId(0x10, 0xed, 0xa0, 0xbd, 0xed, 0xb2, 0xa9)); // CESU-8 pair
    assertEquals(bad, parseId(0x10, 0xf4, 0x90, 0x80, 0x80)); // U+110000
    assertEquals(bad, parseId(0x10, 0xf5, 0x80, 0x80, 0x80));
    assertEquals(bad, parseId(0x10, 0xf8, 0x88, 0x80, 0x80, 0x80)); // 5-byte form
    assertEquals(bad, parseId(0x10, 0xfe));
    assertEquals(bad, parseId(0x10, 0xff));
    assertEquals(bad, parseId(0x10, 0xe2, 0x82)); // truncated
    assertEquals(bad, parseId(0x10, 'a', 0xc3)); // truncated at the end
    assertEquals(bad, parseId(0x10, 0xe2, 0x28, 0xac)); // bad continuation
    assertEquals(bad, parseId(0x10, 0xf0, 0x90, 0x8d, 0x28));
  }

  @Test
  void reasonsAreConstant() {
    for (int code = -7; code < 0; code++) {
      assertTrue(RegisterMessage.reason(code) == RegisterMessage.reason(code));
      assertFalse(RegisterMessage.reason(code).isEmpty());
    }
  }

  @Test
  void encodeRoundTrip() {
    byte[] id = "svc-\u00e9".getBytes(StandardCharsets.UTF_8);
    UnsafeBuffer out = new UnsafeBuffer(new byte[300]);
    int n = RegisterMessage.encode(out, 3, RegisterMessage.TYPE_CONNECTOR, id, 0, id.length);
    assertEquals(id.length + 2, n);
    assertEquals(id.length, RegisterMessage.parse(out, 3, n));
    byte[] back = new byte[id.length];
    out.getBytes(3 + RegisterMessage.ID_OFFSET, back);
    assertArrayEquals(id, back);
    assertEquals(
        RegisterMessage.ERR_EMPTY_ID,
        RegisterMessage.encode(out, 0, RegisterMessage.TYPE_AGENT, id, 0, 0));
  }
}
