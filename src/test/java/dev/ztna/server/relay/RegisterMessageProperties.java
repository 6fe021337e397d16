package dev.ztna.server.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.agrona.concurrent.UnsafeBuffer;

/** REGISTER parsing and UTF-8 validation against the JDK's strict decoder as the oracle. */
class RegisterMessageProperties {
  private static boolean strictUtf8(byte[] b, int offset, int length) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, offset, length));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /**
   * Byte strings rich in UTF-8 lead and continuation bytes (random bytes are mostly ASCII-free).
   */
  @Provide
  Arbitrary<byte[]> utf8ish() {
    Arbitrary<Byte> interesting =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.bytes().between((byte) 0x20, (byte) 0x7e)),
            net.jqwik.api.Tuple.of(4, Arbitraries.bytes().between((byte) 0x80, (byte) 0xbf)),
            net.jqwik.api.Tuple.of(
                3, Arbitraries.of((byte) 0xc0, (byte) 0xc1, (byte) 0xc2, (byte) 0xdf)),
            net.jqwik.api.Tuple.of(
                3, Arbitraries.of((byte) 0xe0, (byte) 0xe1, (byte) 0xed, (byte) 0xee, (byte) 0xef)),
            net.jqwik.api.Tuple.of(
                3, Arbitraries.of((byte) 0xf0, (byte) 0xf3, (byte) 0xf4, (byte) 0xf5, (byte) 0xff)),
            net.jqwik.api.Tuple.of(1, Arbitraries.bytes()));
    return interesting.array(byte[].class).ofMaxSize(40);
  }

  @Property
  void validatorAgreesWithTheJdkOnRandomBytes(@ForAll @Size(max = 64) byte[] bytes) {
    assertEquals(
        strictUtf8(bytes, 0, bytes.length), Utf8.isValid(new UnsafeBuffer(bytes), 0, bytes.length));
  }

  @Property
  void validatorAgreesWithTheJdkOnUtf8ishBytes(@ForAll("utf8ish") byte[] bytes) {
    assertEquals(
        strictUtf8(bytes, 0, bytes.length), Utf8.isValid(new UnsafeBuffer(bytes), 0, bytes.length));
  }

  @Property
  void validatorAcceptsEveryEncodedString(@ForAll @StringLength(max = 80) String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    assertEquals(true, Utf8.isValid(new UnsafeBuffer(bytes), 0, bytes.length));
  }

  /**
   * Any datagram starting with a REGISTER type byte either parses to exactly its id (L matches the
   * length, non-empty, strictly valid UTF-8) or is rejected with a negative code; it never throws.
   */
  @Property
  void anyRegisterEitherParsesExactlyOrIsRejected(
      @ForAll @IntRange(min = 0x10, max = 0x11) int type,
      @ForAll("utf8ish") byte[] tail,
      @ForAll boolean honestLength,
      @ForAll @IntRange(min = 0, max = 255) int claimed) {
    byte[] msg = new byte[tail.length + 2];
    msg[0] = (byte) type;
    msg[1] = (byte) (honestLength ? tail.length : claimed);
    System.arraycopy(tail, 0, msg, 2, tail.length);
    int l = msg[1] & 0xff;
    boolean expectValid = l > 0 && l == tail.length && strictUtf8(tail, 0, tail.length);
    int result = RegisterMessage.parse(new UnsafeBuffer(msg), 0, msg.length);
    if (expectValid) {
      assertEquals(tail.length, result);
      byte[] id = new byte[result];
      new UnsafeBuffer(msg).getBytes(RegisterMessage.ID_OFFSET, id);
      assertArrayEquals(tail, id);
    } else {
      assertEquals(true, result < 0, "rejected with a negative code, got " + result);
    }
  }

  @Property
  void arbitraryDatagramsNeverThrow(@ForAll @Size(max = 300) byte[] datagram) {
    int result = RegisterMessage.parse(new UnsafeBuffer(datagram), 0, datagram.length);
    if (result >= 0) {
      assertEquals(datagram.length - 2, result);
      assertEquals(true, strictUtf8(datagram, 2, result));
    }
  }

  @Property
  void encodeThenParseIsIdentity(
      @ForAll @StringLength(min = 1, max = 63) String s,
      @ForAll @IntRange(min = 0, max = 1) int role) {
    byte[] id = s.getBytes(StandardCharsets.UTF_8);
    UnsafeBuffer out = new UnsafeBuffer(new byte[300]);
    int n = RegisterMessage.encode(out, 0, 0x10 + role, id, 0, id.length);
    assertEquals(id.length, RegisterMessage.parse(out, 0, n));
    byte[] back = new byte[id.length];
    out.getBytes(RegisterMessage.ID_OFFSET, back);
    assertEquals(new String(back, StandardCharsets.UTF_8), new String(id, StandardCharsets.UTF_8));
    assertArrayEquals(id, Arrays.copyOf(back, back.length));
  }
}
