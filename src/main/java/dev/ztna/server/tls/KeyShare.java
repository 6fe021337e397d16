package dev.ztna.server.tls;

import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.agreement.ECDHBasicAgreement;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.util.BigIntegers;

/**
 * The server's ephemeral (EC)DHE key for one of the supported groups (RFC 8446 §4.2.8): x25519 (RFC
 * 7748) and secp256r1 with uncompressed points (RFC 8446 §4.2.8.2).
 */
final class KeyShare {
  static final int X25519_GROUP = 0x001d;
  static final int SECP256R1_GROUP = 0x0017;

  private static final ECDomainParameters P256;

  static {
    X9ECParameters x9 = CustomNamedCurves.getByName("secp256r1");
    P256 = new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH(), x9.getSeed());
  }

  private final int group;
  private final byte[] publicKey;
  private final byte[] x25519Private;
  private final ECPrivateKeyParameters ecPrivate;

  private KeyShare(int group, byte[] publicKey, byte[] x25519Private, ECPrivateKeyParameters ec) {
    this.group = group;
    this.publicKey = publicKey;
    this.x25519Private = x25519Private;
    this.ecPrivate = ec;
  }

  static boolean isSupported(int group) {
    return group == X25519_GROUP || group == SECP256R1_GROUP;
  }

  /** Expected key_exchange length for a supported group. */
  static int shareLength(int group) {
    return group == X25519_GROUP ? X25519.POINT_SIZE : 65;
  }

  static KeyShare generate(int group, SecureRandom random) {
    if (group == X25519_GROUP) {
      byte[] k = new byte[X25519.SCALAR_SIZE];
      X25519.generatePrivateKey(random, k);
      return fromX25519Private(k);
    }
    if (group == SECP256R1_GROUP) {
      ECKeyPairGenerator gen = new ECKeyPairGenerator();
      gen.init(new ECKeyGenerationParameters(P256, random));
      AsymmetricCipherKeyPair kp = gen.generateKeyPair();
      ECPublicKeyParameters pub = (ECPublicKeyParameters) kp.getPublic();
      return new KeyShare(
          group, pub.getQ().getEncoded(false), null, (ECPrivateKeyParameters) kp.getPrivate());
    }
    throw new IllegalArgumentException("unsupported group " + group);
  }

  /** An x25519 share from a known private scalar (tests against RFC 8448). */
  static KeyShare fromX25519Private(byte[] k) {
    byte[] pub = new byte[X25519.POINT_SIZE];
    X25519.generatePublicKey(k, 0, pub, 0);
    return new KeyShare(X25519_GROUP, pub, k.clone(), null);
  }

  int group() {
    return group;
  }

  byte[] publicKey() {
    return publicKey.clone();
  }

  /**
   * The shared secret with the peer's key_exchange bytes, or {@code null} if the peer's share is
   * invalid: wrong length, a point not on the curve (secp256r1), or an all-zero x25519 result (RFC
   * 8446 §7.4.2).
   */
  byte[] sharedSecret(byte[] peer, int off, int len) {
    if (group == X25519_GROUP) {
      if (len != X25519.POINT_SIZE) {
        return null;
      }
      byte[] out = new byte[X25519.POINT_SIZE];
      if (!X25519.calculateAgreement(x25519Private, 0, peer, off, out, 0)) {
        return null;
      }
      return out;
    }
    // secp256r1: uncompressed point only, 0x04 || X || Y (RFC 8446 §4.2.8.2), validated on curve.
    if (len != 65 || peer[off] != 4) {
      return null;
    }
    byte[] enc = new byte[65];
    System.arraycopy(peer, off, enc, 0, 65);
    ECPoint q;
    try {
      q = P256.getCurve().decodePoint(enc);
      if (q.isInfinity() || !q.isValid()) {
        return null;
      }
      ECPublicKeyParameters pub = new ECPublicKeyParameters(q, P256);
      ECDHBasicAgreement agreement = new ECDHBasicAgreement();
      agreement.init(ecPrivate);
      BigInteger z = agreement.calculateAgreement(pub);
      return BigIntegers.asUnsignedByteArray(32, z);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return null;
    }
  }
}
