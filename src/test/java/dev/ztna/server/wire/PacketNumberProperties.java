package dev.ztna.server.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class PacketNumberProperties {

  @Test
  void rfc9000AppendixA3Example() {
    assertEquals(0xa82f9b32L, PacketNumber.decode(0xa82f30eaL, 0x9b32L, 16));
  }

  @Test
  void rfc9000AppendixA2Examples() {
    // Largest acked 0xabe8b3, sending 0xac5c02: 29519 unacked -> 16 bits.
    assertEquals(2, PacketNumber.encodedLength(0xac5c02L, 0xabe8b3L));
    // Sending 0xace8fe: 65611 unacked -> 24 bits.
    assertEquals(3, PacketNumber.encodedLength(0xace8feL, 0xabe8b3L));
    assertEquals(1, PacketNumber.encodedLength(0, -1));
    assertEquals(1, PacketNumber.encodedLength(127, -1));
    assertEquals(2, PacketNumber.encodedLength(128, -1));
  }

  /** Encoding with encodedLength and decoding against any largest received in the window works. */
  @Property
  void truncateAndRecover(
      @ForAll @LongRange(min = -1, max = (1L << 40)) long largestAcked,
      @ForAll @LongRange(min = 1, max = (1L << 30)) long distance,
      @ForAll @LongRange(min = 0, max = (1L << 40)) long receivedFraction) {
    long pn = largestAcked + distance;
    int len = PacketNumber.encodedLength(pn, largestAcked);
    if ((1L << (8 * len - 1)) < distance) {
      return; // needs more than 4 bytes: outside what QUIC can express
    }
    UnsafeBuffer b = new UnsafeBuffer(new byte[len]);
    assertEquals(len, PacketNumber.write(b, 0, pn, len));
    long truncated = PacketNumber.read(b, 0, len);
    assertEquals(pn & ((1L << (8 * len)) - 1), truncated);
    // the receiver's largest received is somewhere in [largestAcked, pn - 1]
    long largestReceived = largestAcked + (receivedFraction % distance);
    assertEquals(pn, PacketNumber.decode(largestReceived, truncated, 8 * len));
  }

  @Property
  void writeReadRoundTrip(
      @ForAll @LongRange(min = 0, max = PacketNumber.MAX) long pn,
      @ForAll @IntRange(min = 1, max = 4) int len) {
    UnsafeBuffer b = new UnsafeBuffer(new byte[len]);
    PacketNumber.write(b, 0, pn, len);
    assertEquals(pn & ((1L << (8 * len)) - 1), PacketNumber.read(b, 0, len));
  }
}
