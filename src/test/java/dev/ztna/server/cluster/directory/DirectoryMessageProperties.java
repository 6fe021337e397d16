package dev.ztna.server.cluster.directory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

/** {@link DirectoryMessage}: every field round-trips, at any offset, big-endian. */
class DirectoryMessageProperties {
  @Property
  void roundTrips(
      @ForAll @IntRange(min = 0, max = 255) int type,
      @ForAll @IntRange(min = -1, max = DirectoryMessage.MAX_NODES - 1) int node,
      @ForAll long seq,
      @ForAll long value,
      @ForAll int a,
      @ForAll int b,
      @ForAll @Size(max = DirectoryMessage.MAX_ID_LENGTH) byte[] id,
      @ForAll @IntRange(min = 0, max = 64) int offset) {
    UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + DirectoryMessage.MAX_LENGTH + 8]);
    DirectoryMessage out = new DirectoryMessage();
    out.encode(buffer, offset, type).node(node).seq(seq).value(value).a(a).b(b).id(id);
    assertEquals(DirectoryMessage.HEADER_LENGTH + id.length, out.length());

    DirectoryMessage in = new DirectoryMessage();
    assertTrue(in.wrap(buffer, offset, out.length()));
    assertTrue(in.isValid());
    assertEquals(type, in.type());
    assertEquals(node, in.node());
    assertEquals(seq, in.seq());
    assertEquals(value, in.value());
    assertEquals(a, in.a());
    assertEquals(b, in.b());
    assertArrayEquals(id, in.idBytes());
    assertEquals(seq >>> 56, buffer.getByte(offset + 4) & 0xffL, "seq is big-endian");
  }

  @Property
  void wrongLengthsAreRejected(
      @ForAll @Size(min = 1, max = DirectoryMessage.MAX_ID_LENGTH) byte[] id,
      @ForAll @IntRange(min = 0, max = DirectoryMessage.HEADER_LENGTH - 1) int shortLength,
      @ForAll @IntRange(min = 1, max = 8) int extra) {
    UnsafeBuffer buffer = new UnsafeBuffer(new byte[DirectoryMessage.MAX_LENGTH + 8]);
    DirectoryMessage out = new DirectoryMessage();
    out.encode(buffer, 0, DirectoryMessage.CLAIM).node(1).id(id);
    DirectoryMessage in = new DirectoryMessage();
    assertFalse(in.wrap(buffer, 0, shortLength));
    assertTrue(in.wrap(buffer, 0, out.length() - 1));
    assertFalse(in.isValid());
    assertTrue(in.wrap(buffer, 0, out.length() + extra));
    assertFalse(in.isValid());
  }
}
