package dev.ztna.server.perf;

import dev.ztna.server.crypto.CipherSuite;
import dev.ztna.server.crypto.PacketProtection;
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
 * Header protection mask (RFC 9001 §5.4.3 AES-ECB via JCE, §5.4.4 ChaCha20) into a reused array.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-opens", "java.base/com.sun.crypto.provider=ALL-UNNAMED"})
public class HeaderProtectionBench {
  @Param({"aes", "chacha"})
  public String hp;

  private PacketProtection pp;
  private final byte[] sample = new byte[64];
  private final byte[] mask = new byte[5];

  @Setup(Level.Trial)
  public void setup() {
    pp =
        PacketProtection.create(
            hp.equals("aes")
                ? CipherSuite.TLS_AES_128_GCM_SHA256
                : CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
            new byte[32]);
  }

  @Benchmark
  public byte[] mask() {
    sample[3]++;
    pp.headerProtectionMask(sample, 3, mask);
    return mask;
  }
}
