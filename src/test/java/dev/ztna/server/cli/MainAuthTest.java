package dev.ztna.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.certs.TestPki;
import dev.ztna.server.loop.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --auth none|mtls} and {@code --client-ca FILE}: mtls fails closed (exit 2). */
class MainAuthTest {
  @TempDir Path tmp;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private ServerConfig config;
  private int launches;

  @BeforeEach
  void serverCredentials() throws Exception {
    ServerCredentials ec = TestCredentials.ec();
    ec.writePem(tmp.resolve("certs/cert.pem"), tmp.resolve("certs/key.pem"));
  }

  private int run(String... args) {
    return Main.execute(
        args,
        (c, cr) -> {
          config = c.server;
          launches++;
          return 0;
        },
        tmp.resolve("certs"),
        new PrintWriter(out),
        new PrintWriter(err));
  }

  private Path caFile() throws Exception {
    Path ca = tmp.resolve("clients-ca.pem");
    Files.writeString(
        ca,
        TestPki.pem("CERTIFICATE", TestPki.ca("Clients", TestPki.Alg.EC).certificate.getEncoded()));
    return ca;
  }

  @Test
  void defaultIsNoneWithoutClientAuth() {
    assertEquals(0, run());
    assertNull(config.clientAuth);
  }

  @Test
  void mtlsWithACaBundleRequiresClientCertificates() throws Exception {
    assertEquals(0, run("--auth", "mtls", "--client-ca", caFile().toString()));
    assertNotNull(config.clientAuth);
    assertTrue(config.clientAuth.isRequired());
    assertEquals(1, config.clientAuth.anchors().certificates().size());
  }

  @Test
  void mtlsWithoutClientCaExits2() {
    assertEquals(2, run("--auth", "mtls"));
    assertTrue(
        err.toString().contains("'auth.client_ca' is required with auth.mode = \"mtls\""),
        err.toString());
    assertEquals(0, launches);
  }

  @Test
  void mtlsWithAMissingOrUnusableCaFileExits2() throws Exception {
    assertEquals(2, run("--auth", "mtls", "--client-ca", tmp.resolve("nope.pem").toString()));
    assertTrue(err.toString().contains("does not exist"), err.toString());
    Path garbage = tmp.resolve("garbage.pem");
    Files.writeString(garbage, "not a certificate\n");
    assertEquals(2, run("--auth", "mtls", "--client-ca", garbage.toString()));
    // A leaf certificate is not a trust anchor.
    Path leaf = tmp.resolve("leaf.pem");
    Files.writeString(leaf, TestPki.pem("CERTIFICATE", TestCredentials.ec().chainDer().get(0)));
    assertEquals(2, run("--auth", "mtls", "--client-ca", leaf.toString()));
    assertTrue(err.toString().contains("is not a CA certificate"), err.toString());
    assertEquals(0, launches);
  }

  @Test
  void clientCaWithoutMtlsExits2() throws Exception {
    assertEquals(2, run("--client-ca", caFile().toString()));
    assertTrue(err.toString().contains("only used with auth.mode"), err.toString());
    assertEquals(0, launches);
  }

  @Test
  void unknownModeIsAUsageError() {
    assertEquals(2, run("--auth", "password"));
    assertTrue(err.toString().contains("--auth must be one of none, mtls"), err.toString());
  }

  @Test
  void helpListsTheAuthOptions() {
    assertEquals(0, run("--help"));
    assertTrue(out.toString().contains("--auth"));
    assertTrue(out.toString().contains("--client-ca"));
  }
}
