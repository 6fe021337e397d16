package dev.ztna.server.certs;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECKey;
import java.security.interfaces.RSAKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PSSParameterSpec;

/**
 * Verification of a peer's TLS 1.3 CertificateVerify signature (RFC 8446 §4.2.3, §4.4.3) with the
 * JCA: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256/384/512 (rsaEncryption keys),
 * rsa_pss_pss_sha256/384/512 (id-RSASSA-PSS keys) and ed25519.
 */
public final class TlsSignatures {
  public static final int ECDSA_SECP256R1_SHA256 = 0x0403;
  public static final int RSA_PSS_RSAE_SHA256 = 0x0804;
  public static final int RSA_PSS_RSAE_SHA384 = 0x0805;
  public static final int RSA_PSS_RSAE_SHA512 = 0x0806;
  public static final int ED25519 = 0x0807;
  public static final int RSA_PSS_PSS_SHA256 = 0x0809;
  public static final int RSA_PSS_PSS_SHA384 = 0x080a;
  public static final int RSA_PSS_PSS_SHA512 = 0x080b;

  private static final int[] CLIENT_SCHEMES = {
    ECDSA_SECP256R1_SHA256,
    RSA_PSS_RSAE_SHA256,
    RSA_PSS_RSAE_SHA384,
    RSA_PSS_RSAE_SHA512,
    RSA_PSS_PSS_SHA256,
    RSA_PSS_PSS_SHA384,
    RSA_PSS_PSS_SHA512,
    ED25519
  };

  private TlsSignatures() {}

  /** Every scheme {@link #verify} supports, in the server's order of preference (a copy). */
  public static int[] clientSchemes() {
    return CLIENT_SCHEMES.clone();
  }

  /**
   * Whether {@code scheme} can be used with {@code key}: RFC 8446 §4.2.3 ties rsa_pss_rsae_* to
   * rsaEncryption keys, rsa_pss_pss_* to RSASSA-PSS keys, ecdsa_secp256r1_sha256 to P-256 keys.
   */
  public static boolean matchesKey(int scheme, PublicKey key) {
    String alg = key.getAlgorithm();
    switch (scheme) {
      case ECDSA_SECP256R1_SHA256:
        return key instanceof ECPublicKey && isP256(((ECPublicKey) key).getParams());
      case RSA_PSS_RSAE_SHA256:
      case RSA_PSS_RSAE_SHA384:
      case RSA_PSS_RSAE_SHA512:
        return key instanceof RSAKey && "RSA".equalsIgnoreCase(alg);
      case RSA_PSS_PSS_SHA256:
      case RSA_PSS_PSS_SHA384:
      case RSA_PSS_PSS_SHA512:
        return key instanceof RSAKey && "RSASSA-PSS".equalsIgnoreCase(alg);
      case ED25519:
        return key instanceof EdECKey
            && NamedParameterSpec.ED25519
                .getName()
                .equalsIgnoreCase(((EdECKey) key).getParams().getName());
      default:
        return false;
    }
  }

  /**
   * Verifies {@code signature} over {@code content}; false for a wrong signature, a malformed one,
   * an unknown scheme or a key that does not fit the scheme.
   */
  public static boolean verify(int scheme, PublicKey key, byte[] content, byte[] signature) {
    if (!matchesKey(scheme, key)) {
      return false;
    }
    try {
      Signature s = newVerifier(scheme);
      s.initVerify(key);
      s.update(content);
      return s.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      // SignatureException for malformed encodings, InvalidKeyException for odd PSS key params.
      return false;
    }
  }

  private static Signature newVerifier(int scheme) throws GeneralSecurityException {
    switch (scheme) {
      case ECDSA_SECP256R1_SHA256:
        return Signature.getInstance("SHA256withECDSA");
      case RSA_PSS_RSAE_SHA256:
      case RSA_PSS_PSS_SHA256:
        return pss("SHA-256", MGF1ParameterSpec.SHA256, 32);
      case RSA_PSS_RSAE_SHA384:
      case RSA_PSS_PSS_SHA384:
        return pss("SHA-384", MGF1ParameterSpec.SHA384, 48);
      case RSA_PSS_RSAE_SHA512:
      case RSA_PSS_PSS_SHA512:
        return pss("SHA-512", MGF1ParameterSpec.SHA512, 64);
      case ED25519:
        return Signature.getInstance("Ed25519");
      default:
        throw new GeneralSecurityException("unsupported signature scheme " + scheme);
    }
  }

  /** An RSASSA-PSS verifier or signer with MGF1 over {@code hash} (RFC 8446 §4.2.3). */
  static Signature pss(String hash, MGF1ParameterSpec mgf, int saltLength)
      throws GeneralSecurityException {
    Signature s = Signature.getInstance("RSASSA-PSS");
    s.setParameter(
        new PSSParameterSpec(hash, "MGF1", mgf, saltLength, PSSParameterSpec.TRAILER_FIELD_BC));
    return s;
  }

  private static boolean isP256(ECParameterSpec p) {
    return ServerCredentials.isP256(p);
  }
}
