package dev.ztna.server.e2e;

import dev.ztna.server.interop.KwikClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import tech.kwik.core.ConnectionTerminatedEvent;

/** A Kwik connection that records DATAGRAMs and how the connection ended. */
final class KwikPeer implements Peer {
  private final String name;
  private final KwikClient client;
  private volatile long closeError = -1;
  private volatile boolean terminated;

  private KwikPeer(String name, KwikClient client) {
    this.name = name;
    this.client = client;
  }

  /** Connects (one reconnect allowed, see {@link KwikClient#connectWithReconnects}). */
  static KwikPeer connect(String name, InetSocketAddress server, Duration idleTimeout)
      throws Exception {
    KwikPeer p = new KwikPeer(name, new KwikClient(server, idleTimeout));
    try {
      p.client.connectWithReconnects(Duration.ofSeconds(20));
    } catch (Exception e) {
      p.close();
      throw e;
    }
    p.client.connection().setConnectionListener(p::onTerminated);
    return p;
  }

  static KwikPeer connect(String name, InetSocketAddress server) throws Exception {
    return connect(name, server, Duration.ofSeconds(30));
  }

  private void onTerminated(ConnectionTerminatedEvent e) {
    if (e.hasApplicationError()) {
      closeError = e.applicationErrorCode();
    } else if (e.hasTransportError()) {
      closeError = -2L - e.transportErrorCode();
    }
    terminated = true;
  }

  KwikClient client() {
    return client;
  }

  @Override
  public void send(byte[] payload) {
    client.sendDatagram(payload);
  }

  @Override
  public BlockingQueue<byte[]> datagrams() {
    return client.datagrams();
  }

  @Override
  public int maxDatagram() {
    return client.maxDatagramDataSize();
  }

  @Override
  public InetSocketAddress localAddress() {
    return client.localAddress();
  }

  @Override
  public long closeError() {
    return closeError;
  }

  @Override
  public boolean isClosed() {
    return terminated || !client.isConnected();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void close() {
    client.close();
  }
}
