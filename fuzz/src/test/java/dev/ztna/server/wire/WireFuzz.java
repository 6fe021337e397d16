package dev.ztna.server.wire;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Mutation fuzzing of the wire decoders: valid encodings are mutated (byte changes, truncation,
 * insertion) and fed, in buffers of exactly their size, to the header, frame and transport
 * parameter decoders, which must never throw and never report positions outside the input.
 * Iterations come from {@code -Dfuzz.tries} (2000 in a normal test run, 1e6 with {@code -Pfuzz});
 * the seed from {@code -Dfuzz.seed} (printed).
 */
class WireFuzz {

  private static byte[] validDatagram(Random rnd) {
    UnsafeBuffer b = new UnsafeBuffer(new byte[1500]);
    byte[] cidBytes = new byte[20];
    rnd.nextBytes(cidBytes);
    UnsafeBuffer cid = new UnsafeBuffer(cidBytes);
    int pos = 0;
    int packets = 1 + rnd.nextInt(3);
    for (int i = 0; i < packets; i++) {
      int kind = rnd.nextInt(5);
      if (kind < 3) {
        int type = kind;
        int tokenLen = type == 0 ? rnd.nextInt(20) : 0;
        int pnLen = 1 + rnd.nextInt(4);
        int pnOff =
            PacketHeaderWriter.writeLongHeader(
                b,
                pos,
                type,
                1,
                cid,
                0,
                rnd.nextInt(21),
                cid,
                0,
                rnd.nextInt(21),
                cid,
                0,
                tokenLen,
                rnd.nextInt(1 << 20),
                pnLen);
        int payload = rnd.nextInt(200);
        PacketHeaderWriter.patchLength(b, pnOff - 2, pnLen + payload);
        pos = pnOff + pnLen + payload;
      } else if (kind == 3) {
        pos +=
            RetryPacket.writeWithoutTag(
                b,
                pos,
                rnd.nextInt(),
                1,
                cid,
                0,
                rnd.nextInt(21),
                cid,
                0,
                rnd.nextInt(21),
                cid,
                0,
                rnd.nextInt(20));
        pos += 16;
        break;
      } else {
        int pnLen = 1 + rnd.nextInt(4);
        pos = PacketHeaderWriter.writeShortHeader(b, pos, rnd.nextBoolean(), cid, 0, 8, 5, pnLen);
        pos += pnLen + rnd.nextInt(200);
        break;
      }
    }
    return Arrays.copyOf(b.byteArray(), pos);
  }

  private static byte[] validFrames(Random rnd) {
    UnsafeBuffer b = new UnsafeBuffer(new byte[4096]);
    byte[] dataBytes = new byte[64];
    rnd.nextBytes(dataBytes);
    UnsafeBuffer d = new UnsafeBuffer(dataBytes);
    int pos = 0;
    int n = 1 + rnd.nextInt(6);
    long[] gaps = {0, 1, 2};
    long[] lens = {3, 4, 5};
    for (int i = 0; i < n; i++) {
      long v = rnd.nextInt(1 << 20);
      switch (rnd.nextInt(16)) {
        case 0:
          pos += FrameWriter.writeAck(b, pos, 1000 + v, v, 10, gaps, lens, 3);
          break;
        case 1:
          pos += FrameWriter.writeAckEcn(b, pos, 1000 + v, v, 10, gaps, lens, 2, v, v, v);
          break;
        case 2:
          pos += FrameWriter.writeCrypto(b, pos, v, d, 0, rnd.nextInt(64));
          break;
        case 3:
          pos +=
              FrameWriter.writeStream(b, pos, v, v, d, 0, rnd.nextInt(64), rnd.nextBoolean(), true);
          break;
        case 4:
          pos += FrameWriter.writeDatagram(b, pos, d, 0, rnd.nextInt(64), true);
          break;
        case 5:
          pos +=
              FrameWriter.writeNewConnectionId(b, pos, v, v / 2, d, 0, 1 + rnd.nextInt(20), d, 0);
          break;
        case 6:
          pos +=
              FrameWriter.writeConnectionClose(
                  b, pos, rnd.nextBoolean(), v, v, d, 0, rnd.nextInt(64));
          break;
        case 7:
          pos += FrameWriter.writeObservedAddress(b, pos, v, d, 0, rnd.nextBoolean() ? 4 : 16, 80);
          break;
        case 8:
          pos += FrameWriter.writeNewToken(b, pos, d, 0, 1 + rnd.nextInt(63));
          break;
        case 9:
          pos += FrameWriter.writeResetStream(b, pos, v, v, v);
          break;
        case 10:
          pos += FrameWriter.writeMaxStreams(b, pos, rnd.nextBoolean(), v);
          break;
        case 11:
          pos += FrameWriter.writeStreamDataBlocked(b, pos, v, v);
          break;
        case 12:
          pos += FrameWriter.writePathResponse(b, pos, v);
          break;
        case 13:
          pos += FrameWriter.writeRetireConnectionId(b, pos, v);
          break;
        case 14:
          pos += FrameWriter.writePadding(b, pos, rnd.nextInt(10));
          break;
        default:
          pos += FrameWriter.writeHandshakeDone(b, pos);
          break;
      }
    }
    return Arrays.copyOf(b.byteArray(), pos);
  }

