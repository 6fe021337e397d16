/**
 * Server credentials: loading and validating a PEM certificate chain and private key, generating a
 * self-signed development certificate, and producing TLS 1.3 CertificateVerify signatures (RFC 8446
 * §4.2.3, §4.4.3); for client authentication, the trust anchors and PKIX chain validation ({@link
 * dev.ztna.server.certs.TrustAnchors}), client CertificateVerify verification ({@link
 * dev.ztna.server.certs.TlsSignatures}) and the client identity ({@link
 * dev.ztna.server.certs.PeerIdentity}).
 *
 * <p>Layer: above {@code wire} and {@code crypto}; depends only on the JDK, BouncyCastle
 * (bcprov/bcpkix) and SLF4J. Used by {@code tls}, {@code loop} and {@code cli}.
 */
package dev.ztna.server.certs;
