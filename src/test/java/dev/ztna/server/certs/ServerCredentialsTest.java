package dev.ztna.server.certs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials.KeyType;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServerCredentialsTest {
  private static ServerCredentials rsa;
  private static ServerCredentials ec;
  private static ServerCredentials otherRsa;

  @TempDir Path dir;

  @BeforeAll
  static void generate() {
    rsa = ServerCredentials.generateSelfSigned("localhost", KeyType.RSA);
    ec = ServerCredentials.generateSelfSigned("localhost", KeyType.EC_P256);
    otherRsa = ServerCredentials.generateSelfSigned("localhost", KeyType.RSA);
  }

  // ---------------------------------------------------------------------------------------------
  // generation

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void selfSignedCertificateHasDevelopmentNames(KeyType type) throws Exception {
    ServerCredentials c = type == KeyType.RSA ? rsa : ec;
    assertEquals(type, c.keyType());
    X509Certificate leaf = c.certificateChain().get(0);
    assertEquals("CN=localhost", leaf.getSubjectX500Principal().getName());
    List<String> sans = new ArrayList<>();
    for (List<?> san : leaf.getSubjectAlternativeNames()) {
      sans.add(san.get(0) + ":" + san.get(1));
    }
    assertTrue(sans.contains("2:localhost"), sans.toString());
    assertTrue(sans.contains("7:127.0.0.1"), sans.toString());
    assertTrue(sans.stream().anyMatch(s -> s.startsWith("7:0:0:0:0:0:0:0:1")), sans.toString());
    leaf.checkValidity();
    Duration validity =
        Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
    assertTrue(validity.compareTo(Duration.ofDays(365)) >= 0, validity.toString());
    assertTrue(validity.compareTo(Duration.ofDays(366)) < 0, validity.toString());
    assertTrue(leaf.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"));
    leaf.verify(leaf.getPublicKey());
  }

  @Test
  void selfSignedWithHostNameAddsItAsSan() throws Exception {
    ServerCredentials c =
        ServerCredentials.generateSelfSigned("relay.example.com", KeyType.EC_P256);
    X509Certificate leaf = c.certificateChain().get(0);
    assertEquals("CN=relay.example.com", leaf.getSubjectX500Principal().getName());
    assertTrue(
        leaf.getSubjectAlternativeNames().stream()
            .anyMatch(san -> "relay.example.com".equals(san.get(1))));
  }

  @Test
  void describeSummarisesTheCredentials() {
    assertTrue(rsa.describe().startsWith("RSA 2048, CN=localhost, expires 20"), rsa.describe());
    assertTrue(rsa.describe().endsWith(", chain of 1"), rsa.describe());
    assertTrue(ec.describe().startsWith("EC P-256, CN=localhost, expires 20"), ec.describe());
  }

  @Test
  void chainDerIsADefensiveCopy() throws Exception {
    List<byte[]> der = rsa.chainDer();
    assertEquals(1, der.size());
    assertArrayEquals(rsa.certificateChain().get(0).getEncoded(), der.get(0));
    der.get(0)[0] ^= 0x55;
    assertArrayEquals(rsa.certificateChain().get(0).getEncoded(), rsa.chainDer().get(0));
    assertThrows(UnsupportedOperationException.class, () -> der.add(new byte[1]));
    assertThrows(UnsupportedOperationException.class, () -> rsa.certificateChain().remove(0));
  }

  // ---------------------------------------------------------------------------------------------
  // signing

  @ParameterizedTest
  @ValueSource(ints = {0x0804, 0x0805, 0x0806})
  void rsaPssSignaturesVerifyWithJca(int scheme) throws Exception {
    assertTrue(rsa.canSign(scheme));
    String hash = scheme == 0x0804 ? "SHA-256" : scheme == 0x0805 ? "SHA-384" : "SHA-512";
    int salt = scheme == 0x0804 ? 32 : scheme == 0x0805 ? 48 : 64;
    byte[] content = content(scheme);
    byte[] sig = rsa.sign(scheme, content);
    assertEquals(256, sig.length);
    Signature v = Signature.getInstance("RSASSA-PSS");
    v.setParameter(new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), salt, 1));
    v.initVerify(rsa.certificateChain().get(0).getPublicKey());
    v.update(content);
    assertTrue(v.verify(sig));
    // A salt length other than the hash length (RFC 8446 §4.2.3) must not verify.
    Signature wrongSalt = Signature.getInstance("RSASSA-PSS");
    wrongSalt.setParameter(
        new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), salt - 1, 1));
    wrongSalt.initVerify(rsa.certificateChain().get(0).getPublicKey());
    wrongSalt.update(content);
    assertFalse(wrongSalt.verify(sig));
  }

  @Test
  void ecdsaSignatureVerifiesWithJcaAndIsDer() throws Exception {
    assertTrue(ec.canSign(ServerCredentials.ECDSA_SECP256R1_SHA256));
    byte[] content = content(0x0403);
    byte[] sig = ec.sign(ServerCredentials.ECDSA_SECP256R1_SHA256, content);
    assertEquals(0x30, sig[0] & 0xff, "DER SEQUENCE");
    assertEquals(sig.length - 2, sig[1] & 0xff, "DER length");
    Signature v = Signature.getInstance("SHA256withECDSA");
    v.initVerify(ec.certificateChain().get(0).getPublicKey());
    v.update(content);
    assertTrue(v.verify(sig));
    content[0] ^= 1;
    v.initVerify(ec.certificateChain().get(0).getPublicKey());
    v.update(content);
    assertFalse(v.verify(sig));
  }

  @Test
  void unsupportedSchemesAreRefused() {
    assertFalse(rsa.canSign(ServerCredentials.ECDSA_SECP256R1_SHA256));
    assertFalse(rsa.canSign(0x0401)); // rsa_pkcs1_sha256: not allowed in CertificateVerify
    assertFalse(rsa.canSign(0x0809)); // rsa_pss_pss_sha256: needs an RSASSA-PSS key
    assertFalse(ec.canSign(ServerCredentials.RSA_PSS_RSAE_SHA256));
    assertFalse(ec.canSign(0x0503)); // ecdsa_secp384r1_sha384
    assertFalse(ec.canSign(0x0807)); // ed25519
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> rsa.sign(ServerCredentials.ECDSA_SECP256R1_SHA256, new byte[1]));
    assertTrue(e.getMessage().contains("0x0403"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ec.sign(0x0804, new byte[1]));
    assertThrows(IllegalArgumentException.class, () -> ec.sign(-1, new byte[1]));
  }

  // ---------------------------------------------------------------------------------------------
  // round trips through PEM files

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void writePemThenLoadRoundTrips(KeyType type) throws Exception {
    ServerCredentials c = type == KeyType.RSA ? rsa : ec;
    Path cert = dir.resolve("sub/cert.pem");
    Path key = dir.resolve("sub/key.pem");
    c.writePem(cert, key);
    assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----\n"));
    assertTrue(Files.readString(cert).startsWith("-----BEGIN CERTIFICATE-----\n"));
    if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertEquals(
          PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(key));
      assertFalse(Files.getPosixFilePermissions(cert).contains(PosixFilePermission.OTHERS_WRITE));
    }
    try (var files = Files.list(cert.getParent())) {
      assertEquals(2, files.count(), "no temporary files left behind");
    }
    assertSame(c, ServerCredentials.load(cert, key));
    // Overwriting existing files works too.
    c.writePem(cert, key);
    assertSame(c, ServerCredentials.load(cert, key));
  }

  @Test
  void loadsPkcs1RsaKey() throws Exception {
    Path cert = writeCert(rsa);
    Path key = dir.resolve("rsa-pkcs1.pem");
    writePemObjects(key, rsa.privateKey());
    assertTrue(Files.readString(key).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
    assertSame(rsa, ServerCredentials.load(cert, key));
  }

  @Test
  void loadsSec1EcKey() throws Exception {
    Path cert = writeCert(ec);
    Path key = dir.resolve("ec-sec1.pem");
    writePemObjects(key, sec1(ec.privateKey(), SECObjectIdentifiers.secp256r1));
    assertTrue(Files.readString(key).startsWith("-----BEGIN EC PRIVATE KEY-----"));
    assertSame(ec, ServerCredentials.load(cert, key));
  }

  @Test
  void loadsSec1EcKeyAfterEcParametersBlockAsOpensslWritesIt() throws Exception {
    Path cert = writeCert(ec);
    Path key = dir.resolve("ec-openssl.pem");
    writePemObjects(
        key,
        new PemObject("EC PARAMETERS", SECObjectIdentifiers.secp256r1.getEncoded()),
        sec1(ec.privateKey(), SECObjectIdentifiers.secp256r1));
    assertSame(ec, ServerCredentials.load(cert, key));
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void loadsPkcs8KeyWrittenByBouncyCastle(KeyType type) throws Exception {
    ServerCredentials c = type == KeyType.RSA ? rsa : ec;
    Path cert = writeCert(c);
    Path key = dir.resolve("pkcs8.pem");
    writePemObjects(key, new JcaPKCS8Generator(c.privateKey(), null).generate());
    assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----"));
    assertSame(c, ServerCredentials.load(cert, key));
  }

  @Test
  void keyFileMayAlsoHoldCertificatesAndCertFileMayHoldTheKey() throws Exception {
    Path combined = dir.resolve("combined.pem");
    writePemObjects(combined, rsa.certificateChain().get(0), rsa.privateKey());
    assertSame(rsa, ServerCredentials.load(combined, combined));
  }

  @Test
  void loadsChainOfTwoLeafFirst() throws Exception {
    KeyPair caKeys = rsaKeyPair();
    X509Certificate ca = certificate("CN=Test CA", caKeys, "CN=Test CA", caKeys, true);
    KeyPair leafKeys = ecKeyPair("secp256r1");
    X509Certificate leaf = certificate("CN=relay", leafKeys, "CN=Test CA", caKeys, false);
    Path cert = dir.resolve("chain.pem");
    writePemObjects(cert, leaf, ca);
    Path key = dir.resolve("key.pem");
    writePemObjects(key, new JcaPKCS8Generator(leafKeys.getPrivate(), null).generate());
    ServerCredentials c = ServerCredentials.load(cert, key);
    assertEquals(KeyType.EC_P256, c.keyType());
    assertEquals(2, c.chainDer().size());
    assertArrayEquals(leaf.getEncoded(), c.chainDer().get(0));
    assertArrayEquals(ca.getEncoded(), c.chainDer().get(1));
    assertTrue(c.describe().startsWith("EC P-256, CN=relay, expires "), c.describe());
    assertTrue(c.describe().endsWith("chain of 2"), c.describe());
  }

  @Test
  void ofValidatesLikeLoad() throws Exception {
    ServerCredentials c = ServerCredentials.of(ec.privateKey(), ec.certificateChain());
    assertSame(ec, c);
    assertMessage(
        assertThrows(
            CredentialsException.class, () -> ServerCredentials.of(ec.privateKey(), List.of())),
        "chain is empty");
    assertMessage(
        assertThrows(
            CredentialsException.class,
            () -> ServerCredentials.of(rsa.privateKey(), otherRsa.certificateChain())),
        "private key does not match certificate");
  }

  // ---------------------------------------------------------------------------------------------
  // errors

  @Test
  void missingFilesAreNamed() throws Exception {
    Path cert = writeCert(rsa);
    Path key = writeKey(rsa);
    Path missing = dir.resolve("nope.pem");
    assertMessage(load(missing, key), "certificate file '" + missing + "' does not exist");
    assertMessage(load(cert, missing), "private key file '" + missing + "' does not exist");
  }

  @Test
  void directoryIsNotAFile() throws Exception {
    Path key = writeKey(rsa);
    assertMessage(load(dir, key), "certificate file '" + dir + "' is a directory");
  }

  @Test
  void unreadableFileIsReported() throws Exception {
    Path cert = writeCert(rsa);
    Path key = writeKey(rsa);
    org.junit.jupiter.api.Assumptions.assumeTrue(
        dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("---------"));
    org.junit.jupiter.api.Assumptions.assumeFalse(
        Files.isReadable(key), "running as a user who can read anything (root)");
    assertMessage(load(cert, key), "private key file '" + key + "' cannot be read");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  \n\t\n"})
  void emptyFilesAreReported(String content) throws Exception {
    Path empty = dir.resolve("empty.pem");
    Files.writeString(empty, content);
    assertMessage(load(empty, writeKey(rsa)), "certificate file '" + empty + "' is empty");
    assertMessage(load(writeCert(rsa), empty), "private key file '" + empty + "' is empty");
  }

  @Test
  void garbageIsReported() throws Exception {
    Path garbage = dir.resolve("garbage.pem");
    byte[] bytes = new byte[4096];
    long seed = 0x5eed_c0deL;
    new Random(seed).nextBytes(bytes);
    Files.write(garbage, bytes);
    assertMessage(load(garbage, writeKey(rsa)), "certificate file '" + garbage + "'");
    assertMessage(load(writeCert(rsa), garbage), "private key file '" + garbage + "'");
    Files.writeString(garbage, "hello, I am not a certificate\n");
    assertMessage(load(garbage, writeKey(rsa)), "contains no certificate");
    assertMessage(load(writeCert(rsa), garbage), "contains no private key");
  }

  @Test
  void corruptPemBlocksAreReported() throws Exception {
    Path bad = dir.resolve("bad.pem");
    Files.writeString(
        bad, "-----BEGIN CERTIFICATE-----\n!!!notbase64***\n-----END CERTIFICATE-----\n");
    assertMessage(load(bad, writeKey(rsa)), "certificate file '" + bad + "'");
    Files.writeString(bad, "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n");
    assertMessage(load(bad, writeKey(rsa)), "certificate file '" + bad + "'");
    Files.writeString(bad, "-----BEGIN PRIVATE KEY-----\nAAAAAAAA\n-----END PRIVATE KEY-----\n");
    assertMessage(load(writeCert(rsa), bad), "private key file '" + bad + "'");
    Files.writeString(
        bad, "-----BEGIN RSA PRIVATE KEY-----\nMAMCAQA=\n-----END RSA PRIVATE KEY-----\n");
    assertMessage(load(writeCert(rsa), bad), "private key file '" + bad + "'");
  }

  @Test
  void certificateFileWithOnlyAKeyHasNoCertificate() throws Exception {
    Path key = writeKey(rsa);
    assertMessage(load(key, key), "certificate file '" + key + "' contains no certificate");
  }

  @Test
  void keyFileWithOnlyACertificateHasNoKey() throws Exception {
    Path cert = writeCert(rsa);
    assertMessage(load(cert, cert), "private key file '" + cert + "' contains no private key");
  }

  @Test
  void twoKeysInOneFileAreRefused() throws Exception {
    Path key = dir.resolve("two.pem");
    writePemObjects(key, rsa.privateKey(), otherRsa.privateKey());
    assertMessage(load(writeCert(rsa), key), "more than one private key");
  }

  @Test
  void encryptedPkcs8KeyIsRefused() throws Exception {
    Path key = dir.resolve("enc8.pem");
    var encryptor =
        new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
            .setProvider(new BouncyCastleProvider())
            .setPassword("secret".toCharArray())
            .build();
    writePemObjects(key, new JcaPKCS8Generator(rsa.privateKey(), encryptor).generate());
    assertTrue(Files.readString(key).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assertMessage(load(writeCert(rsa), key), "encrypted private keys are not supported");
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void encryptedTraditionalKeyIsRefused(KeyType type) throws Exception {
    ServerCredentials c = type == KeyType.RSA ? rsa : ec;
    Path key = dir.resolve("enc-trad.pem");
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      w.writeObject(
          c.privateKey(),
          new JcePEMEncryptorBuilder("AES-128-CBC")
              .setProvider(new BouncyCastleProvider())
              .build("pw".toCharArray()));
    }
    Files.writeString(key, sw.toString());
    assertTrue(sw.toString().contains("Proc-Type: 4,ENCRYPTED"));
    assertMessage(load(writeCert(c), key), "encrypted private keys are not supported");
  }

  @Test
  void smallRsaKeyIsRefused() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(1024);
    Path key = dir.resolve("rsa1024.pem");
    writePemObjects(key, g.generateKeyPair().getPrivate());
    assertMessage(load(writeCert(rsa), key), "is 1024 bits; at least 2048 bits are required");
  }

  @ParameterizedTest
  @ValueSource(strings = {"secp384r1", "secp521r1"})
  void otherCurvesAreRefused(String curve) throws Exception {
    KeyPair kp = ecKeyPair(curve);
    Path key = dir.resolve("ec-other.pem");
    ASN1ObjectIdentifier oid =
        "secp384r1".equals(curve) ? SECObjectIdentifiers.secp384r1 : SECObjectIdentifiers.secp521r1;
    writePemObjects(key, sec1(kp.getPrivate(), oid));
    assertMessage(load(writeCert(ec), key), "not on curve P-256");
    writePemObjects(key, new JcaPKCS8Generator(kp.getPrivate(), null).generate()); // PKCS#8
    assertMessage(load(writeCert(ec), key), "not on curve P-256");
  }

  @Test
  void ed25519IsRefused() throws Exception {
    KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Path key = dir.resolve("ed.pem");
    writePemObjects(key, new PemObject("PRIVATE KEY", kp.getPrivate().getEncoded()));
    assertMessage(load(writeCert(ec), key), "only RSA (2048 bits or more) and EC P-256");
  }

  @Test
  void mismatchedKeyIsRefused() throws Exception {
    assertMessage(
        load(writeCert(rsa), writeKey(otherRsa)), "private key does not match certificate");
    assertMessage(load(writeCert(rsa), writeKey(ec)), "private key does not match certificate");
    assertMessage(load(writeCert(ec), writeKey(rsa)), "private key does not match certificate");
    ServerCredentials otherEc = ServerCredentials.generateSelfSigned("localhost", KeyType.EC_P256);
    assertMessage(load(writeCert(ec), writeKey(otherEc)), "private key does not match certificate");
  }

  @Test
  void mismatchAgainstTheLeafNotTheIssuer() throws Exception {
    KeyPair caKeys = rsaKeyPair();
    X509Certificate ca = certificate("CN=Test CA", caKeys, "CN=Test CA", caKeys, true);
    KeyPair leafKeys = ecKeyPair("secp256r1");
    X509Certificate leaf = certificate("CN=relay", leafKeys, "CN=Test CA", caKeys, false);
    Path cert = dir.resolve("chain.pem");
    writePemObjects(cert, leaf, ca);
    Path key = dir.resolve("ca-key.pem");
    writePemObjects(key, caKeys.getPrivate());
    assertMessage(load(cert, key), "private key does not match certificate");
  }

  @Test
  void rsassaPssCertificateIsRefused() throws Exception {
    // Same RSA key, but the certificate marks it id-RSASSA-PSS (rsa_pss_pss_* only, RFC 8446).
    KeyPair kp = rsaKeyPair();
    SubjectPublicKeyInfo rsaSpki = SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded());
    SubjectPublicKeyInfo pssSpki =
        new SubjectPublicKeyInfo(
            new AlgorithmIdentifier(PKCSObjectIdentifiers.id_RSASSA_PSS), rsaSpki.parsePublicKey());
    long now = System.currentTimeMillis();
    X509v3CertificateBuilder b =
        new X509v3CertificateBuilder(
            new X500Name("CN=pss"),
            BigInteger.ONE,
            new Date(now - 60_000),
            new Date(now + 86_400_000L),
            new X500Name("CN=pss"),
            pssSpki);
    X509Certificate cert =
        new JcaX509CertificateConverter()
            .getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
    assertEquals("RSASSA-PSS", cert.getPublicKey().getAlgorithm());
    CredentialsException e =
        assertThrows(
            CredentialsException.class, () -> ServerCredentials.of(kp.getPrivate(), List.of(cert)));
    assertMessage(e, "has a 'RSASSA-PSS' public key");
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private static byte[] content(int scheme) {
    // The TLS 1.3 CertificateVerify input shape: 64 spaces, context string, 0, transcript hash.
    byte[] prefix = " ".repeat(64).getBytes(StandardCharsets.US_ASCII);
    byte[] label = "TLS 1.3, server CertificateVerify".getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[prefix.length + label.length + 1 + 32];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    System.arraycopy(label, 0, out, prefix.length, label.length);
    for (int i = prefix.length + label.length + 1; i < out.length; i++) {
      out[i] = (byte) (i * 31 + scheme);
    }
    return out;
  }

  private static void assertSame(ServerCredentials expected, ServerCredentials actual)
      throws Exception {
    assertEquals(expected.keyType(), actual.keyType());
    if (expected.keyType() == KeyType.RSA) {
      RSAPrivateKey e = (RSAPrivateKey) expected.privateKey();
      RSAPrivateKey a = (RSAPrivateKey) actual.privateKey();
      assertEquals(e.getModulus(), a.getModulus());
      assertEquals(e.getPrivateExponent(), a.getPrivateExponent());
    } else {
      assertEquals(
          ((ECPrivateKey) expected.privateKey()).getS(),
          ((ECPrivateKey) actual.privateKey()).getS());
    }
    assertEquals(expected.chainDer().size(), actual.chainDer().size());
    for (int i = 0; i < expected.chainDer().size(); i++) {
      assertArrayEquals(expected.chainDer().get(i), actual.chainDer().get(i));
    }
    assertEquals(expected.describe(), actual.describe());
    // The loaded key signs verifiably.
    int scheme = actual.keyType() == KeyType.RSA ? 0x0804 : 0x0403;
    byte[] sig = actual.sign(scheme, new byte[] {1, 2, 3});
    Signature v = ServerCredentials.newSignature(scheme);
    v.initVerify(expected.certificateChain().get(0).getPublicKey());
    v.update(new byte[] {1, 2, 3});
    assertTrue(v.verify(sig));
  }

  private static CredentialsException load(Path cert, Path key) {
    return assertThrows(CredentialsException.class, () -> ServerCredentials.load(cert, key));
  }

  private static void assertMessage(CredentialsException e, String expected) {
    assertTrue(
        e.getMessage().contains(expected),
        () -> "expected message containing <" + expected + "> but was <" + e.getMessage() + ">");
  }

  private Path writeCert(ServerCredentials c) throws IOException {
    Path p = Files.createTempFile(dir, "cert", ".pem");
    writePemObjects(p, c.certificateChain().toArray());
    return p;
  }

  private Path writeKey(ServerCredentials c) throws IOException {
    Path p = Files.createTempFile(dir, "key", ".pem");
    writePemObjects(p, new JcaPKCS8Generator(c.privateKey(), null).generate());
    return p;
  }

  private static void writePemObjects(Path file, Object... objects) throws IOException {
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      for (Object o : objects) {
        w.writeObject(o);
      }
    }
    Files.writeString(file, sw.toString());
  }

  /** SEC1 ECPrivateKey with the named curve inside, as {@code openssl ecparam -genkey} writes. */
  private static PemObject sec1(PrivateKey key, ASN1ObjectIdentifier curve) throws IOException {
    ECPrivateKey k = (ECPrivateKey) key;
    int bits = k.getParams().getOrder().bitLength();
    return new PemObject(
        "EC PRIVATE KEY",
        new org.bouncycastle.asn1.sec.ECPrivateKey(bits, k.getS(), curve).getEncoded());
  }

  private static KeyPair rsaKeyPair() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static KeyPair ecKeyPair(String curve) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec(curve));
    return g.generateKeyPair();
  }

  private static X509Certificate certificate(
      String subject, KeyPair subjectKeys, String issuer, KeyPair issuerKeys, boolean ca)
      throws Exception {
    long now = System.currentTimeMillis();
    var b =
        new JcaX509v3CertificateBuilder(
            new X500Name(issuer),
            BigInteger.valueOf(now),
            new Date(now - 60_000),
            new Date(now + 86_400_000L),
            new X500Name(subject),
            subjectKeys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    String alg =
        "RSA".equals(issuerKeys.getPrivate().getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
    PrivateKey signer = issuerKeys.getPrivate();
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(signer)));
  }

  @Test
  void differentGenerationsDiffer() {
    assertFalse(
        java.util.Arrays.equals(rsa.chainDer().get(0), otherRsa.chainDer().get(0)),
        "fresh key and serial each time");
  }
}
