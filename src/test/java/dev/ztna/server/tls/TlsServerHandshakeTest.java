package dev.ztna.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.certs.ServerCredentials.KeyType;
import dev.ztna.server.certs.TestCredentials;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ClientHello validation alerts and the handshake state machine. */
class TlsServerHandshakeTest {

  private final RecordingListener listener = new RecordingListener();
  private final ManualClient client = new ManualClient(11);

  private TlsServerHandshake server(KeyType key) {
    SecureRandom r = TestRandom.seeded(5);
    return new TlsServerHandshake(new TlsServerConfig(TestCredentials.of(key)), r, listener);
  }

  private static int feed(TlsServerHandshake s, EncryptionLevel level, byte[] b) {
    return s.onCryptoData(level, b, 0, b.length);
  }

  private ClientHelloBuilder validBuilder() throws Exception {
    ClientHelloBuilder b = new ClientHelloBuilder();
    b.keyShare(0x001d, client.share(0x001d));
    return b;
  }

  private int alertFor(ClientHelloBuilder b) {
    return feed(server(KeyType.RSA), EncryptionLevel.INITIAL, b.build());
  }

  /** Runs the handshake with {@link #client} up to (excluding) the client Finished. */
  private byte[] runToClientFinished(TlsServerHandshake s, byte[] ch, int scheme) throws Exception {
    client.suite = dev.ztna.server.crypto.CipherSuite.TLS_AES_128_GCM_SHA256;
    client.record(ch);
    assertEquals(0, feed(s, EncryptionLevel.INITIAL, ch));
    byte[] sh = listener.take(EncryptionLevel.INITIAL);
    ManualClient.Hello h = ManualClient.parseHello(sh);
    client.suite = dev.ztna.server.crypto.CipherSuite.fromCode(h.suite);
    client.record(sh);
    byte[] ks = h.extensions.get(51);
    client.onServerHello(client.agree(0x001d, Arrays.copyOfRange(ks, 4, ks.length)));
    return client.onServerFlight(listener.take(EncryptionLevel.HANDSHAKE), scheme);
  }

  @Test
  void validClientHelloGetsServerHelloAndFlight() throws Exception {
    TlsServerHandshake s = server(KeyType.RSA);
    ClientHelloBuilder b = validBuilder();
    b.sessionId = new byte[32];
    Arrays.fill(b.sessionId, (byte) 0x5c);
    byte[] fin = runToClientFinished(s, b.build(), 0x0804);
    assertEquals(0, feed(s, EncryptionLevel.HANDSHAKE, fin));
    assertTrue(s.isComplete());
    assertEquals(1, listener.completeCount);
  }

  @Test
  void legacySessionIdIsEchoed() throws Exception {
    TlsServerHandshake s = server(KeyType.RSA);
    ClientHelloBuilder b = validBuilder();
    b.sessionId = new byte[] {9, 8, 7};
    assertEquals(0, feed(s, EncryptionLevel.INITIAL, b.build()));
    ManualClient.Hello h = ManualClient.parseHello(listener.take(EncryptionLevel.INITIAL));
    assertArrayEquals(b.sessionId, h.sessionId);
    assertEquals(0x1301, h.suite);
    assertArrayEquals(new byte[] {3, 4}, h.extensions.get(43));
  }

  @Test
  void greaseValuesAreTolerated() throws Exception {
    ClientHelloBuilder b = new ClientHelloBuilder();
    b.cipherSuites = new int[] {0x0a0a, 0x1303, 0x1301};
    b.versions = new int[] {0x4a4a, 0x0304, 0x0303};
    b.groups = new int[] {0x3a3a, 0x001d};
    b.keyShare(0x3a3a, new byte[] {0});
    b.keyShare(0x001d, client.share(0x001d));
    b.signatureAlgorithms = new int[] {0x5a5a, 0x0804};
    b.alpn = List.of("\u007a\u007a", "ztna-v1");
    b.extension(0x1a1a, new byte[0]);
    b.extension(0x2a2a, new byte[] {0});
    TlsServerHandshake s = server(KeyType.RSA);
    assertEquals(0, feed(s, EncryptionLevel.INITIAL, b.build()));
    assertEquals(0x001d, s.namedGroup());
    assertEquals(0x1301, s.cipherSuite().code());
    assertFalse(s.isHelloRetryRequestSent());
  }

