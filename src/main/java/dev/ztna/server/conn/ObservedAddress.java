package dev.ztna.server.conn;

import dev.ztna.server.wire.FrameWriter;
import dev.ztna.server.wire.InetBytes;
import java.net.InetSocketAddress;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The OBSERVED_ADDRESS frames of draft-ietf-quic-address-discovery: when the peer asked for them,
 * the server tells it the address it sees, with increasing sequence numbers, at handshake
 * completion and on every validated path change; a lost frame is resent with the newest
 * observation. Storage for the address is created with the first observation.
 */
final class ObservedAddress {
  /** Transport parameter value: we provide observations only. */
  static final long PROVIDE_ONLY = 0;

  /** Transport parameter value: the peer receives observations only. */
  static final long RECEIVE_ONLY = 1;

  /** Transport parameter value: both. */
  static final long BOTH = 2;

  private boolean wanted;
  private boolean pending;
  private long sequence = -1;
  private byte[] ip;
  private UnsafeBuffer ipView;
  private int ipLength;
  private int port;

  /** Whether the peer's address_discovery parameter asks for observations. */
  static boolean peerWants(long parameter) {
    return parameter == RECEIVE_ONLY || parameter == BOTH;
  }

  void setWanted(boolean wanted) {
    this.wanted = wanted;
  }

  /** True when the peer negotiated address discovery. */
  boolean wanted() {
    return wanted;
  }

  /**
   * Records a new observation of the peer's address and schedules a frame for it (rare: handshake
   * completion and validated path changes; extracting the address bytes allocates).
   */
  void observe(InetSocketAddress address) {
    if (!wanted || address == null || address.getAddress() == null) {
      return;
    }
    if (ip == null) {
      ip = new byte[16];
      ipView = new UnsafeBuffer(ip);
    }
    byte[] raw = address.getAddress().getAddress();
    ipLength = InetBytes.copyUnmapped(raw, ip);
    port = address.getPort();
    sequence++;
    pending = true;
  }

  boolean isPending() {
    return pending;
  }

  /** The frame carrying the newest observation was lost: send it again. */
  void onLost() {
    pending = true;
  }

  /**
   * Writes the pending frame if it fits in {@code out[pos, limit)}.
   *
   * @return bytes written (0 if none)
   */
  int write(MutableDirectBuffer out, int pos, int limit) {
    if (!pending || limit - pos <= 4 + 8 + 16 + 2) {
      return 0;
    }
    pending = false;
    return FrameWriter.writeObservedAddress(out, pos, sequence, ipView, 0, ipLength, port);
  }
}
