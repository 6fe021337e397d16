package dev.ztna.server.loop;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.DirectBuffer;

/**
 * Test application: sends every received DATAGRAM straight back, and counts events for assertions.
 */
public final class EchoApplication implements Application {
  public final AtomicLong established = new AtomicLong();
  public final AtomicLong datagrams = new AtomicLong();
  public final AtomicLong echoFailures = new AtomicLong();
  public final AtomicLong addressChanges = new AtomicLong();
  public final AtomicLong closed = new AtomicLong();
  public volatile long lastCloseCode = -1;

  @Override
  public void onEstablished(ClientConnection connection) {
    established.incrementAndGet();
  }

  @Override
  public void onDatagram(ClientConnection connection, DirectBuffer data, int offset, int length) {
    datagrams.incrementAndGet();
    if (connection.sendDatagram(data, offset, length) != 0) {
      echoFailures.incrementAndGet();
    }
  }

  @Override
  public void onAddressChanged(ClientConnection connection, InetSocketAddress newPeer) {
    addressChanges.incrementAndGet();
  }

  @Override
  public void onClosed(
      ClientConnection connection,
      long errorCode,
      boolean application,
      boolean byPeer,
      String reason) {
    lastCloseCode = errorCode;
    closed.incrementAndGet();
  }
}