  @Test
  void rfc8448ClientHelloLacksQuicTransportParameters() {
    assertEquals(
        TlsAlert.MISSING_EXTENSION,
        feed(server(KeyType.RSA), EncryptionLevel.INITIAL, Rfc8448.CLIENT_HELLO));
  }

  @Test
  void missingTransportParametersIsMissingExtension() throws Exception {
    ClientHelloBuilder b = validBuilder();
    b.transportParameters = null;
    assertEquals(TlsAlert.MISSING_EXTENSION, alertFor(b));
  }

  @Test
  void alpnMustOfferZtnaV1() throws Exception {
    ClientHelloBuilder b = validBuilder();
    b.alpn = List.of("h3", "hq-interop");
    assertEquals(TlsAlert.NO_APPLICATION_PROTOCOL, alertFor(b));
    b.omitAlpn = true;
    assertEquals(TlsAlert.NO_APPLICATION_PROTOCOL, alertFor(b));
    b.omitAlpn = false;
    b.alpn = List.of("h3", "ztna-v1");
    TlsServerHandshake s = server(KeyType.RSA);
    assertEquals(0, feed(s, EncryptionLevel.INITIAL, b.build()));
    assertEquals("ztna-v1", s.applicationProtocol());
  }

  @Test
  void versionsMustIncludeTls13() throws Exception {
    ClientHelloBuilder b = validBuilder();
    b.omitVersions = true;
    assertEquals(TlsAlert.PROTOCOL_VERSION, alertFor(b));
    b.omitVersions = false;
    b.versions = new int[] {0x0303, 0x0302};
    assertEquals(TlsAlert.PROTOCOL_VERSION, alertFor(b));
  }

  @Test
  void mandatoryExtensionsAreChecked() throws Exception {
    ClientHelloBuilder b = validBuilder();
    b.omitKeyShare = true;
    assertEquals(TlsAlert.MISSING_EXTENSION, alertFor(b));
    b = validBuilder();
    b.omitGroups = true;
    assertEquals(TlsAlert.MISSING_EXTENSION, alertFor(b));
    b = validBuilder();
    b.omitSignatureAlgorithms = true;
    assertEquals(TlsAlert.MISSING_EXTENSION, alertFor(b));
  }

  @Test
  void noCommonCipherSuiteOrSchemeIsHandshakeFailure() throws Exception {
    ClientHelloBuilder b = validBuilder();
    b.cipherSuites = new int[] {0x1304, 0x1305, 0xc02f};
    assertEquals(TlsAlert.HANDSHAKE_FAILURE, alertFor(b));
    b = validBuilder();
    b.signatureAlgorithms = new int[] {0x0401, 0x0201};
    assertEquals(TlsAlert.HANDSHAKE_FAILURE, alertFor(b));
    // An EC certificate cannot serve a client that only accepts RSA-PSS.
    b = validBuilder();
    b.signatureAlgorithms = new int[] {0x0804};
    assertEquals(
        TlsAlert.HANDSHAKE_FAILURE,
        feed(server(KeyType.EC_P256), EncryptionLevel.INITIAL, b.build()));
  }

  @Test
  void clientCipherOrderIsNotConsultedButItsOfferIs() throws Exception {
    ClientHelloBuilder b = validBuilder();
    b.cipherSuites = new int[] {0x1303, 0x1302, 0x1301};
    TlsServerHandshake s = server(KeyType.RSA);
    assertEquals(0, feed(s, EncryptionLevel.INITIAL, b.build()));
    assertEquals(0x1301, s.cipherSuite().code());
    b.cipherSuites = new int[] {0x1303};
    s = server(KeyType.RSA);
    assertEquals(0, feed(s, EncryptionLevel.INITIAL, b.build()));
    assertEquals(0x1303, s.cipherSuite().code());
  }

