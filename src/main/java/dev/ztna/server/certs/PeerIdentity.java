package dev.ztna.server.certs;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * A client's identity from its (verified) leaf certificate: the first SubjectAltName URI (e.g.
 * {@code spiffe://corp.example/connector/db}), else the first SAN DNS name, else the subject CN.
 */
public final class PeerIdentity {
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;

  /** Longest identity kept; anything longer is not a usable policy name. */
  public static final int MAX_LENGTH = 1024;

  private PeerIdentity() {}

  /**
   * The identity of {@code leaf}, or {@code null} when it has none (no SAN URI or DNS name, no CN)
   * or the one it has is empty, too long, or contains control characters (it is logged and matched
   * against policy patterns, so it must be printable).
   */
  public static String of(X509Certificate leaf) {
    String uri = null;
    String dns = null;
    try {
      Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          Object type = san.get(0);
          Object value = san.get(1);
          if (!(type instanceof Integer) || !(value instanceof String)) {
            continue;
          }
          int t = (Integer) type;
          if (t == SAN_URI && uri == null) {
            uri = (String) value;
          } else if (t == SAN_DNS && dns == null) {
            dns = (String) value;
          }
        }
      }
    } catch (CertificateParsingException e) {
      return null;
    }
    if (uri != null) {
      return usable(uri);
    }
    if (dns != null) {
      return usable(dns);
    }
    return usable(commonName(leaf));
  }

  private static String commonName(X509Certificate leaf) {
    try {
      X500Name name = X500Name.getInstance(leaf.getSubjectX500Principal().getEncoded());
      RDN[] cns = name.getRDNs(BCStyle.CN);
      if (cns.length == 0 || cns[0].getFirst() == null) {
        return null;
      }
      return IETFUtils.valueToString(cns[0].getFirst().getValue());
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String usable(String s) {
    if (s == null || s.isEmpty() || s.length() > MAX_LENGTH) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return null;
      }
    }
    return s;
  }
}
