package dev.ztna.server.certs;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * The trust anchors for client certificates (a PEM bundle of CA certificates) and validation of a
 * client's chain against them with the JDK's PKIX {@link CertPathValidator} (RFC 5280 path
 * validation: signatures, validity periods, basic constraints, CA key usage, name chaining). On top
 * of PKIX, which leaves the end entity's purpose to the caller, the leaf is checked explicitly: key
 * usage must include digitalSignature when the extension is present (it signs CertificateVerify)
 * and extended key usage must include clientAuth (or anyExtendedKeyUsage) when the extension is
 * present (RFC 5280 §4.2.1.3, §4.2.1.12). Revocation is not checked (no CRL/OCSP fetching from the
 * server). Immutable and thread-safe.
 */
public final class TrustAnchors {
  /** Most certificates accepted in a client's chain (leaf included). */
  public static final int MAX_CHAIN = 10;

  private static final String EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final String EKU_ANY = "2.5.29.37.0";
  private static final int KU_DIGITAL_SIGNATURE = 0;

  private final List<X509Certificate> certificates;
  private final Set<TrustAnchor> anchors;
  private final List<X500Principal> subjects;

  private TrustAnchors(List<X509Certificate> certificates) {
    this.certificates = List.copyOf(certificates);
    Set<TrustAnchor> set = new HashSet<>();
    List<X500Principal> names = new ArrayList<>();
    for (X509Certificate c : certificates) {
      set.add(new TrustAnchor(c, null));
      names.add(c.getSubjectX500Principal());
    }
    this.anchors = Collections.unmodifiableSet(set);
    this.subjects = List.copyOf(names);
  }

  /**
   * Loads a PEM bundle of CA certificates ({@code CERTIFICATE} blocks).
   *
   * @throws CredentialsException naming the file and the problem: unreadable, no certificate, or a
   *     certificate that is not a CA (basicConstraints cA=TRUE is required, so a leaf cannot be
   *     configured as an anchor by mistake)
   */
  public static TrustAnchors load(Path pemBundle) throws CredentialsException {
    Objects.requireNonNull(pemBundle, "pemBundle");
    List<X509Certificate> certs = ServerCredentials.readCertificates(pemBundle);
    return create(certs, "client CA file '" + pemBundle + "'");
  }

  /** Anchors from certificates already parsed (each must be a CA). */
  public static TrustAnchors of(List<X509Certificate> caCertificates) throws CredentialsException {
    Objects.requireNonNull(caCertificates, "caCertificates");
    if (caCertificates.isEmpty()) {
      throw new CredentialsException("no trust anchor given");
    }
    return create(caCertificates, "the trust anchors");
  }

  private static TrustAnchors create(List<X509Certificate> certs, String what)
      throws CredentialsException {
    for (int i = 0; i < certs.size(); i++) {
      X509Certificate c = certs.get(i);
      if (c.getBasicConstraints() < 0) {
        throw new CredentialsException(
            what
                + ": certificate #"
                + (i + 1)
                + " ("
                + c.getSubjectX500Principal().getName()
                + ") is not a CA certificate (no basicConstraints cA=TRUE)");
      }
    }
    return new TrustAnchors(certs);
  }

  /** The anchors' subject names (for the certificate_authorities extension, RFC 8446 §4.2.4). */
  public List<X500Principal> subjects() {
    return subjects;
  }

  /** The anchor certificates (unmodifiable). */
  public List<X509Certificate> certificates() {
    return certificates;
  }

