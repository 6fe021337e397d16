package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.loop.EchoApplication;
import dev.ztna.server.loop.ServerConfig.RetryMode;
import dev.ztna.server.loop.ServerCounters.Counter;
import dev.ztna.server.loop.ZtnaServer;
import io.netty.handler.codec.quic.Quic;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, scenario 4: anti-amplification (RFC 9000 §8.1). The server holds a 9-certificate chain
 * (root, 7 intermediates, leaf; 3072-bit RSA, so the first flight is far bigger than 3 times one
 * Initial), only the client's first datagram reaches it and it never sends Retry: over the whole
 * attempt it must send at most 3 times the bytes it received.
 */
class AmplificationScenarioTest {
  private static final int CHAIN_LENGTH = 9;

  /** Root → 7 intermediates → leaf; returns leaf-first credentials. */
  static ServerCredentials nineCertificateChain() throws Exception {
    // Fixed-seed SHA1PRNG would not make RSA keys reproducible across providers; the chain's
    // exact bytes do not matter here, only its size.
    SecureRandom random = new SecureRandom();
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(3072, random);
    KeyPair caKey = gen.generateKeyPair(); // shared by the root and intermediates (speed)
    KeyPair leafKey = gen.generateKeyPair();
    Date from = new Date(System.currentTimeMillis() - 3_600_000L);
    Date to = new Date(System.currentTimeMillis() + 86_400_000L);
    List<X509Certificate> rootFirst = new ArrayList<>();
    X500Name issuer = new X500Name("CN=ztna test root");
    for (int i = 0; i < CHAIN_LENGTH; i++) {
      boolean leaf = i == CHAIN_LENGTH - 1;
      X500Name subject =
          i == 0 ? issuer : new X500Name(leaf ? "CN=localhost" : "CN=ztna test intermediate " + i);
      KeyPair subjectKey = leaf ? leafKey : caKey;
      JcaX509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              issuer, BigInteger.valueOf(1000 + i), from, to, subject, subjectKey.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(!leaf));
      X509Certificate cert =
          new JcaX509CertificateConverter()
              .getCertificate(
                  b.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKey.getPrivate())));
      rootFirst.add(cert);
      issuer = subject;
    }
    Collections.reverse(rootFirst);
    return ServerCredentials.of(leafKey.getPrivate(), rootFirst);
  }

  @Test
  void serverNeverSendsMoreThanThreeTimesWhatItReceivedFromAnUnvalidatedClient() throws Exception {
    Quic.ensureAvailability();
    ServerCredentials credentials = nineCertificateChain();
    int chainBytes = 0;
    for (X509Certificate c : credentials.certificateChain()) {
      chainBytes += c.getEncoded().length;
    }
    System.out.println(
        "chain of " + credentials.certificateChain().size() + ": " + chainBytes + " bytes");
    assertTrue(chainBytes > 3 * 1350, "the first flight must exceed the amplification limit");
    EchoApplication app = new EchoApplication();
    try (ZtnaServer server =
            ServerFixture.start(
                app, credentials, b -> b.retryMode(RetryMode.NEVER).idleTimeoutMs(3_000));
        FaultProxy proxy = new FaultProxy(server.localAddresses().get(0), 401L);
        QuicheClient client = new QuicheClient(3_000)) {
      // dropAfter(n): the next n datagrams pass (counted from this call), all later ones drop.
      proxy.clientToServer().dropAfter(1);
      QuicheConnection conn = client.open(proxy.clientFacingAddress());
      Scenarios.await(
          "the server to accept and then give up",
          () ->
              server.counters().get(Counter.CONNECTIONS_ACCEPTED) == 1
                  && server.liveConnections() == 0);
      Scenarios.await("the client to give up", () -> conn.future().isDone());
      System.out.println("c->s " + proxy.clientToServerStats());
      System.out.println("s->c " + proxy.serverToClientStats());
      long received = proxy.clientBytesDeliveredToServer();
      long sent = proxy.serverSentBytes();
      assertEquals(1, proxy.clientToServerStats().forwarded(), "only the first datagram passed");
      assertTrue(sent > 0, "the server answered");
      assertTrue(sent <= 3 * received, "sent " + sent + " > 3 x received " + received);
      assertEquals(0, server.counters().get(Counter.HANDSHAKES_COMPLETED));
    }
  }
}
