package dev.ztna.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials.KeyType;
import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.crypto.CipherSuite;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tech.kwik.agent15.ProtectionKeysType;
import tech.kwik.agent15.TlsConstants;
import tech.kwik.agent15.TlsConstants.NamedGroup;
import tech.kwik.agent15.TlsConstants.SignatureScheme;
import tech.kwik.agent15.engine.ClientMessageSender;
import tech.kwik.agent15.engine.TlsClientEngine;
import tech.kwik.agent15.engine.TlsClientEngineFactory;
import tech.kwik.agent15.engine.TlsMessageParser;
import tech.kwik.agent15.extension.ApplicationLayerProtocolNegotiationExtension;
import tech.kwik.agent15.extension.Extension;
import tech.kwik.agent15.extension.UnknownExtension;
import tech.kwik.agent15.handshake.CertificateMessage;
import tech.kwik.agent15.handshake.CertificateVerifyMessage;
import tech.kwik.agent15.handshake.ClientHello;
import tech.kwik.agent15.handshake.FinishedMessage;

/**
 * A real TLS 1.3 client (Kwik's agent15 engine) against {@link TlsServerHandshake}, in memory: the
 * handshake messages are passed per encryption level between the two, as QUIC CRYPTO frames would
 * carry them.
 */
class Agent15HandshakeTest {

  /** The quic_transport_parameters extension as agent15 writes it in the ClientHello. */
  static final class QuicTpExtension extends Extension {
    private final byte[] body;

    QuicTpExtension(byte[] body) {
      this.body = body;
    }

    @Override
    public byte[] getBytes() {
      ByteBuffer b = ByteBuffer.allocate(4 + body.length);
      b.putShort((short) 0x39);
      b.putShort((short) body.length);
      b.put(body);
      return b.array();
    }
  }

