package dev.ztna.server.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.loop.ZtnaServer;
import dev.ztna.server.relay.RelayApplication;
import dev.ztna.server.relay.RelayCounters;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Listening on several addresses, IPv4 and IPv6: QAD reports IPv6 peers with the 19-byte {@code
 * 0x02} form and IPv4 peers of a dual-stack socket (IPv4-mapped) with the 7-byte {@code 0x01} form
 * (ZTNA-V1 §2, §3).
 */
class DualStackTest {
  private static final InetSocketAddress V4_ANY = new InetSocketAddress("127.0.0.1", 0);
  private static final InetSocketAddress V6_LOOPBACK = new InetSocketAddress("::1", 0);

  private static byte[] expectedQad(InetSocketAddress local) {
    byte[] ip = local.getAddress().getAddress();
    ByteBuffer b = ByteBuffer.allocate(1 + ip.length + 2);
    b.put((byte) (ip.length == 4 ? 0x01 : 0x02)).put(ip).putShort((short) local.getPort());
    return b.array();
  }

  private static void assertQad(InetSocketAddress server, InetSocketAddress bind) throws Exception {
    try (QuicheClient client = new QuicheClient(30_000, bind)) {
      QuicheConnection conn = client.handshake(server, Duration.ofSeconds(30));
      byte[] qad = conn.datagrams().poll(30, TimeUnit.SECONDS);
      assertNotNull(qad, "OBSERVED_ADDRESS from " + server);
      assertArrayEquals(expectedQad(client.localAddress()), qad, "QAD for " + bind);
      conn.close();
    }
  }

  @Test
  void ipv4AndIpv6ListenersEachReportTheirOwnFamily() throws Exception {
    try (ZtnaServer server =
        ServerFixture.start(
            new RelayApplication(new RelayCounters()),
            TestCredentials.ec(),
            b -> b.listen(List.of(V4_ANY, V6_LOOPBACK)))) {
      assertEquals(2, server.localAddresses().size());
      assertQad(server.localAddresses().get(0), V4_ANY);
      assertQad(server.localAddresses().get(1), V6_LOOPBACK);
    }
  }

  @Test
  void dualStackSocketReportsIpv4MappedPeersAsIpv4() throws Exception {
    try (ZtnaServer server =
        ServerFixture.start(
            new RelayApplication(new RelayCounters()),
            TestCredentials.ec(),
            b -> b.listen(List.of(new InetSocketAddress("::", 0))))) {
      int port = server.localAddresses().get(0).getPort();
      assertQad(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), V4_ANY);
      assertQad(new InetSocketAddress(InetAddress.getByName("::1"), port), V6_LOOPBACK);
    }
  }
}
