package dev.ztna.server.conn;

import java.util.List;
import java.util.Random;
import tech.kwik.agent15.TlsConstants;
import tech.kwik.agent15.TlsConstants.NamedGroup;

/**
 * A public face of the in-memory {@link TestClient} for tests outside this package (the loop's
 * admission tests): hand-built, fully protected client packets with a real TLS 1.3 ClientHello
 * (Kwik's agent15 engine), driven over real sockets by the test.
 */
public final class HandshakeClient {
  private final TestClient client;

  /** A client with a random 8-byte SCID and original DCID drawn from {@code random}. */
  public HandshakeClient(Random random) {
    client =
        new TestClient(
            random,
            TlsConstants.CipherSuite.TLS_AES_128_GCM_SHA256,
            "ztna-v1",
            8,
            null,
            NamedGroup.x25519);
  }

  /** The datagrams the client wants to send now (its first flight: one padded Initial). */
  public List<byte[]> flush() {
    return client.flush();
  }

  /** Processes one datagram from the server. */
  public void receive(byte[] datagram) {
    client.receive(datagram);
  }

  /** After a Retry whose SCID is {@code retryScid}: switch keys and resend the ClientHello. */
  public void onRetry(byte[] retryScid, byte[] token) {
    client.onRetry(retryScid);
    client.retryToken = token.clone();
    client.retransmitCrypto();
  }

  /** Re-queues the CRYPTO data sent so far (emulates the client's PTO after a lost flight). */
  public void retransmit() {
    client.retransmitCrypto();
  }

  /** Queues a DATAGRAM frame for the next 1-RTT packet. */
  public void queueDatagram(byte[] payload) {
    client.queueDatagram(payload);
  }

  public boolean handshakeComplete() {
    return client.isHandshakeComplete();
  }

  public boolean closeReceived() {
    return client.closeReceived;
  }

  public long closeCode() {
    return client.closeCode;
  }

  public boolean closeApplication() {
    return client.closeApplication;
  }

  /** DATAGRAM payloads received so far. */
  public List<byte[]> datagramsReceived() {
    return client.datagramsReceived;
  }

  /** The client's Source Connection ID. */
  public byte[] scid() {
    return client.scid.clone();
  }
}
