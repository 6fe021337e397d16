package dev.ztna.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.certs.TestPki;
import dev.ztna.server.certs.TestPki.Alg;
import dev.ztna.server.certs.TestPki.Issued;
import dev.ztna.server.crypto.CipherSuite;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mutual TLS at the message level (RFC 8446 §4.3.2, §4.4.2, §4.4.3) with the hand-written client:
 * the CertificateRequest, accepted ECDSA/RSA-PSS/Ed25519 clients and every refusal with its alert.
 */
class ClientAuthHandshakeTest {
  static Issued ca;
  static Issued otherCa;
  static Issued rsaCa;
  static Issued connector;
  static Issued agentRsa;
  static Issued agentEd25519;
  static Issued agentPss;
  static Issued expired;
  static Issued notYetValid;
  static Issued foreign;
  static Issued serverAuthOnly;
  static Issued noDigitalSignature;
  static Issued dnsOnly;
  static Issued cnOnly;
  static Issued intermediate;
  static Issued underIntermediate;

  private final RecordingListener listener = new RecordingListener();
  private final ManualClient client = new ManualClient(17);

  @BeforeAll
  static void pki() {
    ca = TestPki.ca("Test Clients CA", Alg.EC);
    otherCa = TestPki.ca("Other CA", Alg.EC);
    rsaCa = TestPki.ca("Test RSA Clients CA", Alg.RSA);
    connector = TestPki.issue(ca, TestPki.leaf().uri(TestPki.CONNECTOR_DB).dns("db.example"));
    agentRsa = TestPki.issue(rsaCa, TestPki.leaf().uri(TestPki.AGENT_ALICE).alg(Alg.RSA));
    agentEd25519 = TestPki.issue(ca, TestPki.leaf().uri(TestPki.AGENT_ALICE).alg(Alg.ED25519));
    agentPss = TestPki.issue(ca, TestPki.leaf().uri(TestPki.AGENT_ALICE).alg(Alg.RSA_PSS));
    Instant now = Instant.now();
    expired =
        TestPki.issue(
            ca,
            TestPki.leaf()
                .uri(TestPki.AGENT_ALICE)
                .validity(now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1))));
    notYetValid =
        TestPki.issue(
            ca,
            TestPki.leaf()
                .uri(TestPki.AGENT_ALICE)
                .validity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(10))));
    foreign = TestPki.issue(otherCa, TestPki.leaf().uri(TestPki.AGENT_ALICE));
    serverAuthOnly =
        TestPki.issue(
            ca, TestPki.leaf().uri(TestPki.AGENT_ALICE).eku(KeyPurposeId.id_kp_serverAuth));
    noDigitalSignature =
        TestPki.issue(ca, TestPki.leaf().uri(TestPki.AGENT_ALICE).keyUsage(KeyUsage.keyAgreement));
    dnsOnly = TestPki.issue(ca, TestPki.leaf().dns("agent.corp.example").eku());
    cnOnly = TestPki.issue(ca, TestPki.leaf().cn("legacy-agent").keyUsage(0));
    intermediate = TestPki.intermediate(ca, "Test Intermediate", Alg.EC);
    underIntermediate = TestPki.issue(intermediate, TestPki.leaf().uri(TestPki.CONNECTOR_DB));
  }

  private TlsServerHandshake server(ClientAuth auth) {
    return new TlsServerHandshake(
        new TlsServerConfig(TestCredentials.ec(), List.of(TlsServerConfig.ZTNA_V1), auth),
        TestRandom.seeded(5),
        listener);
  }

  private static ClientAuth required() {
    return ClientAuth.required(TestPki.anchors(ca, rsaCa));
  }

  private static int feed(TlsServerHandshake s, byte[] b) {
    return s.onCryptoData(EncryptionLevel.HANDSHAKE, b, 0, b.length);
  }

  /** ClientHello through the server flight; returns the client Finished valid without auth. */
  private byte[] toServerFlight(TlsServerHandshake s) throws Exception {
    ClientHelloBuilder b = new ClientHelloBuilder();
    b.keyShare(0x001d, client.share(0x001d));
    byte[] ch = b.build();
    client.suite = CipherSuite.TLS_AES_128_GCM_SHA256;
    client.record(ch);
    assertEquals(0, s.onCryptoData(EncryptionLevel.INITIAL, ch, 0, ch.length));
    byte[] sh = listener.take(EncryptionLevel.INITIAL);
    ManualClient.Hello h = ManualClient.parseHello(sh);
    client.suite = CipherSuite.fromCode(h.suite);
    client.record(sh);
    byte[] ks = h.extensions.get(51);
    client.onServerHello(client.agree(0x001d, Arrays.copyOfRange(ks, 4, ks.length)));
    return client.onServerFlight(listener.take(EncryptionLevel.HANDSHAKE), 0x0403);
  }

  private int authenticate(TlsServerHandshake s, Issued leaf, int scheme, X509Certificate... more)
      throws Exception {
    toServerFlight(s);
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(leaf.certificate);
    chain.addAll(Arrays.asList(more));
    byte[] all = concat(client.certificate(chain), client.certificateVerify(leaf.key, scheme));
    return feed(s, concat(all, client.finished()));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void withoutClientAuthNoCertificateRequestIsSent() throws Exception {
    TlsServerHandshake s = server(null);
    byte[] fin = toServerFlight(s);
    assertNull(client.certificateRequest);
    assertEquals(0, feed(s, fin));
    assertTrue(s.isComplete());
    assertNull(s.peerIdentity());
    assertEquals(ClientAuthFailure.NONE, s.clientAuthFailure());
  }

  @Test
  void certificateNotRequestedIsUnexpected() throws Exception {
    TlsServerHandshake s = server(null);
    toServerFlight(s);
    byte[] cert = client.certificate(List.of(connector.certificate));
    assertEquals(TlsAlert.UNEXPECTED_MESSAGE, feed(s, cert));
  }

  @Test
  void certificateRequestHasEmptyContextAndTheOfferedSchemes() throws Exception {
    TlsServerHandshake s = server(required());
    toServerFlight(s);
    byte[] cr = client.certificateRequest;
    assertEquals(13, cr[0]);
    assertEquals(cr.length - 4, ((cr[1] & 0xff) << 16) | ((cr[2] & 0xff) << 8) | (cr[3] & 0xff));
    assertEquals(0, cr[4], "empty certificate_request_context");
    int p = 7;
    List<Integer> types = new ArrayList<>();
    List<Integer> schemes = new ArrayList<>();
    while (p < cr.length) {
      int type = ManualClient.u16(cr, p);
      int len = ManualClient.u16(cr, p + 2);
      types.add(type);
      if (type == 13) {
        for (int i = 0; i < ManualClient.u16(cr, p + 4) / 2; i++) {
          schemes.add(ManualClient.u16(cr, p + 6 + 2 * i));
        }
      }
      p += 4 + len;
    }
    assertEquals(cr.length, p);
    assertEquals(List.of(13, 47), types, "signature_algorithms, certificate_authorities");
    assertEquals(List.of(0x0403, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x0807), schemes);
  }

  @Test
  void ecdsaClientIsAuthenticatedWithItsSanUri() throws Exception {
    TlsServerHandshake s = server(required());
    assertEquals(0, authenticate(s, connector, 0x0403));
    assertTrue(s.isComplete());
    assertEquals(TestPki.CONNECTOR_DB, s.peerIdentity());
    assertEquals(1, listener.completeCount);
  }

  @Test
  void rsaPssClientIsAuthenticated() throws Exception {
    TlsServerHandshake s = server(required());
    assertEquals(0, authenticate(s, agentRsa, 0x0804));
    assertEquals(TestPki.AGENT_ALICE, s.peerIdentity());
  }

  @Test
  void ed25519ClientIsAuthenticated() throws Exception {
    TlsServerHandshake s = server(required());
    assertEquals(0, authenticate(s, agentEd25519, 0x0807));
    assertEquals(TestPki.AGENT_ALICE, s.peerIdentity());
  }

  @Test
  void rsaPssKeyClientIsAuthenticatedWithRsaPssPss() throws Exception {
    TlsServerHandshake s = server(required());
    assertEquals(0, authenticate(s, agentPss, 0x0809));
    assertEquals(TestPki.AGENT_ALICE, s.peerIdentity());
  }

  @Test
  void rsaPssKeyWithAnRsaeSchemeIsIllegalParameter() throws Exception {
    TlsServerHandshake s = server(required());
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, authenticate(s, agentPss, 0x0804));
  }

  @Test
  void chainThroughAnIntermediateIsAuthenticated() throws Exception {
    TlsServerHandshake s = server(required());
    assertEquals(0, authenticate(s, underIntermediate, 0x0403, intermediate.certificate));
    assertEquals(TestPki.CONNECTOR_DB, s.peerIdentity());
  }

  @Test
  void missingIntermediateIsUnknownCa() throws Exception {
    TlsServerHandshake s = server(required());
    assertEquals(TlsAlert.UNKNOWN_CA, authenticate(s, underIntermediate, 0x0403));
    assertEquals(ClientAuthFailure.UNKNOWN_CA, s.clientAuthFailure());
  }

  @Test
  void identityFallsBackToTheDnsName() throws Exception {
    TlsServerHandshake s = server(required());
    assertEquals(0, authenticate(s, dnsOnly, 0x0403));
    assertEquals("agent.corp.example", s.peerIdentity());
  }

  @Test
  void identityFallsBackToTheCommonName() throws Exception {
    TlsServerHandshake s = server(required());
    assertEquals(0, authenticate(s, cnOnly, 0x0403));
    assertEquals("legacy-agent", s.peerIdentity());
  }

  @Test
  void emptyCertificateIsCertificateRequired() throws Exception {
    TlsServerHandshake s = server(required());
    toServerFlight(s);
    byte[] msgs = concat(client.certificate(List.of()), client.finished());
    assertEquals(TlsAlert.CERTIFICATE_REQUIRED, feed(s, msgs));
    assertEquals(0x174, TlsAlert.toQuicErrorCode(TlsAlert.CERTIFICATE_REQUIRED));
    assertEquals(ClientAuthFailure.CERTIFICATE_REQUIRED, s.clientAuthFailure());
    assertFalse(s.isComplete());
  }

  @Test
  void emptyCertificateIsAnonymousWhenOptional() throws Exception {
    TlsServerHandshake s = server(ClientAuth.optional(TestPki.anchors(ca)));
    toServerFlight(s);
    byte[] msgs = concat(client.certificate(List.of()), client.finished());
    assertEquals(0, feed(s, msgs));
    assertTrue(s.isComplete());
    assertNull(s.peerIdentity());
  }

  @Test
  void optionalStillRefusesAnUntrustedCertificate() throws Exception {
    TlsServerHandshake s = server(ClientAuth.optional(TestPki.anchors(ca)));
    assertEquals(TlsAlert.UNKNOWN_CA, authenticate(s, foreign, 0x0403));
  }

  @Test
  void unknownCa() throws Exception {
    TlsServerHandshake s = server(required());
    assertEquals(TlsAlert.UNKNOWN_CA, authenticate(s, foreign, 0x0403));
    assertEquals(ClientAuthFailure.UNKNOWN_CA, s.clientAuthFailure());
    assertNull(s.peerIdentity());
  }

  @Test
  void expiredIsCertificateExpired() throws Exception {
    TlsServerHandshake s = server(required());
    assertEquals(TlsAlert.CERTIFICATE_EXPIRED, authenticate(s, expired, 0x0403));
    assertEquals(ClientAuthFailure.CERTIFICATE_EXPIRED, s.clientAuthFailure());
  }

  @Test
  void notYetValidIsCertificateExpired() throws Exception {
    TlsServerHandshake s = server(required());
    assertEquals(TlsAlert.CERTIFICATE_EXPIRED, authenticate(s, notYetValid, 0x0403));
  }

  @Test
  void extendedKeyUsageWithoutClientAuthIsUnsupportedCertificate() throws Exception {
    TlsServerHandshake s = server(required());
    assertEquals(TlsAlert.UNSUPPORTED_CERTIFICATE, authenticate(s, serverAuthOnly, 0x0403));
    assertEquals(ClientAuthFailure.UNSUPPORTED_CERTIFICATE, s.clientAuthFailure());
  }

  @Test
  void keyUsageWithoutDigitalSignatureIsUnsupportedCertificate() throws Exception {
    TlsServerHandshake s = server(required());
    assertEquals(TlsAlert.UNSUPPORTED_CERTIFICATE, authenticate(s, noDigitalSignature, 0x0403));
  }

  @Test
  void garbageCertificateIsBadCertificate() throws Exception {
    TlsServerHandshake s = server(required());
    toServerFlight(s);
    // One entry whose cert_data is the DER of an empty SEQUENCE: well framed, not a certificate.
    byte[] m = {11, 0, 0, 11, 0, 0, 0, 7, 0, 0, 2, 0x30, 0x00, 0, 0};
    assertEquals(TlsAlert.BAD_CERTIFICATE, feed(s, m));
    assertEquals(ClientAuthFailure.BAD_CERTIFICATE, s.clientAuthFailure());
  }

  @Test
  void wrongSignatureIsDecryptError() throws Exception {
    TlsServerHandshake s = server(required());
    toServerFlight(s);
    byte[] cert = client.certificate(List.of(connector.certificate));
    // Signed by the right key over the wrong content.
    java.security.Signature sig = java.security.Signature.getInstance("SHA256withECDSA");
    sig.initSign(connector.key);
    sig.update(new byte[] {1, 2, 3});
    byte[] cv = client.certificateVerifyMessage(0x0403, sig.sign());
    assertEquals(TlsAlert.DECRYPT_ERROR, feed(s, concat(concat(cert, cv), client.finished())));
    assertEquals(ClientAuthFailure.BAD_CERTIFICATE_VERIFY, s.clientAuthFailure());
  }

  @Test
  void signatureByAnotherKeyIsDecryptError() throws Exception {
    TlsServerHandshake s = server(required());
    toServerFlight(s);
    byte[] cert = client.certificate(List.of(connector.certificate));
    byte[] cv = client.certificateVerify(foreign.key, 0x0403);
    assertEquals(TlsAlert.DECRYPT_ERROR, feed(s, concat(cert, cv)));
  }

  @Test
  void schemeNotOfferedIsIllegalParameter() throws Exception {
    TlsServerHandshake s = server(required());
    toServerFlight(s);
    byte[] cert = client.certificate(List.of(agentRsa.certificate));
    byte[] cv =
        client.certificateVerify(agentRsa.key, 0x0401); // rsa_pkcs1_sha256: never in TLS 1.3
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, feed(s, concat(cert, cv)));
    assertEquals(ClientAuthFailure.BAD_CERTIFICATE_VERIFY, s.clientAuthFailure());
  }

  @Test
  void schemeNotFittingTheKeyIsIllegalParameter() throws Exception {
    TlsServerHandshake s = server(required());
    toServerFlight(s);
    byte[] cert = client.certificate(List.of(connector.certificate));
    byte[] cv = client.certificateVerify(agentRsa.key, 0x0804);
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, feed(s, concat(cert, cv)));
  }

  @Test
  void finishedWithoutCertificateIsUnexpected() throws Exception {
    TlsServerHandshake s = server(required());
    byte[] fin = toServerFlight(s);
    assertEquals(TlsAlert.UNEXPECTED_MESSAGE, feed(s, fin));
    assertEquals(ClientAuthFailure.PROTOCOL_ERROR, s.clientAuthFailure());
  }

  @Test
  void certificateVerifyBeforeCertificateIsUnexpected() throws Exception {
    TlsServerHandshake s = server(required());
    toServerFlight(s);
    byte[] cv = client.certificateVerify(connector.key, 0x0403);
    assertEquals(TlsAlert.UNEXPECTED_MESSAGE, feed(s, cv));
  }

  @Test
  void finishedWithoutCertificateVerifyIsUnexpected() throws Exception {
    TlsServerHandshake s = server(required());
    toServerFlight(s);
    byte[] cert = client.certificate(List.of(connector.certificate));
    assertEquals(TlsAlert.UNEXPECTED_MESSAGE, feed(s, concat(cert, client.finished())));
  }

  @Test
  void finishedOverTheWrongTranscriptIsDecryptError() throws Exception {
    TlsServerHandshake s = server(required());
    byte[] finBeforeAuth = toServerFlight(s);
    byte[] cert = client.certificate(List.of(connector.certificate));
    byte[] cv = client.certificateVerify(connector.key, 0x0403);
    // A Finished that omits Certificate and CertificateVerify from its transcript.
    assertEquals(TlsAlert.DECRYPT_ERROR, feed(s, concat(concat(cert, cv), finBeforeAuth)));
    assertEquals(ClientAuthFailure.NONE, s.clientAuthFailure());
  }

  @Test
  void messagesSplitAcrossCallsStillAuthenticate() throws Exception {
    TlsServerHandshake s = server(required());
    toServerFlight(s);
    byte[] all =
        concat(
            concat(
                client.certificate(List.of(connector.certificate)),
                client.certificateVerify(connector.key, 0x0403)),
            client.finished());
    for (int i = 0; i < all.length; i += 7) {
      assertEquals(
          0, s.onCryptoData(EncryptionLevel.HANDSHAKE, all, i, Math.min(7, all.length - i)));
    }
    assertTrue(s.isComplete());
    assertArrayEquals(
        TestPki.CONNECTOR_DB.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        s.peerIdentity().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