  static final X509TrustManager TRUST_ALL =
      new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      };

  /** Client-to-server handshake bytes in order, each tagged with its level. */
  static final class Pipe implements ClientMessageSender {
    final Deque<Object[]> toServer = new ArrayDeque<>();

    @Override
    public void send(ClientHello ch) {
      toServer.add(new Object[] {EncryptionLevel.INITIAL, ch.getBytes()});
    }

    @Override
    public void send(FinishedMessage f) {
      toServer.add(new Object[] {EncryptionLevel.HANDSHAKE, f.getBytes()});
    }

    @Override
    public void send(CertificateMessage c) {
      toServer.add(new Object[] {EncryptionLevel.HANDSHAKE, c.getBytes()});
    }

    @Override
    public void send(CertificateVerifyMessage cv) {
      toServer.add(new Object[] {EncryptionLevel.HANDSHAKE, cv.getBytes()});
    }
  }

  static Stream<Arguments> combinations() {
    List<Arguments> out = new ArrayList<>();
    for (TlsConstants.CipherSuite cs :
        new TlsConstants.CipherSuite[] {
          TlsConstants.CipherSuite.TLS_AES_128_GCM_SHA256,
          TlsConstants.CipherSuite.TLS_AES_256_GCM_SHA384,
          TlsConstants.CipherSuite.TLS_CHACHA20_POLY1305_SHA256
        }) {
      for (NamedGroup g : new NamedGroup[] {NamedGroup.x25519, NamedGroup.secp256r1}) {
        for (KeyType k : KeyType.values()) {
          out.add(Arguments.of(cs, g, k));
        }
      }
    }
    return out.stream();
  }

  private static ProtectionKeysType keysFor(EncryptionLevel level) {
    switch (level) {
      case INITIAL:
        return ProtectionKeysType.None;
      case HANDSHAKE:
        return ProtectionKeysType.Handshake;
      default:
        return ProtectionKeysType.Application;
    }
  }

  /** One in-memory handshake between agent15 and the server. */
  static final class Run {
    final Pipe pipe = new Pipe();
    final Agent15ClientStatus status = new Agent15ClientStatus();
    final TlsClientEngine client;
    final TlsServerHandshake server;
    final RecordingListener listener;
    int serverResult;

    Run(
        TlsConstants.CipherSuite cs,
        NamedGroup group,
        KeyType key,
        byte[] clientTp,
        RecordingListener listener)
        throws Exception {
      this.listener = listener;
      client = TlsClientEngineFactory.createClientEngine(pipe, status);
      client.setServerName("localhost");
      client.addSupportedCiphers(List.of(cs));
      client.add(new ApplicationLayerProtocolNegotiationExtension("ztna-v1"));
      client.add(new QuicTpExtension(clientTp));
      client.setTrustManager(TRUST_ALL);
      client.setHostnameVerifier((host, cert) -> true);
      server =
          new TlsServerHandshake(
              new TlsServerConfig(TestCredentials.of(key)), TestRandom.seeded(1), listener);
      client.startHandshake(
          group,
          List.of(SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.ecdsa_secp256r1_sha256));
      TlsMessageParser parser = new TlsMessageParser();
      for (int round = 0; round < 10 && !(server.isComplete() && status.isFinished()); round++) {
        while (!pipe.toServer.isEmpty()) {
          Object[] m = pipe.toServer.poll();
          byte[] bytes = (byte[]) m[1];
          serverResult = server.onCryptoData((EncryptionLevel) m[0], bytes, 0, bytes.length);
          if (serverResult != 0) {
            return;
          }
        }
        for (EncryptionLevel level : EncryptionLevel.values()) {
          ByteBuffer buf = ByteBuffer.wrap(listener.take(level));
          while (buf.hasRemaining()) {
            parser.parseAndProcessHandshakeMessage(buf, client, keysFor(level));
          }
        }
      }
    }

    /** The server's quic_transport_parameters body as the client received it, or null. */
    byte[] serverTransportParameters() {
      for (Extension e : status.serverExtensions()) {
        if (e instanceof UnknownExtension && ((UnknownExtension) e).getType() == 0x39) {
          // agent15 keeps the 4-byte extension header in getData().
          byte[] whole = ((UnknownExtension) e).getData();
          return java.util.Arrays.copyOfRange(whole, 4, whole.length);
        }
      }
      return null;
    }
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("combinations")
  void agent15ClientCompletesHandshake(TlsConstants.CipherSuite cs, NamedGroup group, KeyType key)
      throws Exception {
    RecordingListener listener = new RecordingListener();
    Run run = new Run(cs, group, key, ClientHelloBuilder.CLIENT_TP, listener);
    assertEquals(0, run.serverResult, "server alert");
    TlsClientEngine client = run.client;
    TlsServerHandshake server = run.server;
    Agent15ClientStatus status = run.status;

    assertTrue(status.isFinished(), "client finished");
    assertTrue(server.isComplete(), "server complete");
    assertEquals(1, listener.completeCount);
    assertFalse(server.isHelloRetryRequestSent());
    assertEquals(cs, client.getSelectedCipher());
    assertEquals(cs.value, server.cipherSuite().code());
    assertEquals(CipherSuite.fromCode(cs.value), listener.suite);
    assertEquals(group.value, server.namedGroup());
    assertEquals("ztna-v1", server.applicationProtocol());
    assertArrayEquals(ClientHelloBuilder.CLIENT_TP, server.peerTransportParameters());
    assertArrayEquals(ClientHelloBuilder.CLIENT_TP, listener.clientTp);
    assertEquals(
        key == KeyType.RSA
            ? TlsServerHandshake.RSA_PSS_RSAE_SHA256
            : TlsServerHandshake.ECDSA_SECP256R1_SHA256,
        server.signatureScheme());

    byte[][] hs = listener.secrets.get(EncryptionLevel.HANDSHAKE);
    byte[][] ap = listener.secrets.get(EncryptionLevel.APPLICATION);
    assertNotNull(hs);
    assertNotNull(ap);
    assertArrayEquals(client.getClientHandshakeTrafficSecret(), hs[0]);
    assertArrayEquals(client.getServerHandshakeTrafficSecret(), hs[1]);
    assertArrayEquals(client.getClientApplicationTrafficSecret(), ap[0]);
    assertArrayEquals(client.getServerApplicationTrafficSecret(), ap[1]);
    assertEquals(CipherSuite.fromCode(cs.value).hash().length(), ap[0].length);
    assertNull(listener.secrets.get(EncryptionLevel.INITIAL));

    // The server's transport parameters and ALPN reached the client.
    byte[] serverTp = null;
    String alpn = null;
    for (Extension e : status.serverExtensions()) {
      if (e instanceof UnknownExtension && ((UnknownExtension) e).getType() == 0x39) {
        // agent15 keeps the 4-byte extension header in getData().
        byte[] whole = ((UnknownExtension) e).getData();
        serverTp = java.util.Arrays.copyOfRange(whole, 4, whole.length);
      }
      if (e instanceof ApplicationLayerProtocolNegotiationExtension) {
        alpn = ((ApplicationLayerProtocolNegotiationExtension) e).getProtocols().get(0);
      }
    }
    assertArrayEquals(RecordingListener.SERVER_TP, serverTp);
    assertEquals("ztna-v1", alpn);
    assertEquals(
        TestCredentials.of(key).certificateChain().get(0),
        client.getServerCertificateChain().get(0));
  }
}