  @Test
  void compressionMustBeExactlyNull() throws Exception {
    ClientHelloBuilder b = validBuilder();
    b.compression = new byte[] {1};
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, alertFor(b));
    b.compression = new byte[] {0, 1};
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, alertFor(b));
    b.compression = new byte[0];
    assertEquals(TlsAlert.DECODE_ERROR, alertFor(b));
  }

  @Test
  void duplicateExtensionIsIllegalParameter() throws Exception {
    ClientHelloBuilder b = validBuilder();
    b.extension(0x1234, new byte[0]);
    b.extension(0x1234, new byte[0]);
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, alertFor(b));
  }

  @Test
  void pskOfferIsIgnoredButMustBeLastAndHaveModes() throws Exception {
    ClientHelloBuilder b = validBuilder();
    b.offerPsk = true;
    TlsServerHandshake s = server(KeyType.RSA);
    assertEquals(0, feed(s, EncryptionLevel.INITIAL, b.build()));
    ManualClient.Hello h = ManualClient.parseHello(listener.take(EncryptionLevel.INITIAL));
    assertNull(h.extensions.get(41), "no pre_shared_key in ServerHello: full handshake");

    ClientHelloBuilder notLast = validBuilder();
    notLast.extension(45, new byte[] {1, 1});
    notLast.extension(41, new byte[] {0, 0, 0, 0});
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, alertFor(notLast));

    ClientHelloBuilder noModes = validBuilder();
    noModes.transportParameters = null;
    noModes.extension(0x39, ClientHelloBuilder.CLIENT_TP);
    // pre_shared_key as the last extension but without psk_key_exchange_modes
    byte[] ch = appendExtension(noModes.build(), 41, new byte[] {0, 0, 0, 0});
    assertEquals(
        TlsAlert.MISSING_EXTENSION, feed(server(KeyType.RSA), EncryptionLevel.INITIAL, ch));
  }

  /** Appends an extension at the end of a built ClientHello, fixing both lengths. */
  static byte[] appendExtension(byte[] ch, int type, byte[] body) {
    byte[] out = Arrays.copyOf(ch, ch.length + 4 + body.length);
    out[ch.length] = (byte) (type >>> 8);
    out[ch.length + 1] = (byte) type;
    out[ch.length + 2] = (byte) (body.length >>> 8);
    out[ch.length + 3] = (byte) body.length;
    System.arraycopy(body, 0, out, ch.length + 4, body.length);
    int bodyLen = out.length - 4;
    out[1] = (byte) (bodyLen >>> 16);
    out[2] = (byte) (bodyLen >>> 8);
    out[3] = (byte) bodyLen;
    // extensions length: find it by re-walking the fixed part
    int p = 4 + 2 + 32;
    p += 1 + (out[p] & 0xff);
    p += 2 + ManualClient.u16(out, p);
    p += 1 + (out[p] & 0xff);
    int extLen = out.length - p - 2;
    out[p] = (byte) (extLen >>> 8);
    out[p + 1] = (byte) extLen;
    return out;
  }

  @Test
  void earlyDataOfferIsNotAccepted() throws Exception {
    ClientHelloBuilder b = validBuilder();
    b.extension(42, new byte[0]);
    TlsServerHandshake s = server(KeyType.RSA);
    byte[] fin = runToClientFinished(s, b.build(), 0x0804);
    // ManualClient parsed EncryptedExtensions: only ALPN and transport parameters were present.
    assertEquals("ztna-v1", client.alpn);
    assertEquals(List.of(16, 0x39), client.encryptedExtensionTypes);
    assertEquals(0, feed(s, EncryptionLevel.HANDSHAKE, fin));
    assertTrue(s.isComplete());
  }

  @Test
  void badKeySharesAreIllegalParameter() throws Exception {
    ClientHelloBuilder b = new ClientHelloBuilder();
    b.keyShare(0x001d, new byte[31]);
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, alertFor(b));
    b = new ClientHelloBuilder();
    b.keyShare(0x001d, new byte[32]); // all-zero shared secret (RFC 8446 §7.4.2)
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, alertFor(b));
    b = new ClientHelloBuilder();
    byte[] offCurve = new byte[65];
    offCurve[0] = 4;
    offCurve[64] = 1;
    b.groups = new int[] {0x0017};
    b.keyShare(0x0017, offCurve);
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, alertFor(b));
    b = new ClientHelloBuilder();
    b.groups = new int[] {0x0017};
    byte[] compressed = Arrays.copyOf(client.share(0x0017), 33);
    compressed[0] = 2;
    b.keyShare(0x0017, compressed);
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, alertFor(b));
    // A share for a group missing from supported_groups.
    b = new ClientHelloBuilder();
    b.groups = new int[] {0x0017};
    b.keyShare(0x001d, client.share(0x001d));
    assertEquals(TlsAlert.ILLEGAL_PARAMETER, alertFor(b));
    // Two shares for one group.
    byte[] ch = validBuilder().build();
    assertEquals(0, new ClientHello().parse(ch));
  }

  @Test
  void validSecp256r1ShareIsUsedDirectly() throws Exception {
    ClientHelloBuilder b = new ClientHelloBuilder();
    b.groups = new int[] {0x0017, 0x001d};
    b.keyShare(0x0017, client.share(0x0017));
    TlsServerHandshake s = server(KeyType.EC_P256);
    assertEquals(0, feed(s, EncryptionLevel.INITIAL, b.build()));
    assertEquals(0x0017, s.namedGroup());
    assertFalse(s.isHelloRetryRequestSent());
  }

  @Test
  void emptyKeyShareListGetsHelloRetryRequest() {
    ClientHelloBuilder b = new ClientHelloBuilder();
    TlsServerHandshake s = server(KeyType.RSA);
    assertEquals(0, feed(s, EncryptionLevel.INITIAL, b.build()));
    assertTrue(s.isHelloRetryRequestSent());
    assertEquals(0x001d, s.namedGroup());
  }

  @Test
  void malformedLengthsAreDecodeError() throws Exception {
    byte[] ch = validBuilder().build();
    // session id length 33
    byte[] m = ch.clone();
    m[4 + 2 + 32] = 33;
    assertEquals(TlsAlert.DECODE_ERROR, feed(server(KeyType.RSA), EncryptionLevel.INITIAL, m));
    // odd cipher suite length
    m = ch.clone();
    m[4 + 2 + 32 + 1 + 1] = 5;
    assertEquals(TlsAlert.DECODE_ERROR, feed(server(KeyType.RSA), EncryptionLevel.INITIAL, m));
    // trailing byte after the extensions (message length grown by one)
    m = Arrays.copyOf(ch, ch.length + 1);
    m[3] = (byte) (m[3] + 1);
    assertEquals(TlsAlert.DECODE_ERROR, feed(server(KeyType.RSA), EncryptionLevel.INITIAL, m));
    // every truncation of the body, with the header adjusted, is a decode_error
    // (except the cut that removes exactly the whole extensions block: a valid pre-TLS 1.3 hello)
    int extStart = 4 + 2 + 32 + 1 + 2 + 2 * 3 + 1 + 1;
    for (int cut = 1; cut < ch.length - 4; cut++) {
      byte[] t = Arrays.copyOf(ch, ch.length - cut);
      int n = t.length - 4;
      t[1] = (byte) (n >>> 16);
      t[2] = (byte) (n >>> 8);
      t[3] = (byte) n;
      int a = feed(server(KeyType.RSA), EncryptionLevel.INITIAL, t);
      int expected = t.length == extStart ? TlsAlert.PROTOCOL_VERSION : TlsAlert.DECODE_ERROR;
      assertEquals(expected, a, "cut " + cut);
    }
  }

  @Test
  void oversizedClientHelloIsRejectedFromItsHeader() {
    byte[] header = {1, 0x01, 0x00, 0x00};
    assertEquals(TlsAlert.DECODE_ERROR, feed(server(KeyType.RSA), EncryptionLevel.INITIAL, header));
  }

  @Test
  void clientHelloSplitByteByByte() throws Exception {
    TlsServerHandshake s = server(KeyType.RSA);
    byte[] ch = validBuilder().build();
    for (int i = 0; i < ch.length; i++) {
      assertEquals(0, s.onCryptoData(EncryptionLevel.INITIAL, ch, i, 1));
      assertEquals(i == ch.length - 1, listener.out.containsKey(EncryptionLevel.INITIAL));
    }
    assertTrue(listener.secrets.containsKey(EncryptionLevel.APPLICATION));
  }

  @Test
  void finishedSplitAcrossCallsCompletes() throws Exception {
    TlsServerHandshake s = server(KeyType.EC_P256);
    byte[] fin = runToClientFinished(s, validBuilder().build(), 0x0403);
    assertEquals(0, s.onCryptoData(EncryptionLevel.HANDSHAKE, fin, 0, 3));
    assertFalse(s.isComplete());
    assertEquals(0, s.onCryptoData(EncryptionLevel.HANDSHAKE, fin, 3, fin.length - 3));
    assertTrue(s.isComplete());
  }

  @Test
  void validFinishedFollowedByOneExtraByteIsRefusedAndNeverCompletes() throws Exception {
    // The long fuzz run's failure (issue 9 §4): a mutation that duplicated the Finished's last
    // byte left a valid Finished followed by one byte, and the server completed. RFC 8446 §5.1:
    // handshake data past the client Finished at the same level is an unexpected_message.
    for (int extra : new int[] {-1, 0, 20}) {
      RecordingListener l = new RecordingListener();
      ManualClient c = new ManualClient(21);
      ClientHelloBuilder b = new ClientHelloBuilder();
      b.keyShare(0x001d, c.share(0x001d));
      byte[] ch = b.build();
      TlsServerHandshake s =
          new TlsServerHandshake(
              new TlsServerConfig(TestCredentials.ec()), TestRandom.seeded(5), l);
      c.suite = dev.ztna.server.crypto.CipherSuite.TLS_AES_128_GCM_SHA256;
      c.record(ch);
      assertEquals(0, feed(s, EncryptionLevel.INITIAL, ch));
      byte[] sh = l.take(EncryptionLevel.INITIAL);
      c.record(sh);
      byte[] ks = ManualClient.parseHello(sh).extensions.get(51);
      c.onServerHello(c.agree(0x001d, Arrays.copyOfRange(ks, 4, ks.length)));
      byte[] fin = c.onServerFlight(l.take(EncryptionLevel.HANDSHAKE), 0x0403);
      byte[] bad = Arrays.copyOf(fin, fin.length + 1);
      bad[fin.length] = extra < 0 ? fin[fin.length - 1] : (byte) extra;
      assertEquals(TlsAlert.UNEXPECTED_MESSAGE, feed(s, EncryptionLevel.HANDSHAKE, bad));
      assertEquals(0, l.completeCount, "never completed");
      assertFalse(s.isComplete());
      assertTrue(s.isFailed());
      assertFalse(l.secrets.isEmpty());
    }
  }

  @Test
  void bytesAfterACompletedFinishedInALaterCallAreUnexpected() throws Exception {
    TlsServerHandshake s = server(KeyType.EC_P256);
    byte[] fin = runToClientFinished(s, validBuilder().build(), 0x0403);
    assertEquals(0, feed(s, EncryptionLevel.HANDSHAKE, fin));
    assertTrue(s.isComplete());
    assertEquals(
        TlsAlert.UNEXPECTED_MESSAGE, feed(s, EncryptionLevel.HANDSHAKE, new byte[] {fin[3]}));
  }

  @Test
  void wrongLevelIsUnexpectedMessage() throws Exception {
    byte[] ch = validBuilder().build();
    assertEquals(
        TlsAlert.UNEXPECTED_MESSAGE, feed(server(KeyType.RSA), EncryptionLevel.HANDSHAKE, ch));
    assertEquals(
        TlsAlert.UNEXPECTED_MESSAGE, feed(server(KeyType.RSA), EncryptionLevel.APPLICATION, ch));
    // A Finished first, at INITIAL
    assertEquals(
        TlsAlert.UNEXPECTED_MESSAGE,
        feed(server(KeyType.RSA), EncryptionLevel.INITIAL, new byte[] {20, 0, 0, 32}));
  }

  @Test
  void bytesAfterClientHelloAtInitialAreUnexpected() throws Exception {
    byte[] ch = validBuilder().build();
    byte[] twice = Arrays.copyOf(ch, ch.length + 2);
    twice[ch.length] = 1;
    assertEquals(
        TlsAlert.UNEXPECTED_MESSAGE, feed(server(KeyType.RSA), EncryptionLevel.INITIAL, twice));
  }

  @Test
  void clientCertificateOrEndOfEarlyDataIsUnexpected() throws Exception {
    TlsServerHandshake s = server(KeyType.RSA);
    runToClientFinished(s, validBuilder().build(), 0x0804);
    assertEquals(
        TlsAlert.UNEXPECTED_MESSAGE,
        feed(s, EncryptionLevel.HANDSHAKE, new byte[] {11, 0, 0, 4, 0, 0, 0, 0}));
    // failed: every further call returns the same alert
    assertTrue(s.isFailed());
    assertEquals(TlsAlert.UNEXPECTED_MESSAGE, feed(s, EncryptionLevel.HANDSHAKE, new byte[] {1}));

    TlsServerHandshake s2 = server(KeyType.RSA);
    new ManualClient(1);
    ManualClient c2 = new ManualClient(12);
    ClientHelloBuilder b = new ClientHelloBuilder();
    b.keyShare(0x001d, c2.share(0x001d));
    assertEquals(0, feed(s2, EncryptionLevel.INITIAL, b.build()));
    assertEquals(
        TlsAlert.UNEXPECTED_MESSAGE, feed(s2, EncryptionLevel.HANDSHAKE, new byte[] {5, 0, 0, 0}));
  }

  @Test
  void wrongFinishedIsDecryptErrorAndWrongLengthDecodeError() throws Exception {
    TlsServerHandshake s = server(KeyType.RSA);
    byte[] fin = runToClientFinished(s, validBuilder().build(), 0x0804);
    fin[fin.length - 1] ^= 1;
    assertEquals(TlsAlert.DECRYPT_ERROR, feed(s, EncryptionLevel.HANDSHAKE, fin));
    assertEquals(0, listener.completeCount);

    TlsServerHandshake s2 = server(KeyType.RSA);
    ClientHelloBuilder b = new ClientHelloBuilder();
    b.keyShare(0x001d, new ManualClient(13).share(0x001d));
    assertEquals(0, feed(s2, EncryptionLevel.INITIAL, b.build()));
    assertEquals(
        TlsAlert.DECODE_ERROR,
        feed(s2, EncryptionLevel.HANDSHAKE, new byte[] {20, 0, 0, 12, 0, 0, 0, 0}));
  }

  @Test
  void nothingIsAcceptedAfterCompletion() throws Exception {
    TlsServerHandshake s = server(KeyType.RSA);
    byte[] fin = runToClientFinished(s, validBuilder().build(), 0x0804);
    assertEquals(0, feed(s, EncryptionLevel.HANDSHAKE, fin));
    // KeyUpdate is forbidden in QUIC (RFC 9001 §6)
    assertEquals(
        TlsAlert.UNEXPECTED_MESSAGE,
        feed(s, EncryptionLevel.APPLICATION, new byte[] {24, 0, 0, 1, 0}));
  }

  @Test
  void dataAtInitialWhileWaitingForFinishedIsUnexpected() throws Exception {
    TlsServerHandshake s = server(KeyType.RSA);
    runToClientFinished(s, validBuilder().build(), 0x0804);
    assertEquals(
        TlsAlert.UNEXPECTED_MESSAGE, feed(s, EncryptionLevel.INITIAL, validBuilder().build()));
  }

  @Test
  void rejectedTransportParametersStopBeforeAnythingIsSent() throws Exception {
    listener.serverTp = null;
    TlsServerHandshake s = server(KeyType.RSA);
    assertEquals(
        TlsServerHandshake.TRANSPORT_PARAMETER_ERROR,
        feed(s, EncryptionLevel.INITIAL, validBuilder().build()));
    assertTrue(listener.out.isEmpty());
    assertTrue(listener.secrets.isEmpty());
    assertArrayEquals(ClientHelloBuilder.CLIENT_TP, listener.clientTp);
  }

  @Test
  void alpnConfigurationIsValidated() {
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> new TlsServerConfig(TestCredentials.rsa(), List.of()));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> new TlsServerConfig(TestCredentials.rsa(), List.of("")));
    assertEquals(
        List.of("ztna-v1"), new TlsServerConfig(TestCredentials.rsa()).applicationProtocols());
    assertEquals(7, "ztna-v1".getBytes(StandardCharsets.US_ASCII).length);
  }

  @Test
  void certificateMessageCarriesTheWholeChain() throws Exception {
    ServerCredentials chain2 =
        ServerCredentials.of(
            TestCredentials.ec().privateKey(),
            List.of(
                TestCredentials.ec().certificateChain().get(0),
                TestCredentials.rsa().certificateChain().get(0)));
    TlsServerHandshake s =
        new TlsServerHandshake(new TlsServerConfig(chain2), TestRandom.seeded(3), listener);
    assertEquals(0, feed(s, EncryptionLevel.INITIAL, validBuilder().build()));
    List<byte[]> msgs = ManualClient.messages(listener.take(EncryptionLevel.HANDSHAKE));
    byte[] cert = msgs.get(1);
    assertEquals(11, cert[0]);
    assertEquals(0, cert[4], "empty certificate_request_context");
    int p = 8;
    int entries = 0;
    for (byte[] der : chain2.chainDer()) {
      int len = ((cert[p] & 0xff) << 16) | ((cert[p + 1] & 0xff) << 8) | (cert[p + 2] & 0xff);
      assertArrayEquals(der, Arrays.copyOfRange(cert, p + 3, p + 3 + len));
      p += 3 + len;
      assertEquals(0, ManualClient.u16(cert, p), "no per-entry extensions");
      p += 2;
      entries++;
    }
    assertEquals(2, entries);
    assertEquals(cert.length, p);
    assertEquals(0x0403, ManualClient.u16(msgs.get(2), 4));
  }

  @Test
  void callbacksComeInQuicOrder() throws Exception {
    List<String> events = new java.util.ArrayList<>();
    RecordingListener ordered =
        new RecordingListener() {
          @Override
          public byte[] onClientTransportParameters(byte[] p) {
            events.add("tp");
            return super.onClientTransportParameters(p);
          }

          @Override
          public void onHandshakeData(EncryptionLevel level, byte[] d, int off, int len) {
            events.add("data " + level);
            super.onHandshakeData(level, d, off, len);
          }

          @Override
          public void onSecrets(
              EncryptionLevel level, dev.ztna.server.crypto.CipherSuite suite, byte[] c, byte[] s) {
            events.add("secrets " + level);
            super.onSecrets(level, suite, c, s);
          }

          @Override
          public void onHandshakeComplete() {
            events.add("complete");
            super.onHandshakeComplete();
          }
        };
    TlsServerHandshake s =
        new TlsServerHandshake(
            new TlsServerConfig(TestCredentials.rsa()), TestRandom.seeded(8), ordered);
    byte[] ch = validBuilder().build();
    client.suite = dev.ztna.server.crypto.CipherSuite.TLS_AES_128_GCM_SHA256;
    client.record(ch);
    assertEquals(0, feed(s, EncryptionLevel.INITIAL, ch));
    byte[] sh = ordered.take(EncryptionLevel.INITIAL);
    client.record(sh);
    byte[] ks = ManualClient.parseHello(sh).extensions.get(51);
    client.onServerHello(client.agree(0x001d, Arrays.copyOfRange(ks, 4, ks.length)));
    byte[] fin = client.onServerFlight(ordered.take(EncryptionLevel.HANDSHAKE), 0x0804);
    assertEquals(0, feed(s, EncryptionLevel.HANDSHAKE, fin));
    assertEquals(
        List.of(
            "tp",
            "data INITIAL",
            "secrets HANDSHAKE",
            "data HANDSHAKE",
            "secrets APPLICATION",
            "complete"),
        events);
  }

  @Test
  void alertsMapToQuicCryptoErrors() {
    assertEquals(0x178, TlsAlert.toQuicErrorCode(TlsAlert.NO_APPLICATION_PROTOCOL));
    assertEquals(0x16d, TlsAlert.toQuicErrorCode(TlsAlert.MISSING_EXTENSION));
  }
}
