package dev.ztna.server.certs;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test PKI for client authentication, generated with BouncyCastle: CAs and client leaves with SAN
 * URIs, on ECDSA P-256, RSA and Ed25519 keys, valid, expired, or with chosen key usages.
 */
public final class TestPki {
  public static final String CONNECTOR_DB = "spiffe://corp.example/connector/db";
  public static final String AGENT_ALICE = "spiffe://corp.example/user/alice";

  private static final AtomicLong SERIAL = new AtomicLong(1000);

  /** Key algorithms for generated keys. */
  public enum Alg {
    EC,
    RSA,
    /** RSA with an id-RSASSA-PSS public key (signs only with rsa_pss_pss_*). */
    RSA_PSS,
    ED25519
  }

  /** A certificate and its private key. */
  public static final class Issued {
    public final X509Certificate certificate;
    public final PrivateKey key;

    Issued(X509Certificate certificate, PrivateKey key) {
      this.certificate = certificate;
      this.key = key;
    }

    /** Writes the certificate (then {@code extraChain}) and the key as PEM files in {@code dir}. */
    public Path[] writePem(Path dir, String name, X509Certificate... extraChain) {
      try {
        Files.createDirectories(dir);
        StringBuilder chain = new StringBuilder(pem("CERTIFICATE", certificate.getEncoded()));
        for (X509Certificate c : extraChain) {
          chain.append(pem("CERTIFICATE", c.getEncoded()));
        }
        Path cert = dir.resolve(name + ".pem");
        Path keyFile = dir.resolve(name + ".key");
        Files.writeString(cert, chain, StandardCharsets.US_ASCII);
        Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
        return new Path[] {cert, keyFile};
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Options for a leaf. */
  public static final class Leaf {
    String uri;
    String dns;
    String cn = "client";
    Alg alg = Alg.EC;
    Instant notBefore = Instant.now().minus(Duration.ofHours(1));
    Instant notAfter = Instant.now().plus(Duration.ofDays(30));
    KeyPurposeId[] eku = {KeyPurposeId.id_kp_clientAuth};
    int keyUsage = KeyUsage.digitalSignature;

    public Leaf uri(String v) {
      uri = v;
      return this;
    }

    public Leaf dns(String v) {
      dns = v;
      return this;
    }

    public Leaf cn(String v) {
      cn = v;
      return this;
    }

    public Leaf alg(Alg v) {
      alg = v;
      return this;
    }

    public Leaf validity(Instant from, Instant to) {
      notBefore = from;
      notAfter = to;
      return this;
    }

    /** No EKU extension when empty. */
    public Leaf eku(KeyPurposeId... v) {
      eku = v;
      return this;
    }

    /** 0: no key usage extension. */
    public Leaf keyUsage(int v) {
      keyUsage = v;
      return this;
    }
  }

  private TestPki() {}

  public static Leaf leaf() {
    return new Leaf();
  }

  public static KeyPair keyPair(Alg alg) {
    try {
      KeyPairGenerator g;
      switch (alg) {
        case RSA:
          g = KeyPairGenerator.getInstance("RSA");
          g.initialize(2048);
          break;
        case RSA_PSS:
          g = KeyPairGenerator.getInstance("RSASSA-PSS");
          g.initialize(2048);
          break;
        case ED25519:
          g = KeyPairGenerator.getInstance("Ed25519");
          break;
        default:
          g = KeyPairGenerator.getInstance("EC");
          g.initialize(new ECGenParameterSpec("secp256r1"));
      }
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String signatureAlgorithm(PrivateKey key) {
    switch (key.getAlgorithm()) {
      case "RSA":
        return "SHA256withRSA";
      case "RSASSA-PSS":
        return "SHA256withRSAandMGF1";
      case "Ed25519":
      case "EdDSA":
        return "Ed25519";
      default:
        return "SHA256withECDSA";
    }
  }

  /** A self-signed CA (basicConstraints cA, keyCertSign) valid from an hour ago for a year. */
  public static Issued ca(String cn, Alg alg) {
    KeyPair kp = keyPair(alg);
    X500Name name = new X500Name("CN=" + cn);
    try {
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              name,
              BigInteger.valueOf(SERIAL.incrementAndGet()),
              Date.from(Instant.now().minus(Duration.ofHours(1))),
              Date.from(Instant.now().plus(Duration.ofDays(365))),
              name,
              kp.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return new Issued(build(b, kp.getPrivate()), kp.getPrivate());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An intermediate CA issued by {@code issuer}. */
  public static Issued intermediate(Issued issuer, String cn, Alg alg) {
    KeyPair kp = keyPair(alg);
    try {
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              X500Name.getInstance(issuer.certificate.getSubjectX500Principal().getEncoded()),
              BigInteger.valueOf(SERIAL.incrementAndGet()),
              Date.from(Instant.now().minus(Duration.ofHours(1))),
              Date.from(Instant.now().plus(Duration.ofDays(180))),
              new X500Name("CN=" + cn),
              kp.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return new Issued(build(b, issuer.key), kp.getPrivate());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A leaf issued by {@code issuer}. */
  public static Issued issue(Issued issuer, Leaf o) {
    KeyPair kp = keyPair(o.alg);
    try {
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              X500Name.getInstance(issuer.certificate.getSubjectX500Principal().getEncoded()),
              BigInteger.valueOf(SERIAL.incrementAndGet()),
              Date.from(o.notBefore),
              Date.from(o.notAfter),
              new X500Name("CN=" + o.cn),
              kp.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      if (o.keyUsage != 0) {
        b.addExtension(Extension.keyUsage, true, new KeyUsage(o.keyUsage));
      }
      if (o.eku.length > 0) {
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(o.eku));
      }
      List<GeneralName> sans = new ArrayList<>();
      if (o.uri != null) {
        sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, o.uri));
      }
      if (o.dns != null) {
        sans.add(new GeneralName(GeneralName.dNSName, o.dns));
      }
      if (!sans.isEmpty()) {
        b.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(sans.toArray(new GeneralName[0])));
      }
      return new Issued(build(b, issuer.key), kp.getPrivate());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static X509Certificate build(X509v3CertificateBuilder b, PrivateKey signer) {
    try {
      byte[] der =
          b.build(new JcaContentSignerBuilder(signatureAlgorithm(signer)).build(signer))
              .getEncoded();
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Trust anchors of the given CAs. */
  public static TrustAnchors anchors(Issued... cas) {
    List<X509Certificate> list = new ArrayList<>();
    for (Issued ca : cas) {
      list.add(ca.certificate);
    }
    try {
      return TrustAnchors.of(list);
    } catch (CredentialsException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
