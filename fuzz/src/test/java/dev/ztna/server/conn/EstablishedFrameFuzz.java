package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.tls.TlsServerConfig;
import dev.ztna.server.wire.FrameWriter;
import dev.ztna.server.wire.TransportError;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Fuzzes the 1-RTT frame dispatcher of an established {@link QuicConnection} through the
 * package-private seam {@link QuicConnection#establishedForTest} / {@link
 * QuicConnection#onPlaintextFrames}: random bytes and mutated sequences of valid frames. Nothing
 * may throw; the connection either continues or closes with a transport error code (never an
 * application close), and it can still poll, time out and close afterwards.
 *
 * <p>jqwik's default number of tries; {@code mvn -Pfuzz test} raises it. jqwik prints the seed.
 */
class EstablishedFrameFuzz {
  private static final InetSocketAddress PEER = new InetSocketAddress("192.0.2.9", 4433);
  private static final TlsServerConfig TLS = new TlsServerConfig(TestCredentials.fixedEc());

  /**
   * A configuration whose every random choice (CIDs, reset tokens, 1-RTT keys, PATH_CHALLENGE data)
   * follows from {@code seed}, itself derived from the input: each input is reproducible on its
   * own, whatever ran before it.
   */
  private static ConnectionConfig cfg(long seed) {
    SecureRandom random = seeded(seed);
    byte[] resetKey = new byte[32];
    random.nextBytes(resetKey);
    return ConnectionConfig.builder(
            TLS, new RandomConnectionIdGenerator(8, random), new StatelessResetTokens(resetKey))
        .initialMaxData(20_000)
        .initialMaxStreamData(5_000)
        .initialMaxStreamsBidi(4)
        .initialMaxStreamsUni(4)
        .maxDatagramFrameSize(1200)
        .random(random)
        .build();
  }

  private static SecureRandom seeded(long seed) {
    try {
      SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
      r.setSeed(java.nio.ByteBuffer.allocate(8).putLong(seed).array());
      return r;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A listener that only checks CID bookkeeping; allocation is irrelevant here. */
  private static final class Checker implements ConnectionListener {
    final java.util.Set<String> routed = new java.util.HashSet<>();
    int closed;
    boolean byPeer;

    @Override
    public void onLocalCidIssued(QuicConnection c, byte[] cid, int off, int len) {
      routed.add(java.util.HexFormat.of().formatHex(cid, off, off + len));
    }

    @Override
    public void onLocalCidRetired(QuicConnection c, byte[] cid, int off, int len) {
      assertTrue(routed.remove(java.util.HexFormat.of().formatHex(cid, off, off + len)));
    }

    @Override
    public void onEstablished(QuicConnection c) {}

    @Override
    public void onDatagram(QuicConnection c, DirectBuffer data, int off, int len) {
      assertTrue(len >= 0 && off >= 0 && off + len <= data.capacity());
    }

    @Override
    public void onAddressChanged(QuicConnection c, InetSocketAddress newPeer) {}

    @Override
    public void onClosed(
        QuicConnection c, long errorCode, boolean application, boolean byPeer, String reason) {
      closed++;
      this.byPeer = byPeer;
    }
  }

  private static void check(byte[] frames) {
    Checker l = new Checker();
    long now = 1_000_000_000L;
    QuicConnection c =
        QuicConnection.establishedForTest(cfg(java.util.Arrays.hashCode(frames)), l, PEER, now);
    assertTrue(c.isEstablished());
    byte[] buf = frames.clone();
    c.onPlaintextFrames(buf, 0, buf.length, now);
    if (c.isClosing()) {
      assertTrue(l.closed == 1);
      long code = c.closeErrorCode();
      if (!l.byPeer) {
        // Closed by us: always with a transport error code, never an application close.
        assertFalse(c.closeIsApplication());
        assertTrue(
            code <= TransportError.NO_VIABLE_PATH || TransportError.isCryptoError(code),
            "code " + code);
      }
    }
    byte[] out = new byte[1500];
    for (int i = 0; i < 8; i++) {
      int n = c.pollDatagram(out, 0, now);
      assertTrue(n >= 0 && n <= 1350);
      if (n == 0) {
        break;
      }
    }
    c.sendDatagram(new UnsafeBuffer(new byte[10]), 0, 10);
    c.onTimeout(now + 1);
    c.close(0, "done");
    for (int i = 0; i < 50 && !c.isClosed(); i++) {
      now = Math.max(now + 1, c.nextTimeoutNanos());
      c.onTimeout(now);
      c.pollDatagram(out, 0, now);
    }
    assertTrue(c.isClosed());
    assertTrue(l.routed.isEmpty(), "every routed CID retired");
    assertFalse(l.closed > 1);
  }

  @Property
  void randomBytes(@ForAll @Size(max = 300) byte[] frames) {
    if (frames.length > 0) {
      check(frames);
    }
  }

  @Property
  void mutatedValidFrames(@ForAll("validFrames") byte[] frames, @ForAll long seed) {
    Random r = new Random(seed);
    byte[] m = frames.clone();
    int mutations = r.nextInt(4);
    for (int i = 0; i < mutations && m.length > 0; i++) {
      switch (r.nextInt(3)) {
        case 0:
          m[r.nextInt(m.length)] ^= (byte) (1 << r.nextInt(8));
          break;
        case 1:
          m[r.nextInt(m.length)] = (byte) r.nextInt(256);
          break;
        default:
          m = java.util.Arrays.copyOf(m, r.nextInt(m.length) + 1);
      }
    }
    check(m);
  }

  @Provide
  Arbitrary<byte[]> validFrames() {
    return Arbitraries.integers()
        .between(0, 13)
        .list()
        .ofMinSize(1)
        .ofMaxSize(8)
        .flatMap(
            kinds ->
                Arbitraries.longs()
                    .map(
                        seed -> {
                          Random r = new Random(seed);
                          UnsafeBuffer b = new UnsafeBuffer(new byte[4096]);
                          int pos = 0;
                          for (int k : kinds) {
                            pos += frame(k, b, pos, r);
                          }
                          return java.util.Arrays.copyOf(b.byteArray(), pos);
                        }));
  }

  private static int frame(int kind, UnsafeBuffer b, int pos, Random r) {
    UnsafeBuffer data = new UnsafeBuffer(new byte[400]);
    long small = r.nextInt(16);
    switch (kind) {
      case 0:
        return FrameWriter.writePing(b, pos);
      case 1:
        return FrameWriter.writeAck(b, pos, small, r.nextInt(100), 0, new long[0], new long[0], 0);
      case 2:
        return FrameWriter.writeStream(
            b,
            pos,
            small * 4 + (r.nextBoolean() ? 2 : 0),
            r.nextInt(6000),
            data,
            0,
            r.nextInt(300),
            r.nextBoolean(),
            true);
      case 3:
        return FrameWriter.writeDatagram(b, pos, data, 0, r.nextInt(300), true);
      case 4:
        return FrameWriter.writeMaxData(b, pos, r.nextInt(100_000));
      case 5:
        {
          byte[] cid = new byte[8];
          r.nextBytes(cid);
          return FrameWriter.writeNewConnectionId(
              b,
              pos,
              small + 1,
              r.nextInt((int) small + 2),
              new UnsafeBuffer(cid),
              0,
              8,
              new UnsafeBuffer(new byte[16]),
              0);
        }
      case 6:
        return FrameWriter.writeRetireConnectionId(b, pos, r.nextInt(6));
      case 7:
        return FrameWriter.writePathChallenge(b, pos, r.nextLong());
      case 8:
        return FrameWriter.writeResetStream(b, pos, small * 4, r.nextInt(10), r.nextInt(6000));
      case 9:
        return FrameWriter.writeCrypto(b, pos, r.nextInt(20_000), data, 0, r.nextInt(50));
      case 10:
        return FrameWriter.writeConnectionClose(
            b, pos, r.nextBoolean(), r.nextInt(0x20), 0, null, 0, 0);
      case 11:
        return FrameWriter.writeStopSending(b, pos, small, r.nextInt(10));
      case 12:
        return FrameWriter.writeMaxStreamData(b, pos, small, r.nextInt(10000));
      default:
        return FrameWriter.writePadding(b, pos, 1 + r.nextInt(20));
    }
  }
}
