package dev.ztna.server.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The implementation choice in a fresh JVM: without {@code --add-opens} the private lookups fail
 * and the portable AES-GCM is selected; with the opens but {@code -Dztna.crypto.aesgcm=portable}
 * the portable one is forced. Both produce the RFC 9001 A.3 packet.
 */
class FallbackSelectionTest {

  static String run(String... jvmArgs) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xshare:auto");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add(
        "-Dztna.log.level=INFO"); // the selection is logged at info; test logging defaults to WARN
    for (String a : jvmArgs) {
      cmd.add(a);
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(FallbackProbe.class.getName());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  @Test
  void withoutOpensThePortableImplementationIsSelected() throws Exception {
    String out = run();
    assertTrue(out.contains("IMPL=" + PortableAesGcm.NAME), out);
    assertTrue(out.contains("PACKET=" + Rfc9001VectorsTest.SERVER_PACKET), out);
  }

  @Test
  void propertyForcesThePortableImplementation() throws Exception {
    String out =
        run(
            "--add-opens",
            "java.base/com.sun.crypto.provider=ALL-UNNAMED",
            "-Dztna.crypto.aesgcm=portable");
    assertTrue(out.contains("IMPL=" + PortableAesGcm.NAME), out);
    assertTrue(out.contains("forced by"), out);
    assertTrue(out.contains("PACKET=" + Rfc9001VectorsTest.SERVER_PACKET), out);
  }

  @Test
  void withOpensTheIntrinsicImplementationIsSelected() throws Exception {
    String out = run("--add-opens", "java.base/com.sun.crypto.provider=ALL-UNNAMED");
    assertTrue(out.contains("IMPL=" + JdkIntrinsicAesGcm.NAME), out);
    assertTrue(out.contains("PACKET=" + Rfc9001VectorsTest.SERVER_PACKET), out);
  }

  @Test
  void explicitPortableInstancesInThisJvm() {
    PacketProtection p =
        PacketProtection.create(
            CipherSuite.TLS_AES_128_GCM_SHA256, new byte[32], AeadFactory.AesImpl.PORTABLE);
    assertEquals(PortableAesGcm.NAME, p.aeadImplementation());
    assertEquals(
        PortableAesGcm.NAME, p.nextKeyPhase().aeadImplementation(), "key update keeps the impl");
    assertEquals(
        ChaCha20Poly1305.NAME,
        PacketProtection.create(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, new byte[32])
            .aeadImplementation());
  }
}
