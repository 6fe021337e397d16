package dev.ztna.server.relay;

import dev.ztna.server.loop.Application;
import dev.ztna.server.loop.ClientConnection;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link ClientConnection} for unit tests: records sent datagrams (copies, or only the last one
 * in a preallocated buffer when {@link #record} is off, so that sending allocates nothing) and
 * closes; its payload limit, send result, closing flag and identity are settable.
 */
final class FakeConnection implements ClientConnection {
  private static long nextId = 1;

  final long id = nextId++;
  InetSocketAddress peer;
  int maxDatagramPayload = 1200;
  int sendResult = SEND_QUEUED;
  boolean closing;

  /** What {@link #peerIdentity()} returns (null: not authenticated). */
  String identity;

  /** Keep a copy of every sent datagram in {@link #sent}; off for allocation tests. */
  boolean record = true;

  final List<byte[]> sent = new ArrayList<>();
  final UnsafeBuffer last = new UnsafeBuffer(new byte[65536]);
  int lastLength;
  long sentCount;
  long sentBytes;

  long closeCode = -1;
  String closeReason;
  int closeCount;

  /** When set, {@link #close} reports the close to this application at once (re-entrantly). */
  Application closeListener;

  private Object attachment;

  FakeConnection(InetSocketAddress peer) {
    this.peer = peer;
  }

  FakeConnection() {
    this(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 40000));
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public String peerIdentity() {
    return identity;
  }

  @Override
  public InetSocketAddress peerAddress() {
    return peer;
  }

  @Override
  public int sendDatagram(DirectBuffer data, int offset, int length) {
    if (sendResult < 0) {
      return sendResult;
    }
    data.getBytes(offset, last, 0, length);
    lastLength = length;
    sentCount++;
    sentBytes += length;
    if (record) {
      byte[] copy = new byte[length];
      data.getBytes(offset, copy);
      sent.add(copy);
    }
    return SEND_QUEUED;
  }

  @Override
  public int maxDatagramPayload() {
    return maxDatagramPayload;
  }

  @Override
  public void close(long applicationErrorCode, String reason) {
    closeCount++;
    if (closing) {
      return;
    }
    closing = true;
    closeCode = applicationErrorCode;
    closeReason = reason;
    if (closeListener != null) {
      closeListener.onClosed(this, applicationErrorCode, true, false, reason);
    }
  }

  @Override
  public boolean isClosing() {
    return closing;
  }

  @Override
  public Object attachment() {
    return attachment;
  }

  @Override
  public void attachment(Object value) {
    attachment = value;
  }

  /** Takes and clears the recorded datagrams. */
  List<byte[]> drain() {
    List<byte[]> copy = new ArrayList<>(sent);
    sent.clear();
    return copy;
  }

  @Override
  public String toString() {
    return "fake#" + id;
  }
}
