package dev.ztna.server.tls;

import dev.ztna.server.crypto.HashAlgorithm;
import dev.ztna.server.crypto.Hkdf;
import java.security.MessageDigest;

/**
 * The TLS 1.3 key schedule of a full (EC)DHE handshake without PSK (RFC 8446 §7.1). Secrets are
 * derived in order: {@link #deriveHandshakeSecrets} after ServerHello, {@link
 * #deriveApplicationSecrets} after the server Finished.
 */
final class KeySchedule {
  private final HashAlgorithm hash;
  private byte[] handshakeSecret;
  private byte[] clientHandshakeTrafficSecret;
  private byte[] serverHandshakeTrafficSecret;
  private byte[] clientApplicationTrafficSecret;
  private byte[] serverApplicationTrafficSecret;

  KeySchedule(HashAlgorithm hash) {
    this.hash = hash;
  }

  HashAlgorithm hash() {
    return hash;
  }

  /** Early Secret = HKDF-Extract(0, 0): no PSK, so the IKM is HashLen zero bytes. */
  byte[] earlySecret() {
    return Hkdf.extract(hash, null, new byte[hash.length()]);
  }

  /** Derive-Secret(Secret, Label, Messages) with the transcript hash already computed. */
  byte[] deriveSecret(byte[] secret, String label, byte[] transcriptHash) {
    return Hkdf.expandLabel(hash, secret, label, transcriptHash, hash.length());
  }

  /**
   * Handshake Secret from the (EC)DHE shared secret, then the client/server handshake traffic
   * secrets over Hash(ClientHello..ServerHello).
   */
  void deriveHandshakeSecrets(byte[] sharedSecret, byte[] helloTranscriptHash) {
    byte[] derived = deriveSecret(earlySecret(), "derived", hash.emptyHash());
    handshakeSecret = Hkdf.extract(hash, derived, sharedSecret);
    clientHandshakeTrafficSecret =
        deriveSecret(handshakeSecret, "c hs traffic", helloTranscriptHash);
    serverHandshakeTrafficSecret =
        deriveSecret(handshakeSecret, "s hs traffic", helloTranscriptHash);
  }

  /**
   * Master Secret, then the client/server application traffic secrets over Hash(ClientHello..server
   * Finished).
   */
  void deriveApplicationSecrets(byte[] serverFinishedTranscriptHash) {
    byte[] derived = deriveSecret(handshakeSecret, "derived", hash.emptyHash());
    byte[] masterSecret = Hkdf.extract(hash, derived, new byte[hash.length()]);
    clientApplicationTrafficSecret =
        deriveSecret(masterSecret, "c ap traffic", serverFinishedTranscriptHash);
    serverApplicationTrafficSecret =
        deriveSecret(masterSecret, "s ap traffic", serverFinishedTranscriptHash);
  }

  /** Finished verify_data = HMAC(finished_key, transcript hash) (RFC 8446 §4.4.4). */
  byte[] finishedVerifyData(byte[] baseKey, byte[] transcriptHash) {
    byte[] finishedKey = Hkdf.expandLabel(hash, baseKey, "finished", null, hash.length());
    return Hkdf.hmac(hash, finishedKey, transcriptHash);
  }

  /** Constant-time check of a received Finished against the expected verify_data. */
  boolean verifyFinished(byte[] baseKey, byte[] transcriptHash, byte[] received) {
    return MessageDigest.isEqual(finishedVerifyData(baseKey, transcriptHash), received);
  }

  byte[] clientHandshakeTrafficSecret() {
    return clientHandshakeTrafficSecret;
  }

  byte[] serverHandshakeTrafficSecret() {
    return serverHandshakeTrafficSecret;
  }

  byte[] clientApplicationTrafficSecret() {
    return clientApplicationTrafficSecret;
  }

  byte[] serverApplicationTrafficSecret() {
    return serverApplicationTrafficSecret;
  }
}
