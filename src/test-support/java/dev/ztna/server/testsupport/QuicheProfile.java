package dev.ztna.server.testsupport;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicTokenHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The ztna-v1 transport profile (ZTNA-V1 §1) on a quiche codec builder (Netty): 1350-byte UDP
 * payloads, the server's default flow-control limits, DATAGRAM on. Shared by the interop tests'
 * clients and servers and by the perf harness, so that every quiche endpoint speaks the same
 * profile. It lives in {@code src/test-support} (a test source directory of the default build and
 * of the {@code perf} profile) so that the perf harness under {@code perf/src} uses no test class.
 */
public final class QuicheProfile {
  /** Never sends Retry, accepts every Initial (Netty's own such handler is package-private). */
  public static final QuicTokenHandler NO_RETRY =
      new QuicTokenHandler() {
        @Override
        public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
          return false;
        }

        @Override
        public int validateToken(ByteBuf token, InetSocketAddress address) {
          return 0;
        }

        @Override
        public int maxTokenLength() {
          return 0;
        }
      };

  private QuicheProfile() {}

  /** Applies the profile with {@code idleTimeoutMs} as max_idle_timeout; returns {@code b}. */
  public static <B extends QuicCodecBuilder<B>> B apply(B b, long idleTimeoutMs) {
    return b.maxIdleTimeout(idleTimeoutMs, TimeUnit.MILLISECONDS)
        .maxSendUdpPayloadSize(1350)
        .maxRecvUdpPayloadSize(1350)
        .initialMaxData(10_000_000)
        .initialMaxStreamDataBidirectionalLocal(1_000_000)
        .initialMaxStreamDataBidirectionalRemote(1_000_000)
        .initialMaxStreamsBidirectional(100)
        .initialMaxStreamsUnidirectional(100)
        .datagram(1000, 1000);
  }
}
