package dev.ztna.server.cluster.fabric;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

/** The fabric header round-trips every field, big-endian at its documented offsets. */
class FabricHeaderProperties {
  @Property
  void writeThenReadGivesEveryFieldBack(
      @ForAll @IntRange(min = 1, max = 3) int kind,
      @ForAll @IntRange(min = 0, max = 255) int idLength,
      @ForAll @IntRange(min = 0, max = 0xffff) int node,
      @ForAll long source,
      @ForAll long destination,
      @ForAll @IntRange(min = 0, max = 64) int at,
      @ForAll @Size(max = 64) byte[] payload) {
    UnsafeBuffer buffer = new UnsafeBuffer(new byte[64 + FabricHeader.LENGTH + 255 + 64]);
    FabricHeader h = new FabricHeader().wrap(buffer, at);
    h.write(kind, idLength, node, source, destination);
    buffer.putBytes(at + FabricHeader.LENGTH + idLength, payload);
    FabricHeader r = new FabricHeader().wrap((org.agrona.DirectBuffer) buffer, at);
    assertEquals(kind, r.kind());
    assertEquals(idLength, r.serviceIdLength());
    assertEquals(node, r.sourceNode());
    assertEquals(source, r.sourceHandle());
    assertEquals(destination, r.destinationHandle());
    assertEquals(at + FabricHeader.LENGTH, r.serviceIdOffset());
    assertEquals(at + FabricHeader.LENGTH + idLength, r.payloadOffset());
    int length = FabricHeader.LENGTH + idLength + payload.length;
    assertEquals(payload.length, r.payloadLength(length));
    // Big-endian at the documented offsets.
    assertEquals((byte) kind, buffer.getByte(at));
    assertEquals((byte) (node >>> 8), buffer.getByte(at + 2));
    assertEquals((byte) node, buffer.getByte(at + 3));
    assertEquals((byte) (source >>> 56), buffer.getByte(at + 8));
    assertEquals((byte) destination, buffer.getByte(at + 23));
    assertEquals(0, buffer.getInt(at + 4));
  }

  @Property
  void validateAcceptsExactlyTheWellFormedKinds(
      @ForAll @IntRange(min = 0, max = 255) int kind,
      @ForAll @IntRange(min = 0, max = 255) int idLength,
      @ForAll @IntRange(min = 0, max = 300) int length,
      @ForAll boolean sole) {
    UnsafeBuffer buffer = new UnsafeBuffer(new byte[FabricHeader.LENGTH + 600]);
    FabricHeader h = new FabricHeader().wrap(buffer, 0);
    h.write(kind, idLength, 1, 7, sole ? FabricHeader.SOLE_AGENT : 9);
    int result = h.validate(length);
    boolean complete = length >= FabricHeader.LENGTH + idLength;
    boolean idRight;
    switch (kind) {
      case FabricHeader.KIND_TO_CONNECTOR:
        idRight = idLength > 0;
        break;
      case FabricHeader.KIND_TO_AGENT:
        idRight = sole == (idLength > 0);
        break;
      case FabricHeader.KIND_AGENT_GONE:
        idRight = idLength == 0;
        break;
      default:
        idRight = false;
        break;
    }
    if (!complete) {
      assertEquals(FabricHeader.ERR_TRUNCATED, result);
    } else if (kind < 1 || kind > 3) {
      assertEquals(FabricHeader.ERR_KIND, result);
    } else {
      assertEquals(idRight ? FabricHeader.OK : FabricHeader.ERR_SERVICE_ID, result);
    }
  }

  @Example
  void shorterThanTheFixedHeaderIsTruncated() {
    UnsafeBuffer buffer = new UnsafeBuffer(new byte[FabricHeader.LENGTH]);
    FabricHeader h = new FabricHeader().wrap(buffer, 0);
    h.write(FabricHeader.KIND_AGENT_GONE, 0, 0, 1, 0);
    assertEquals(FabricHeader.ERR_TRUNCATED, h.validate(FabricHeader.LENGTH - 1));
    assertEquals(FabricHeader.OK, h.validate(FabricHeader.LENGTH));
  }
}