  /** One line for logs: the number of anchors and their subjects. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append(certificates.size()).append(certificates.size() == 1 ? " anchor" : " anchors");
    for (X500Principal p : subjects) {
      sb.append(", ").append(p.getName());
    }
    return sb.toString();
  }

  /**
   * Validates {@code chain} (leaf first, then intermediates in any order; a copy of an anchor may
   * be included and is ignored) at time {@code now}.
   */
  public Result validate(List<X509Certificate> chain, Instant now) {
    if (chain.isEmpty() || chain.size() > MAX_CHAIN) {
      return new Result(ChainCheck.BAD_CERTIFICATE, "chain of " + chain.size() + " certificates");
    }
    X509Certificate leaf = chain.get(0);
    Result purpose = checkLeafPurpose(leaf);
    if (purpose != null) {
      return purpose;
    }
    List<X509Certificate> path = orderedPath(chain);
    try {
      CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      params.setDate(Date.from(now));
      PKIXCertPathValidatorResult r =
          (PKIXCertPathValidatorResult)
              CertPathValidator.getInstance("PKIX").validate(certPath, params);
      // PKIX does not check the anchor's own validity period; an expired CA is not trusted.
      X509Certificate anchor = r.getTrustAnchor().getTrustedCert();
      if (anchor != null) {
        try {
          anchor.checkValidity(Date.from(now));
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
          return new Result(ChainCheck.EXPIRED, "trust anchor " + e.getMessage());
        }
      }
      return new Result(ChainCheck.VALID, "valid");
    } catch (CertPathValidatorException e) {
      return classify(e, path.size());
    } catch (InvalidAlgorithmParameterException e) {
      return new Result(ChainCheck.UNKNOWN_CA, "no usable trust anchor: " + e.getMessage());
    } catch (GeneralSecurityException | RuntimeException e) {
      return new Result(ChainCheck.BAD_CERTIFICATE, "cannot validate: " + e);
    }
  }

  /** Leaf first, then each issuer found among the rest; certificates equal to an anchor dropped. */
  private List<X509Certificate> orderedPath(List<X509Certificate> chain) {
    List<X509Certificate> rest = new ArrayList<>(chain.subList(1, chain.size()));
    rest.removeIf(certificates::contains);
    List<X509Certificate> path = new ArrayList<>();
    X509Certificate current = chain.get(0);
    path.add(current);
    while (!rest.isEmpty()) {
      X509Certificate next = null;
      for (X509Certificate c : rest) {
        if (c.getSubjectX500Principal().equals(current.getIssuerX500Principal())) {
          next = c;
          break;
        }
      }
      if (next == null || next.equals(current)) {
        break;
      }
      rest.remove(next);
      path.add(next);
      current = next;
    }
    return path;
  }

  private static Result checkLeafPurpose(X509Certificate leaf) {
    boolean[] ku = leaf.getKeyUsage();
    if (ku != null && (ku.length <= KU_DIGITAL_SIGNATURE || !ku[KU_DIGITAL_SIGNATURE])) {
      return new Result(
          ChainCheck.UNSUPPORTED_CERTIFICATE, "key usage does not include digitalSignature");
    }
    List<String> eku;
    try {
      eku = leaf.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      return new Result(ChainCheck.BAD_CERTIFICATE, "malformed extended key usage");
    }
    if (eku != null && !eku.contains(EKU_CLIENT_AUTH) && !eku.contains(EKU_ANY)) {
      return new Result(
          ChainCheck.UNSUPPORTED_CERTIFICATE, "extended key usage does not include clientAuth");
    }
    return null;
  }

  private static Result classify(CertPathValidatorException e, int pathLength) {
    CertPathValidatorException.Reason reason = e.getReason();
    String detail = String.valueOf(e.getMessage());
    if (reason == BasicReason.EXPIRED || reason == BasicReason.NOT_YET_VALID) {
      return new Result(ChainCheck.EXPIRED, detail);
    }
    if (reason == PKIXReason.NO_TRUST_ANCHOR) {
      return new Result(ChainCheck.UNKNOWN_CA, detail);
    }
    if (reason == BasicReason.INVALID_SIGNATURE && e.getIndex() == pathLength - 1) {
      // The last certificate's signature verifies under no trusted key: an anchor with the same
      // name but another key, i.e. an issuer we do not know.
      return new Result(ChainCheck.UNKNOWN_CA, detail);
    }
    return new Result(ChainCheck.BAD_CERTIFICATE, detail);
  }

  /** A {@link ChainCheck} with a human-readable detail for logs. */
  public static final class Result {
    private final ChainCheck check;
    private final String detail;

    Result(ChainCheck check, String detail) {
      this.check = check;
      this.detail = detail;
    }

    public ChainCheck check() {
      return check;
    }

    public String detail() {
      return detail;
    }

    @Override
    public String toString() {
      return check + " (" + detail + ")";
    }
  }
}