  private static byte[] validParams(Random rnd) {
    TransportParameters p = new TransportParameters();
    TransportParametersProperties.randomize(p, rnd, rnd.nextBoolean());
    UnsafeBuffer b = new UnsafeBuffer(new byte[1024]);
    return Arrays.copyOf(b.byteArray(), p.encode(b, 0));
  }

  private static byte[] mutate(byte[] in, Random rnd) {
    byte[] a = in;
    int ops = 1 + rnd.nextInt(3);
    for (int i = 0; i < ops; i++) {
      switch (rnd.nextInt(4)) {
        case 0:
          if (a.length > 0) {
            a[rnd.nextInt(a.length)] = (byte) rnd.nextInt(256);
          }
          break;
        case 1:
          a = Arrays.copyOf(a, a.length == 0 ? 0 : rnd.nextInt(a.length));
          break;
        case 2:
          {
            int at = a.length == 0 ? 0 : rnd.nextInt(a.length + 1);
            byte[] r = new byte[a.length + 1];
            System.arraycopy(a, 0, r, 0, at);
            r[at] = (byte) rnd.nextInt(256);
            System.arraycopy(a, at, r, at + 1, a.length - at);
            a = r;
          }
          break;
        default:
          if (a.length > 0) {
            a[rnd.nextInt(a.length)] ^= (byte) (1 << rnd.nextInt(8));
          }
          break;
      }
    }
    return a;
  }

  private static void checkHeader(PacketHeaderFlyweight h, byte[] data) {
    UnsafeBuffer in = new UnsafeBuffer(data);
    int off = 0;
    while (off < data.length) {
      int rc = h.wrap(in, off, data.length - off, 8);
      if (rc != 0) {
        assertTrue(rc < 0);
        return;
      }
      assertTrue(h.packetEnd() > off && h.packetEnd() <= data.length);
      assertTrue(h.dcidOffset() + h.dcidLength() <= data.length);
      off = h.packetEnd();
    }
  }

  private static void checkFrames(FrameReader r, byte[] data) {
    UnsafeBuffer in = new UnsafeBuffer(data);
    int p = 0;
    while (p < data.length) {
      int next = r.read(in, p, data.length);
      if (next < 0) {
        return;
      }
      assertTrue(next > p && next <= data.length);
      p = next;
    }
  }

  @Test
  void mutatedEncodingsNeverThrow() {
    long seed = Long.getLong("fuzz.seed", 0x5eed_f00dL);
    int tries = Integer.getInteger("fuzz.tries", 2000);
    System.out.println("WireFuzz seed=" + seed + " tries=" + tries);
    Random rnd = new Random(seed);
    PacketHeaderFlyweight h = new PacketHeaderFlyweight();
    FrameReader r = new FrameReader();
    TransportParameters tp = new TransportParameters();
    for (int i = 0; i < tries; i++) {
      checkHeader(h, mutate(validDatagram(rnd), rnd));
      checkFrames(r, mutate(validFrames(rnd), rnd));
      byte[] params = mutate(validParams(rnd), rnd);
      assertTrue(tp.decode(new UnsafeBuffer(params), 0, params.length, rnd.nextBoolean()) <= 0);
    }
  }
}
