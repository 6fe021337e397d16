package dev.ztna.server.perf;

import dev.ztna.server.loop.ConnectionTable;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * Routing of a received packet to its connection: {@link ConnectionTable#get(byte[], int, int)} on
 * the destination connection ID read from the packet buffer (8-byte CID packed big-endian into the
 * {@code long} key), as {@code ServerAgent.onDatagram} does after the header parse (whose cost is
 * {@code CodecBench.shortHeader}).
 *
 * <p>The table holds {@code connections} random 8-byte CIDs (one per connection, as the server
 * mints them). The operations cycle through {@value #PACKETS} short-header packets laid out in one
 * byte[] (the DCID at offset 1 of each): for {@code hit} their DCIDs are random members of the
 * table (a working set of up to {@value #PACKETS} active connections), for {@code miss} random CIDs
 * that are not in it (stray packets, stateless resets, new Initials).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-opens", "java.base/com.sun.crypto.provider=ALL-UNNAMED"})
public class CidLookupBench {
  static final int PACKETS = 4096;
  static final int STRIDE = 32;
  static final int CID_LENGTH = 8;

  @Param({"1000", "10000", "100000"})
  public int connections;

  @Param({"hit", "miss"})
  public String lookup;

  private final ConnectionTable<Object> table = new ConnectionTable<>();
  private final byte[] packets = new byte[PACKETS * STRIDE];
  private int next;

  @Setup(Level.Trial)
  public void setup() {
    SplittableRandom r = new SplittableRandom(1);
    long[] keys = new long[connections];
    for (int i = 0; i < connections; i++) {
      long k;
      do {
        k = r.nextLong();
      } while (!table.put(k, new Object()));
      keys[i] = k;
    }
    boolean hit = lookup.equals("hit");
    for (int p = 0; p < PACKETS; p++) {
      long k;
      if (hit) {
        k = keys[r.nextInt(connections)];
      } else {
        byte[] probe = new byte[CID_LENGTH];
        do {
          k = r.nextLong();
          putLong(probe, 0, k);
        } while (table.get(probe, 0, CID_LENGTH) != null);
      }
      int off = p * STRIDE;
      packets[off] = 0x41; // short header, fixed bit, 2-byte packet number
      putLong(packets, off + 1, k);
      packets[off + 1 + CID_LENGTH] = (byte) p;
      packets[off + 2 + CID_LENGTH] = (byte) (p >>> 8);
    }
    for (int p = 0; p < PACKETS; p++) {
      if ((table.get(packets, p * STRIDE + 1, CID_LENGTH) != null) != hit) {
        throw new IllegalStateException("packet " + p + " does not " + lookup);
      }
    }
  }

  private static void putLong(byte[] b, int off, long v) {
    for (int i = 0; i < 8; i++) {
      b[off + i] = (byte) (v >>> (56 - 8 * i));
    }
  }

  @Benchmark
  public Object get() {
    int off = (next++ & (PACKETS - 1)) * STRIDE;
    return table.get(packets, off + 1, CID_LENGTH);
  }
}
