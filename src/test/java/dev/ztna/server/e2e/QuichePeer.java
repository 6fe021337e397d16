package dev.ztna.server.e2e;

import dev.ztna.server.interop.QuicheClient;
import dev.ztna.server.interop.QuicheConnection;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A quiche (Netty QUIC) connection that records DATAGRAMs and the peer's CONNECTION_CLOSE (a {@link
 * QuicheConnection}, whose collector does both), named for the test's messages. Either owns its
 * {@link QuicheClient} (one UDP socket + event loop) or shares one.
 */
final class QuichePeer implements Peer {
  private final String name;
  private final QuicheClient client;
  private final boolean ownsClient;
  private final QuicheConnection conn;
  private final Future<QuicChannel> future;

  private QuichePeer(
      String name, QuicheClient client, boolean ownsClient, InetSocketAddress server) {
    this.name = name;
    this.client = client;
    this.ownsClient = ownsClient;
    this.conn = client.open(server);
    this.future = conn.future();
  }

  /** A connection on its own client (own UDP port), handshake started, not awaited. */
  static QuichePeer start(String name, InetSocketAddress server, long idleTimeoutMs)
      throws InterruptedException {
    return new QuichePeer(name, new QuicheClient(idleTimeoutMs), true, server);
  }

  /**
   * Opens on its own client presenting {@code ssl}'s client certificate (mutual TLS) and waits for
   * the handshake.
   */
  static QuichePeer connect(String name, InetSocketAddress server, QuicSslContext ssl)
      throws Exception {
    QuichePeer p =
        new QuichePeer(
            name,
            new QuicheClient(30_000, new InetSocketAddress("127.0.0.1", 0), ssl),
            true,
            server);
    try {
      p.await(E2e.DEADLINE);
    } catch (Exception e) {
      p.close();
      throw e;
    }
    return p;
  }

  /** A connection on a shared client (shared UDP port), handshake started, not awaited. */
  static QuichePeer startOn(String name, QuicheClient shared, InetSocketAddress server) {
    return new QuichePeer(name, shared, false, server);
  }

  /** Opens on its own client and waits for the handshake. */
  static QuichePeer connect(String name, InetSocketAddress server) throws Exception {
    QuichePeer p = start(name, server, 30_000);
    try {
      p.await(E2e.DEADLINE);
    } catch (Exception e) {
      p.close();
      throw e;
    }
    return p;
  }

  QuichePeer await(Duration timeout)
      throws InterruptedException, TimeoutException, ExecutionException {
    if (!future.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException(name + ": quiche handshake not done after " + timeout);
    }
    if (!future.isSuccess()) {
      throw new ExecutionException(name + ": quiche connect failed", future.cause());
    }
    return this;
  }

  boolean isConnected() {
    return future.isSuccess();
  }

  QuicChannel channel() {
    return future.getNow();
  }

  QuicheClient client() {
    return client;
  }

  @Override
  public void send(byte[] payload) {
    conn.sendDatagram(payload);
  }

  @Override
  public BlockingQueue<byte[]> datagrams() {
    return conn.datagrams();
  }

  @Override
  public int maxDatagram() {
    return conn.maxDatagramLength();
  }

  @Override
  public InetSocketAddress localAddress() {
    return client.localAddress();
  }

  @Override
  public long closeError() {
    return conn.closeError();
  }

  @Override
  public boolean isClosed() {
    return conn.isClosed();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void close() {
    conn.close();
    if (ownsClient) {
      client.close();
    }
  }
}
