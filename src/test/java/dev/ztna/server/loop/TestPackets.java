package dev.ztna.server.loop;

import java.nio.ByteBuffer;
import java.util.Random;

/** Builds client datagrams for loop tests by hand (independently of the wire codecs under test). */
final class TestPackets {
  private TestPackets() {}

  /**
   * A v1 Initial long header with a 4-byte packet number and random (unprotected-looking) payload,
   * padded so the whole datagram is {@code datagramSize} bytes.
   */
  static byte[] initial(byte[] dcid, byte[] scid, byte[] token, int datagramSize, Random random) {
    return longHeader(0x00000001, 0xc3, dcid, scid, token, datagramSize, random);
  }

  /** A long header packet of an arbitrary version (for Version Negotiation tests). */
  static byte[] longHeader(
      int version, int firstByte, byte[] dcid, byte[] scid, byte[] token, int size, Random random) {
    ByteBuffer b =
        ByteBuffer.allocate(Math.max(size, 64 + dcid.length + scid.length + token.length));
    b.put((byte) firstByte).putInt(version);
    b.put((byte) dcid.length).put(dcid).put((byte) scid.length).put(scid);
    putVarint(b, token.length);
    b.put(token);
    int lengthField = size - b.position() - 2;
    if (lengthField < 20) {
      lengthField = 20;
    }
    b.putShort((short) (0x4000 | lengthField));
    byte[] rest = new byte[lengthField];
    random.nextBytes(rest);
    b.put(rest);
    byte[] out = new byte[b.position()];
    b.flip();
    b.get(out);
    return out;
  }

  static void putVarint(ByteBuffer b, long v) {
    if (v < 64) {
      b.put((byte) v);
    } else if (v < 16384) {
      b.putShort((short) (0x4000 | v));
    } else {
      b.putInt((int) (0x80000000L | v));
    }
  }

  static byte[] randomBytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }
}
