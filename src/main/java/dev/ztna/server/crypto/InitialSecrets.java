package dev.ztna.server.crypto;

import java.util.Arrays;

/** QUIC v1 Initial secrets (RFC 9001 §5.2). Handshake-time; allocates. */
public final class InitialSecrets {
  /** The QUIC v1 initial salt. Do not modify (use {@link #initialSaltV1()} for a copy). */
  static final byte[] INITIAL_SALT_V1 = {
    (byte) 0x38, (byte) 0x76, (byte) 0x2c, (byte) 0xf7, (byte) 0xf5, (byte) 0x59, (byte) 0x34,
    (byte) 0xb3, (byte) 0x4d, (byte) 0x17, (byte) 0x9a, (byte) 0xe6, (byte) 0xa4, (byte) 0xc8,
    (byte) 0x0c, (byte) 0xad, (byte) 0xcc, (byte) 0xbb, (byte) 0x7f, (byte) 0x0a
  };

  private InitialSecrets() {}

  /** A copy of the QUIC v1 initial salt {@code 38762cf7f55934b34d179ae6a4c80cadccbb7f0a}. */
  public static byte[] initialSaltV1() {
    return INITIAL_SALT_V1.clone();
  }

  /** initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id). */
  public static byte[] initialSecret(byte[] dcid, int off, int len) {
    byte[] cid = Arrays.copyOfRange(dcid, off, off + len);
    return Hkdf.extract(HashAlgorithm.SHA256, INITIAL_SALT_V1, cid);
  }

  /** client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "", 32). */
  public static byte[] clientSecret(byte[] initialSecret) {
    return Hkdf.expandLabel(HashAlgorithm.SHA256, initialSecret, "client in", null, 32);
  }

  /** server_initial_secret = HKDF-Expand-Label(initial_secret, "server in", "", 32). */
  public static byte[] serverSecret(byte[] initialSecret) {
    return Hkdf.expandLabel(HashAlgorithm.SHA256, initialSecret, "server in", null, 32);
  }

  /**
   * Client and server Initial packet protection (AES-128-GCM) for the Destination Connection ID of
   * the client's first Initial packet, {@code dcid[off, off+len)}.
   */
  public static InitialKeys derive(byte[] dcid, int off, int len) {
    return derive(dcid, off, len, AeadFactory.AesImpl.AUTO);
  }

  static InitialKeys derive(byte[] dcid, int off, int len, AeadFactory.AesImpl impl) {
    byte[] initial = initialSecret(dcid, off, len);
    byte[] client = clientSecret(initial);
    byte[] server = serverSecret(initial);
    return new InitialKeys(
        PacketProtection.create(CipherSuite.TLS_AES_128_GCM_SHA256, client, impl),
        PacketProtection.create(CipherSuite.TLS_AES_128_GCM_SHA256, server, impl));
  }
}
