package dev.ztna.server.loop;

import dev.ztna.server.crypto.CipherSuite;
import java.net.InetSocketAddress;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
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

  /** Duty cycles seen through {@link #onDutyCycle}, and the clock of the last one. */
  public final AtomicLong dutyCycles = new AtomicLong();

  public volatile long lastDutyCycleNanos;

  @Override
  public int onDutyCycle(long nowNanos) {
    dutyCycles.incrementAndGet();
    lastDutyCycleNanos = nowNanos;
    return 0;
  }

  /** The negotiated cipher suite of every established connection, in order. */
  public final Queue<CipherSuite> cipherSuites = new ConcurrentLinkedQueue<>();

  /** The verified client identity of every established connection that had one, in order. */
  public final Queue<String> identities = new ConcurrentLinkedQueue<>();

  @Override
  public void onEstablished(ClientConnection connection) {
    if (connection.peerIdentity() != null) {
      identities.add(connection.peerIdentity());
    }
    if (connection instanceof ServerConnection) {
      cipherSuites.add(((ServerConnection) connection).quic().cipherSuite());
    }
    established.incrementAndGet();
  }

  /** The server's DATAGRAM payload limit toward the peer, seen at the last received DATAGRAM. */
  public volatile int maxDatagramPayload = -1;

  @Override
  public void onDatagram(ClientConnection connection, DirectBuffer data, int offset, int length) {
    maxDatagramPayload = connection.maxDatagramPayload();
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
