package dev.ztna.server.tls;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.crypto.CipherSuite;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one TLS 1.3 handshake carried over QUIC (RFC 8446, RFC 9001 §4 and §8): full
 * (EC)DHE handshake with an optional HelloRetryRequest, no PSK/0-RTT, no session tickets, and
 * client authentication (a CertificateRequest, then the client's Certificate and CertificateVerify
 * before its Finished, RFC 8446 §4.3.2, §4.4) when {@link TlsServerConfig#clientAuth()} is set; the
 * checks live in {@link ClientCertificateVerifier}.
 *
 * <p>The connection feeds in-order CRYPTO stream bytes per encryption level to {@link
 * #onCryptoData}; messages may be split across calls or several may arrive in one. Output goes
 * through the {@link TlsListener}. Not thread-safe: one instance per connection, driven by its
 * owner thread.
 */
public final class TlsServerHandshake {
  private static final Logger LOG = LoggerFactory.getLogger(TlsServerHandshake.class);

  /**
   * Returned by {@link #onCryptoData} when {@link TlsListener#onClientTransportParameters} rejected
   * the client's transport parameters: close with TRANSPORT_PARAMETER_ERROR (0x08), not a
   * CRYPTO_ERROR.
   */
  public static final int TRANSPORT_PARAMETER_ERROR = -1;

  static final int CLIENT_HELLO = 1;
  static final int SERVER_HELLO = 2;
  static final int ENCRYPTED_EXTENSIONS = 8;
  static final int CERTIFICATE = 11;
  static final int CERTIFICATE_VERIFY = 15;
  static final int FINISHED = 20;
  static final int MESSAGE_HASH = 254;

  /** Largest ClientHello accepted; anything longer is rejected with decode_error. */
  static final int MAX_CLIENT_HELLO = 65535;

  static final int RSA_PSS_RSAE_SHA256 = 0x0804;
  static final int ECDSA_SECP256R1_SHA256 = 0x0403;
  static final int RSA_PSS_RSAE_SHA384 = 0x0805;
  static final int RSA_PSS_RSAE_SHA512 = 0x0806;

  private static final int EXT_SUPPORTED_VERSIONS = 43;
  private static final int EXT_KEY_SHARE = 51;
  private static final int EXT_ALPN = 16;
  private static final int EXT_QUIC_TRANSPORT_PARAMETERS = 0x39;

  /** Server preference; the client's order is not consulted, only its offer. */
  private static final CipherSuite[] CIPHER_PREFERENCE = {
    CipherSuite.TLS_AES_128_GCM_SHA256,
    CipherSuite.TLS_AES_256_GCM_SHA384,
    CipherSuite.TLS_CHACHA20_POLY1305_SHA256
  };

  private static final int[] GROUP_PREFERENCE = {KeyShare.X25519_GROUP, KeyShare.SECP256R1_GROUP};
  private static final int[] SIGNATURE_PREFERENCE = {
    RSA_PSS_RSAE_SHA256, ECDSA_SECP256R1_SHA256, RSA_PSS_RSAE_SHA384, RSA_PSS_RSAE_SHA512
  };

  /** SHA-256("HelloRetryRequest"), the ServerHello.random of a HelloRetryRequest (§4.1.3). */
  static final byte[] HELLO_RETRY_REQUEST_RANDOM = {
    (byte) 0xCF,
    0x21,
    (byte) 0xAD,
    0x74,
    (byte) 0xE5,
    (byte) 0x9A,
    0x61,
    0x11,
    (byte) 0xBE,
    0x1D,
    (byte) 0x8C,
    0x02,
    0x1E,
    0x65,
    (byte) 0xB8,
    (byte) 0x91,
    (byte) 0xC2,
    (byte) 0xA2,
    0x11,
    0x16,
    0x7A,
    (byte) 0xBB,
    (byte) 0x8C,
    0x5E,
    0x07,
    (byte) 0x9E,
    0x09,
    (byte) 0xE2,
    (byte) 0xC8,
    (byte) 0xA8,
    0x33,
    (byte) 0x9C
  };

  private static final byte[] CERTIFICATE_VERIFY_CONTEXT =
      "TLS 1.3, server CertificateVerify".getBytes(StandardCharsets.US_ASCII);

  private enum State {
    WAIT_CLIENT_HELLO,
    WAIT_SECOND_CLIENT_HELLO,
    WAIT_CLIENT_CERTIFICATE,
    WAIT_CLIENT_CERTIFICATE_VERIFY,
    WAIT_FINISHED,
    COMPLETE,
    FAILED
  }

  private final TlsServerConfig config;
  private final SecureRandom random;
  private final TlsListener listener;
  private final KeyLogSink keyLog;
  private final ByteWriter inbound = new ByteWriter(512);

  private State state = State.WAIT_CLIENT_HELLO;
  private int failure;
  private CipherSuite suite;
  private int group;
  private int signatureScheme;
  private String applicationProtocol;
  private byte[] peerTransportParameters;
  private boolean helloRetryRequestSent;
  private MessageDigest transcript;
  private KeySchedule keys;
  private byte[] serverFinishedTranscriptHash;

  /** Transcript hash the client Finished covers: through server Finished, or client CV. */
  private byte[] clientFinishedTranscriptHash;

  private final ClientCertificateVerifier clientAuth;

  public TlsServerHandshake(TlsServerConfig config, SecureRandom random, TlsListener listener) {
    this(config, random, listener, KeyLogSink.NONE);
  }

  /** As above, reporting every traffic secret to {@code keyLog} (an SSLKEYLOGFILE writer). */
  public TlsServerHandshake(
      TlsServerConfig config, SecureRandom random, TlsListener listener, KeyLogSink keyLog) {
    if (config == null || random == null || listener == null || keyLog == null) {
      throw new IllegalArgumentException("config, random, listener and keyLog are required");
    }
    this.config = config;
    this.random = random;
    this.listener = listener;
    this.keyLog = keyLog;
    this.clientAuth =
        config.clientAuth() == null ? null : new ClientCertificateVerifier(config.clientAuth());
  }

  /**
   * Consumes in-order CRYPTO stream bytes received at {@code level}.
   *
   * @return 0, a TLS alert description ({@code > 0}; close with CRYPTO_ERROR {@code 0x100 +
   *     alert}), or {@link #TRANSPORT_PARAMETER_ERROR}. After a failure every further call returns
   *     the same code.
   */
  public int onCryptoData(EncryptionLevel level, byte[] data, int off, int len) {
    if (state == State.FAILED) {
      return failure;
    }
    if (len <= 0) {
      return 0;
    }
    int result;
    try {
      result = consume(level, data, off, len);
    } catch (RuntimeException e) {
      LOG.warn("TLS handshake internal error", e);
      result = TlsAlert.INTERNAL_ERROR;
    }
    if (result != 0) {
      if (clientAuth != null && clientAuth.failure() != ClientAuthFailure.NONE) {
        LOG.debug(
            "TLS client authentication failed: {} ({})",
            clientAuth.failure().label(),
            clientAuth.detail());
      }
      LOG.debug("TLS handshake failed in state {} at level {}: {}", state, level, result);
      state = State.FAILED;
      failure = result;
      inbound.reset();
    }
    return result;
  }

  private EncryptionLevel expectedLevel() {
    switch (state) {
      case WAIT_CLIENT_HELLO:
      case WAIT_SECOND_CLIENT_HELLO:
        return EncryptionLevel.INITIAL;
      case WAIT_CLIENT_CERTIFICATE:
      case WAIT_CLIENT_CERTIFICATE_VERIFY:
      case WAIT_FINISHED:
        return EncryptionLevel.HANDSHAKE;
      default:
        return null;
    }
  }

  private int consume(EncryptionLevel level, byte[] data, int off, int len) {
    if (level != expectedLevel()) {
      // Includes anything after completion: QUIC forbids KeyUpdate (RFC 9001 §6) and the client
      // sends no other post-handshake message to a server that requests no certificate.
      return TlsAlert.UNEXPECTED_MESSAGE;
    }
    inbound.bytes(data, off, len);
    int p = 0;
    while (true) {
      int avail = inbound.length() - p;
      if (avail < 4) {
        break;
      }
      byte[] b = inbound.array();
      int type = b[p] & 0xff;
      int bodyLen = ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
      int r = checkHeader(type, bodyLen);
      if (r != 0) {
        return r;
      }
      if (avail < 4 + bodyLen) {
        break;
      }
      if (type == FINISHED && p + 4 + bodyLen < inbound.length()) {
        // The client Finished is its last handshake message (no certificate was requested, and
        // QUIC has no KeyUpdate message, RFC 9001 §6): bytes after it at the Handshake level are
        // an unexpected message (RFC 8446 §5.1), refused before the Finished can complete.
        return TlsAlert.UNEXPECTED_MESSAGE;
      }
      byte[] msg = Arrays.copyOfRange(b, p, p + 4 + bodyLen);
      p += 4 + bodyLen;
      r = onMessage(type, msg);
      if (r != 0) {
        return r;
      }
      if (p < inbound.length() && level != expectedLevel()) {
        // More bytes at a level the handshake has moved past.
        return TlsAlert.UNEXPECTED_MESSAGE;
      }
    }
    int rest = inbound.length() - p;
    if (p > 0) {
      byte[] b = inbound.array();
      System.arraycopy(b, p, b, 0, rest);
      inbound.reset();
      inbound.bytes(b, 0, rest);
    }
    return 0;
  }

  private int checkHeader(int type, int bodyLen) {
    switch (state) {
      case WAIT_CLIENT_HELLO:
      case WAIT_SECOND_CLIENT_HELLO:
        if (type != CLIENT_HELLO) {
          return TlsAlert.UNEXPECTED_MESSAGE;
        }
        return bodyLen > MAX_CLIENT_HELLO ? TlsAlert.DECODE_ERROR : 0;
      case WAIT_CLIENT_CERTIFICATE:
        // RFC 8446 §4.4.2: after a CertificateRequest the client's first message is Certificate.
        if (type != CERTIFICATE) {
          return clientAuth.protocolError(TlsAlert.UNEXPECTED_MESSAGE, "Certificate expected");
        }
        return bodyLen > ClientCertificateVerifier.MAX_CERTIFICATE_MESSAGE
            ? clientAuth.protocolError(TlsAlert.DECODE_ERROR, "Certificate too large")
            : 0;
      case WAIT_CLIENT_CERTIFICATE_VERIFY:
        // RFC 8446 §4.4.3: a non-empty Certificate is followed by CertificateVerify.
        if (type != CERTIFICATE_VERIFY) {
          return clientAuth.protocolError(
              TlsAlert.UNEXPECTED_MESSAGE, "CertificateVerify expected");
        }
        return bodyLen > ClientCertificateVerifier.MAX_CERTIFICATE_VERIFY
            ? clientAuth.protocolError(TlsAlert.DECODE_ERROR, "CertificateVerify too large")
            : 0;
      case WAIT_FINISHED:
        // Without a CertificateRequest a client Certificate/CertificateVerify, like
        // EndOfEarlyData (0-RTT was never accepted), is unexpected (RFC 8446 §4.4.2, §4.5); with
        // one, they came already.
        if (type != FINISHED) {
          return TlsAlert.UNEXPECTED_MESSAGE;
        }
        return bodyLen != suite.hash().length() ? TlsAlert.DECODE_ERROR : 0;
      default:
        return TlsAlert.UNEXPECTED_MESSAGE;
    }
  }

  private int onMessage(int type, byte[] msg) {
    switch (type) {
      case CLIENT_HELLO:
        return onClientHello(msg);
      case CERTIFICATE:
        return onClientCertificate(msg);
      case CERTIFICATE_VERIFY:
        return onClientCertificateVerify(msg);
      default:
        return onFinished(msg);
    }
  }

  private int onClientHello(byte[] msg) {
    ClientHello ch = new ClientHello();
    int r = ch.parse(msg);
    if (r != 0) {
      return r;
    }
    r = negotiate(ch);
    if (r != 0) {
      return r;
    }
    int shareIndex = ch.keyShareIndex(group);
    if (shareIndex < 0) {
      return sendHelloRetryRequest(ch, msg);
    }
    byte[] serverTp = listener.onClientTransportParameters(ch.transportParameters.clone());
    if (serverTp == null) {
      return TRANSPORT_PARAMETER_ERROR;
    }
    peerTransportParameters = ch.transportParameters;

    KeyShare share = KeyShare.generate(group, random);
    byte[] shared =
        share.sharedSecret(msg, ch.keyShareOffsets[shareIndex], ch.keyShareLengths[shareIndex]);
    if (shared == null) {
      return TlsAlert.ILLEGAL_PARAMETER;
    }
    if (transcript == null) {
      transcript = suite.hash().newDigest();
    }
    transcript.update(msg);

    byte[] serverRandom = new byte[32];
    random.nextBytes(serverRandom);
    ByteWriter w = new ByteWriter(128);
    writeServerHello(w, serverRandom, ch.sessionId, suite.code(), share.group(), share.publicKey());
    byte[] serverHello = w.toByteArray();
    transcript.update(serverHello);

    keys = new KeySchedule(suite.hash());
    keys.deriveHandshakeSecrets(shared, transcriptHash());
    listener.onHandshakeData(EncryptionLevel.INITIAL, serverHello, 0, serverHello.length);
    keyLog.log(
        KeyLogSink.CLIENT_HANDSHAKE_TRAFFIC_SECRET, ch.random, keys.clientHandshakeTrafficSecret());
    keyLog.log(
        KeyLogSink.SERVER_HANDSHAKE_TRAFFIC_SECRET, ch.random, keys.serverHandshakeTrafficSecret());
    listener.onSecrets(
        EncryptionLevel.HANDSHAKE,
        suite,
        keys.clientHandshakeTrafficSecret().clone(),
        keys.serverHandshakeTrafficSecret().clone());

    ByteWriter flight = new ByteWriter(2048);
    appendEncryptedExtensions(flight, serverTp);
    if (clientAuth != null) {
      // RFC 8446 §4.3.2: CertificateRequest follows EncryptedExtensions and is in the transcript.
      int start = flight.length();
      clientAuth.writeCertificateRequest(flight);
      transcript.update(flight.array(), start, flight.length() - start);
    }
    appendCertificate(flight);
    appendCertificateVerify(flight);
    appendFinished(flight);
    serverFinishedTranscriptHash = transcriptHash();
    // RFC 8446 §7.1: the application secrets use the transcript through the server Finished,
    // whatever client authentication follows.
    keys.deriveApplicationSecrets(serverFinishedTranscriptHash);
    clientFinishedTranscriptHash = serverFinishedTranscriptHash;
    state = clientAuth != null ? State.WAIT_CLIENT_CERTIFICATE : State.WAIT_FINISHED;
    listener.onHandshakeData(EncryptionLevel.HANDSHAKE, flight.array(), 0, flight.length());
    keyLog.log(
        KeyLogSink.CLIENT_TRAFFIC_SECRET_0, ch.random, keys.clientApplicationTrafficSecret());
    keyLog.log(
        KeyLogSink.SERVER_TRAFFIC_SECRET_0, ch.random, keys.serverApplicationTrafficSecret());
    listener.onSecrets(
        EncryptionLevel.APPLICATION,
        suite,
        keys.clientApplicationTrafficSecret().clone(),
        keys.serverApplicationTrafficSecret().clone());
    return 0;
  }

  /**
   * Chooses suite, signature scheme, ALPN and group; checks mandatory extensions (RFC 8446 §9.2).
   */
  private int negotiate(ClientHello ch) {
    if (!ch.hasSupportedVersions || !ch.offersTls13) {
      return TlsAlert.PROTOCOL_VERSION;
    }
    // RFC 9001 §8.2: a ClientHello without quic_transport_parameters fails with missing_extension.
    if (ch.transportParameters == null) {
      return TlsAlert.MISSING_EXTENSION;
    }
    // RFC 8446 §4.2.9: pre_shared_key requires psk_key_exchange_modes.
    if (ch.offersPsk && !ch.hasPskKeyExchangeModes) {
      return TlsAlert.MISSING_EXTENSION;
    }
    // RFC 8446 §9.2: without PSK, signature_algorithms, supported_groups and key_share are
    // required.
    if (!ch.hasSignatureAlgorithms || !ch.hasSupportedGroups || !ch.hasKeyShare) {
      return TlsAlert.MISSING_EXTENSION;
    }
    // RFC 8446 §4.2.8: shares must be for groups listed in supported_groups.
    for (int i = 0; i < ch.keyShareCount; i++) {
      if (!ch.supportsGroup(ch.keyShareGroups[i])) {
        return TlsAlert.ILLEGAL_PARAMETER;
      }
    }
    if (helloRetryRequestSent) {
      // RFC 8446 §4.1.4: the server must negotiate the same suite as in the HelloRetryRequest.
      if (!ch.offersCipherSuite(suite.code())) {
        return TlsAlert.ILLEGAL_PARAMETER;
      }
    } else {
      suite = null;
      for (CipherSuite cs : CIPHER_PREFERENCE) {
        if (ch.offersCipherSuite(cs.code())) {
          suite = cs;
          break;
        }
      }
      if (suite == null) {
        return TlsAlert.HANDSHAKE_FAILURE;
      }
    }
    ServerCredentials credentials = config.credentials();
    signatureScheme = 0;
    for (int scheme : SIGNATURE_PREFERENCE) {
      if (ch.offersSignatureScheme(scheme) && credentials.canSign(scheme)) {
        signatureScheme = scheme;
        break;
      }
    }
    if (signatureScheme == 0) {
      return TlsAlert.HANDSHAKE_FAILURE;
    }
    applicationProtocol = selectAlpn(ch);
    if (applicationProtocol == null) {
      return TlsAlert.NO_APPLICATION_PROTOCOL;
    }
    if (helloRetryRequestSent) {
      // RFC 8446 §4.1.2: the second ClientHello carries exactly the share the HRR asked for.
      if (ch.keyShareCount != 1 || ch.keyShareGroups[0] != group) {
        return TlsAlert.ILLEGAL_PARAMETER;
      }
      return 0;
    }
    for (int g : GROUP_PREFERENCE) {
      if (ch.keyShareIndex(g) >= 0) {
        group = g;
        return 0;
      }
    }
    for (int g : GROUP_PREFERENCE) {
      if (ch.supportsGroup(g)) {
        group = g;
        return 0;
      }
    }
    return TlsAlert.HANDSHAKE_FAILURE;
  }

  private String selectAlpn(ClientHello ch) {
    if (!ch.hasAlpn) {
      return null;
    }
    List<byte[]> ours = config.alpnBytes();
    for (int i = 0; i < ours.size(); i++) {
      byte[] p = ours.get(i);
      for (byte[] offered : ch.alpn) {
        if (Arrays.equals(p, offered)) {
          return config.applicationProtocols().get(i);
        }
      }
    }
    return null;
  }

  /** RFC 8446 §4.1.4: HelloRetryRequest, and the transcript restarts with message_hash. */
  private int sendHelloRetryRequest(ClientHello ch, byte[] firstClientHello) {
    transcript = suite.hash().newDigest();
    byte[] chHash = suite.hash().hash(firstClientHello, 0, firstClientHello.length);
    transcript.update(new byte[] {(byte) MESSAGE_HASH, 0, 0, (byte) chHash.length});
    transcript.update(chHash);
    ByteWriter w = new ByteWriter(64);
    w.u8(SERVER_HELLO);
    int msgLen = w.beginLength(3);
    w.u16(0x0303);
    w.bytes(HELLO_RETRY_REQUEST_RANDOM);
    w.u8(ch.sessionId.length).bytes(ch.sessionId);
    w.u16(suite.code());
    w.u8(0);
    int extLen = w.beginLength(2);
    w.u16(EXT_SUPPORTED_VERSIONS).u16(2).u16(ClientHello.TLS13);
    w.u16(EXT_KEY_SHARE).u16(2).u16(group);
    w.endLength(extLen, 2);
    w.endLength(msgLen, 3);
    byte[] hrr = w.toByteArray();
    transcript.update(hrr);
    helloRetryRequestSent = true;
    state = State.WAIT_SECOND_CLIENT_HELLO;
    listener.onHandshakeData(EncryptionLevel.INITIAL, hrr, 0, hrr.length);
    return 0;
  }

  /**
   * ServerHello (RFC 8446 §4.1.3) with key_share then supported_versions, the order of the RFC 8448
   * traces.
   */
  static void writeServerHello(
      ByteWriter w,
      byte[] serverRandom,
      byte[] sessionId,
      int suiteCode,
      int shareGroup,
      byte[] publicKey) {
    w.u8(SERVER_HELLO);
    int msgLen = w.beginLength(3);
    w.u16(0x0303); // legacy_version
    w.bytes(serverRandom);
    w.u8(sessionId.length).bytes(sessionId); // legacy_session_id_echo
    w.u16(suiteCode);
    w.u8(0); // legacy_compression_method
    int extLen = w.beginLength(2);
    w.u16(EXT_KEY_SHARE);
    int ksLen = w.beginLength(2);
    w.u16(shareGroup).u16(publicKey.length).bytes(publicKey);
    w.endLength(ksLen, 2);
    w.u16(EXT_SUPPORTED_VERSIONS).u16(2).u16(ClientHello.TLS13);
    w.endLength(extLen, 2);
    w.endLength(msgLen, 3);
  }

  private void appendEncryptedExtensions(ByteWriter flight, byte[] serverTp) {
    int start = flight.length();
    flight.u8(ENCRYPTED_EXTENSIONS);
    int msgLen = flight.beginLength(3);
    int extLen = flight.beginLength(2);
    byte[] proto = applicationProtocol.getBytes(StandardCharsets.US_ASCII);
    flight.u16(EXT_ALPN).u16(2 + 1 + proto.length).u16(1 + proto.length);
    flight.u8(proto.length).bytes(proto);
    flight.u16(EXT_QUIC_TRANSPORT_PARAMETERS).u16(serverTp.length).bytes(serverTp);
    flight.endLength(extLen, 2);
    flight.endLength(msgLen, 3);
    transcript.update(flight.array(), start, flight.length() - start);
  }

  private void appendCertificate(ByteWriter flight) {
    int start = flight.length();
    flight.u8(CERTIFICATE);
    int msgLen = flight.beginLength(3);
    flight.u8(0); // certificate_request_context: empty for the server's certificate
    int listLen = flight.beginLength(3);
    for (byte[] der : config.credentials().chainDer()) {
      flight.u24(der.length).bytes(der);
      flight.u16(0); // no per-certificate extensions
    }
    flight.endLength(listLen, 3);
    flight.endLength(msgLen, 3);
    transcript.update(flight.array(), start, flight.length() - start);
  }

  /** RFC 8446 §4.4.3: sign 64 spaces, the context string, a zero byte and the transcript hash. */
  private void appendCertificateVerify(ByteWriter flight) {
    byte[] hash = transcriptHash();
    byte[] content = new byte[64 + CERTIFICATE_VERIFY_CONTEXT.length + 1 + hash.length];
    Arrays.fill(content, 0, 64, (byte) 0x20);
    System.arraycopy(CERTIFICATE_VERIFY_CONTEXT, 0, content, 64, CERTIFICATE_VERIFY_CONTEXT.length);
    content[64 + CERTIFICATE_VERIFY_CONTEXT.length] = 0;
    System.arraycopy(hash, 0, content, content.length - hash.length, hash.length);
    byte[] signature = config.credentials().sign(signatureScheme, content);
    int start = flight.length();
    flight.u8(CERTIFICATE_VERIFY);
    int msgLen = flight.beginLength(3);
    flight.u16(signatureScheme);
    flight.u16(signature.length).bytes(signature);
    flight.endLength(msgLen, 3);
    transcript.update(flight.array(), start, flight.length() - start);
  }

  private void appendFinished(ByteWriter flight) {
    byte[] verifyData =
        keys.finishedVerifyData(keys.serverHandshakeTrafficSecret(), transcriptHash());
    int start = flight.length();
    flight.u8(FINISHED).u24(verifyData.length).bytes(verifyData);
    transcript.update(flight.array(), start, flight.length() - start);
  }

  /** RFC 8446 §4.4.2: the client's certificate chain, checked at once (PKIX, identity). */
  private int onClientCertificate(byte[] msg) {
    int r = clientAuth.onCertificate(msg, Instant.now());
    if (r != 0) {
      return r;
    }
    transcript.update(msg);
    if (clientAuth.isEmpty()) {
      // An empty Certificate (allowed when optional) has no CertificateVerify (§4.4.3).
      clientFinishedTranscriptHash = transcriptHash();
      state = State.WAIT_FINISHED;
    } else {
      state = State.WAIT_CLIENT_CERTIFICATE_VERIFY;
    }
    return 0;
  }

  /** RFC 8446 §4.4.3: the signature over Transcript-Hash(ClientHello .. client Certificate). */
  private int onClientCertificateVerify(byte[] msg) {
    int r = clientAuth.onCertificateVerify(msg, transcriptHash());
    if (r != 0) {
      return r;
    }
    transcript.update(msg);
    clientFinishedTranscriptHash = transcriptHash();
    state = State.WAIT_FINISHED;
    return 0;
  }

  private int onFinished(byte[] msg) {
    byte[] verifyData = Arrays.copyOfRange(msg, 4, msg.length);
    if (!keys.verifyFinished(
        keys.clientHandshakeTrafficSecret(), clientFinishedTranscriptHash, verifyData)) {
      // RFC 8446 §4.4.4: a wrong Finished is a decrypt_error.
      return TlsAlert.DECRYPT_ERROR;
    }
    state = State.COMPLETE;
    listener.onHandshakeComplete();
    return 0;
  }

  private byte[] transcriptHash() {
    try {
      return ((MessageDigest) transcript.clone()).digest();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("message digest not cloneable", e);
    }
  }

  /** The negotiated cipher suite, or {@code null} before the ClientHello was accepted. */
  public CipherSuite cipherSuite() {
    return suite;
  }

  /** The negotiated ALPN protocol, or {@code null}. */
  public String applicationProtocol() {
    return applicationProtocol;
  }

  /** The client's raw quic_transport_parameters extension body, or {@code null} before it. */
  public byte[] peerTransportParameters() {
    return peerTransportParameters == null ? null : peerTransportParameters.clone();
  }

  public boolean isHelloRetryRequestSent() {
    return helloRetryRequestSent;
  }

  /** The key exchange group in use (0x001d x25519, 0x0017 secp256r1), or 0. */
  public int namedGroup() {
    return group;
  }

  /** The CertificateVerify signature scheme, or 0. */
  public int signatureScheme() {
    return signatureScheme;
  }

  /**
   * The client's identity from its verified certificate (first SAN URI, else first SAN DNS name,
   * else subject CN), or {@code null} when no client certificate was requested or verified.
   */
  public String peerIdentity() {
    return state == State.COMPLETE && clientAuth != null ? clientAuth.identity() : null;
  }

  /**
   * Why client authentication failed ({@link ClientAuthFailure#NONE} if it did not, or the
   * handshake failed for another reason).
   */
  public ClientAuthFailure clientAuthFailure() {
    return clientAuth == null ? ClientAuthFailure.NONE : clientAuth.failure();
  }

  /** True once the client's Finished was verified. */
  public boolean isComplete() {
    return state == State.COMPLETE;
  }

  /** True after a failure; {@link #failureCode()} tells which. */
  public boolean isFailed() {
    return state == State.FAILED;
  }

  /** The code returned by the failing {@link #onCryptoData} call, or 0. */
  public int failureCode() {
    return failure;
  }
}
