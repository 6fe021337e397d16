package dev.ztna.server.perf;

import dev.ztna.server.crypto.CipherSuite;
import dev.ztna.server.crypto.PacketProtection;
import java.security.GeneralSecurityException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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
 * QUIC packet protection, one packet per operation: 20-byte header as AAD, payload of {@code size}
 * bytes, in place in a byte[] (RFC 9001 §5.3).
 *
 * <ul>
 *   <li>{@code jce}: JCE {@code AES/GCM/NoPadding}, {@code Cipher.init} with a new {@code
 *       GCMParameterSpec} per packet (the usual way).
 *   <li>{@code intrinsic}: {@link PacketProtection} with the JDK-intrinsic AES-128-GCM.
 *   <li>{@code portable}: {@link PacketProtection} with the public-API fallback AES-128-GCM (forced
 *       with {@code -Dztna.crypto.aesgcm=portable}, set before the crypto classes initialise; each
 *       parameter combination runs in its own fork).
 *   <li>{@code chacha}: {@link PacketProtection} with ChaCha20-Poly1305.
 * </ul>
 *
 * {@code open} restores the sealed packet with one {@code System.arraycopy} before each open (the
 * open is in place); that copy is included in its time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-opens", "java.base/com.sun.crypto.provider=ALL-UNNAMED"})
public class AeadBench {
  private static final int HEADER = 20;

  @Param({"jce", "intrinsic", "portable", "chacha"})
  public String impl;

  @Param({"64", "1200"})
  public int size;

  private PacketProtection pp;
  private Cipher jce;
  private SecretKey jceKey;
  private final byte[] nonce = new byte[12];
  private final byte[] buf = new byte[1500];
  private final byte[] sealed = new byte[1500];
  private long pn;
  private boolean useJce;
  private long sealedPn;

  @Setup(Level.Trial)
  public void setup() throws GeneralSecurityException {
    useJce = impl.equals("jce");
    if (impl.equals("portable")) {
      System.setProperty("ztna.crypto.aesgcm", "portable");
    }
    SplittableRandom r = new SplittableRandom(1);
    r.nextBytes(buf);
    byte[] secret = new byte[32];
    r.nextBytes(secret);
    CipherSuite suite =
        impl.equals("chacha")
            ? CipherSuite.TLS_CHACHA20_POLY1305_SHA256
            : CipherSuite.TLS_AES_128_GCM_SHA256;
    pp = PacketProtection.create(suite, secret);
    String expected =
        impl.equals("portable") ? "portable" : impl.equals("chacha") ? "ChaCha20" : "jdk-intrinsic";
    if (!impl.equals("jce") && !pp.aeadImplementation().contains(expected)) {
      throw new IllegalStateException(impl + " requested but got " + pp.aeadImplementation());
    }
    byte[] key = new byte[16];
    r.nextBytes(key);
    jceKey = new SecretKeySpec(key, "AES");
    jce = Cipher.getInstance("AES/GCM/NoPadding");
    // one sealed packet for the open benchmark
    System.arraycopy(buf, 0, sealed, 0, sealed.length);
    sealedPn = 12345;
    if (impl.equals("jce")) {
      setNonce(sealedPn);
      jce.init(Cipher.ENCRYPT_MODE, jceKey, new GCMParameterSpec(128, nonce));
      jce.updateAAD(sealed, 0, HEADER);
      jce.doFinal(sealed, HEADER, size, sealed, HEADER);
    } else {
      pp.seal(sealed, 0, HEADER, size, sealedPn);
    }
  }

  private void setNonce(long n) {
    for (int i = 0; i < 8; i++) {
      nonce[11 - i] = (byte) (n >>> (8 * i));
    }
  }

  @Benchmark
  public int seal() throws GeneralSecurityException {
    return useJce ? jceSeal() : pp.seal(buf, 0, HEADER, size, pn++);
  }

  @Benchmark
  public int open() throws GeneralSecurityException {
    System.arraycopy(sealed, 0, buf, 0, HEADER + size + 16);
    return useJce ? jceOpen() : pp.open(buf, 0, HEADER, size + 16, sealedPn);
  }

  private int jceSeal() throws GeneralSecurityException {
    setNonce(pn++); // a fresh nonce per packet: JCE refuses to reuse one for encryption
    jce.init(Cipher.ENCRYPT_MODE, jceKey, new GCMParameterSpec(128, nonce));
    jce.updateAAD(buf, 0, HEADER);
    return jce.doFinal(buf, HEADER, size, buf, HEADER);
  }

  private int jceOpen() throws GeneralSecurityException {
    setNonce(sealedPn);
    jce.init(Cipher.DECRYPT_MODE, jceKey, new GCMParameterSpec(128, nonce));
    jce.updateAAD(buf, 0, HEADER);
    return jce.doFinal(buf, HEADER, size + 16, buf, HEADER);
  }
}
