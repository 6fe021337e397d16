package dev.ztna.server.perf;

import dev.ztna.server.crypto.CipherSuite;
import dev.ztna.server.crypto.InitialKeys;
import dev.ztna.server.crypto.InitialSecrets;
import dev.ztna.server.crypto.PacketProtection;
import dev.ztna.server.wire.PacketHeaderFlyweight;
import dev.ztna.server.wire.PacketHeaderWriter;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Whole-packet protection as the connection does it (RFC 9001 §5.3, §5.4), one packet per
 * operation, in place in a byte[]:
 *
 * <ul>
 *   <li>{@code seal}: write a 1-RTT short header (8-byte DCID, 2-byte packet number) with {@link
 *       PacketHeaderWriter#writeShortHeader}, then {@link PacketProtection#protect} (AEAD seal of
 *       {@code size} payload bytes + header protection). The payload is whatever the previous
 *       operation left there (AES-GCM's cost does not depend on the data).
 *   <li>{@code open}: restore one sealed packet with {@code System.arraycopy} (included in the
 *       time, as in {@link AeadBench}), then {@link PacketProtection#unprotect} (remove header
 *       protection, decode the packet number against the largest received, AEAD open).
 *   <li>{@code initialSeal} / {@code initialOpen}: the same for a 1200-byte Initial packet (long
 *       header, 8-byte DCID and SCID, no token) with the keys of {@link InitialSecrets#derive}; the
 *       server seals with its own Initial keys and opens with the client's.
 * </ul>
 *
 * {@code suite} defaults to AES-128-GCM (the JDK-intrinsic implementation is required, as in
 * production); {@code -p suite=aes,chacha} adds ChaCha20-Poly1305 for the 1-RTT benchmarks.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-opens", "java.base/com.sun.crypto.provider=ALL-UNNAMED"})
public class PacketProtectionBench {
  static final int CID_LENGTH = 8;
  static final int PN_LENGTH = 2;

  /** 1-RTT keys and packets. */
  @State(Scope.Thread)
  public static class OneRtt {
    @Param({"64", "1200"})
    public int size;

    @Param({"aes"})
    public String suite;

    PacketProtection tx;
    PacketProtection rx;
    final byte[] buf = new byte[1500];
    final UnsafeBuffer bufView = new UnsafeBuffer(buf);
    final byte[] sealed = new byte[1500];
    final UnsafeBuffer dcid = new UnsafeBuffer(new byte[CID_LENGTH]);
    int sealedLength;
    long sealedPn;
    long pn;

    @Setup(Level.Trial)
    public void setup() {
      SplittableRandom r = new SplittableRandom(1);
      r.nextBytes(buf);
      byte[] secret = new byte[32];
      r.nextBytes(secret);
      byte[] cid = new byte[CID_LENGTH];
      r.nextBytes(cid);
      dcid.putBytes(0, cid);
      CipherSuite cs =
          suite.equals("chacha")
              ? CipherSuite.TLS_CHACHA20_POLY1305_SHA256
              : CipherSuite.TLS_AES_128_GCM_SHA256;
      // Both ends of one direction: the same secret yields the same keys.
      tx = PacketProtection.create(cs, secret);
      rx = PacketProtection.create(cs, secret);
      String expected = suite.equals("chacha") ? "ChaCha20" : "jdk-intrinsic";
      if (!tx.aeadImplementation().contains(expected)) {
        throw new IllegalStateException(suite + " requested but got " + tx.aeadImplementation());
      }
      pn = 1_000_000;
      sealedPn = 123_456;
      int pnOff =
          PacketHeaderWriter.writeShortHeader(
              bufView, 0, false, dcid, 0, CID_LENGTH, sealedPn, PN_LENGTH);
      sealedLength = tx.protect(buf, 0, pnOff, PN_LENGTH, size, sealedPn);
      if (sealedLength != pnOff + PN_LENGTH + size + PacketProtection.TAG_LENGTH) {
        throw new IllegalStateException("protect failed: " + sealedLength);
      }
      System.arraycopy(buf, 0, sealed, 0, sealedLength);
      if (rx.unprotect(buf, 0, pnOff, sealedLength, sealedPn - 1) != sealedPn
          || rx.lastPayloadLength() != size) {
        throw new IllegalStateException("unprotect failed");
      }
    }
  }

  /** Initial keys (from a client DCID) and one 1200-byte Initial packet. */
  @State(Scope.Thread)
  public static class Initial {
    static final int LENGTH = 1200;

    InitialKeys keys;
    final byte[] buf = new byte[1500];
    final UnsafeBuffer bufView = new UnsafeBuffer(buf);
    final byte[] sealed = new byte[1500];
    final UnsafeBuffer dcid = new UnsafeBuffer(new byte[CID_LENGTH]);
    final UnsafeBuffer scid = new UnsafeBuffer(new byte[CID_LENGTH]);
    int pnOff;
    long sealedPn;
    long pn;

    @Setup(Level.Trial)
    public void setup() {
      SplittableRandom r = new SplittableRandom(2);
      r.nextBytes(buf);
      byte[] cid = new byte[CID_LENGTH];
      r.nextBytes(cid);
      dcid.putBytes(0, cid);
      keys = InitialSecrets.derive(cid, 0, CID_LENGTH);
      r.nextBytes(cid);
      scid.putBytes(0, cid);
      sealedPn = 0;
      pnOff = writeHeader(sealedPn);
      // A client Initial, sealed with the client keys, for initialOpen.
      int n = keys.client.protect(buf, 0, pnOff, PN_LENGTH, payloadLength(), sealedPn);
      if (n != LENGTH) {
        throw new IllegalStateException("protect failed: " + n);
      }
      System.arraycopy(buf, 0, sealed, 0, LENGTH);
      if (keys.client.unprotect(buf, 0, pnOff, LENGTH, -1) != sealedPn) {
        throw new IllegalStateException("unprotect failed");
      }
    }

    int payloadLength() {
      return LENGTH - pnOff - PN_LENGTH - PacketProtection.TAG_LENGTH;
    }

    int writeHeader(long packetNumber) {
      int off =
          PacketHeaderWriter.writeInitial(
              bufView,
              0,
              PacketHeaderFlyweight.VERSION_1,
              dcid,
              0,
              CID_LENGTH,
              scid,
              0,
              CID_LENGTH,
              null,
              0,
              0,
              packetNumber,
              PN_LENGTH);
      PacketHeaderWriter.patchLength(
          bufView, PacketHeaderWriter.lengthFieldOffset(off), LENGTH - off);
      return off;
    }
  }

  @Benchmark
  public int seal(OneRtt s) {
    long n = s.pn++;
    int pnOff =
        PacketHeaderWriter.writeShortHeader(
            s.bufView, 0, false, s.dcid, 0, CID_LENGTH, n, PN_LENGTH);
    return s.tx.protect(s.buf, 0, pnOff, PN_LENGTH, s.size, n);
  }

  @Benchmark
  public long open(OneRtt s) {
    System.arraycopy(s.sealed, 0, s.buf, 0, s.sealedLength);
    return s.rx.unprotect(s.buf, 0, 1 + CID_LENGTH, s.sealedLength, s.sealedPn - 1);
  }

  @Benchmark
  public int initialSeal(Initial s) {
    long n = s.pn++;
    int pnOff = s.writeHeader(n);
    return s.keys.server.protect(s.buf, 0, pnOff, PN_LENGTH, s.payloadLength(), n);
  }

  @Benchmark
  public long initialOpen(Initial s) {
    System.arraycopy(s.sealed, 0, s.buf, 0, Initial.LENGTH);
    return s.keys.client.unprotect(s.buf, 0, s.pnOff, Initial.LENGTH, s.sealedPn - 1);
  }
}
