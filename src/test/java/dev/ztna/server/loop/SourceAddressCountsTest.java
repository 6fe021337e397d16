package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Source keys: IPv4 by address, IPv6 by /64, the two families never collide. */
class SourceAddressCountsTest {
  private static long key(String ip) {
    PeerAddress p = new PeerAddress();
    p.update(new InetSocketAddress(ip, 1234));
    return SourceAddressCounts.key(p);
  }

  @Test
  void ipv6IsAggregatedBySlash64() {
    assertEquals(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    assertNotEquals(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
  }

  @Test
  void ipv4ByAddressAndMappedIpv4IsIpv4() {
    assertNotEquals(key("192.0.2.1"), key("192.0.2.2"));
    assertEquals(key("192.0.2.1"), key("::ffff:192.0.2.1"));
    assertNotEquals(key("192.0.2.1"), key("::c000:201"));
  }

  @Test
  void countsGoBackToNothing() {
    SourceAddressCounts c = new SourceAddressCounts();
    long k = key("198.51.100.9");
    c.increment(k);
    c.increment(k);
    assertEquals(2, c.get(k));
    c.decrement(k);
    c.decrement(k);
    assertEquals(0, c.get(k));
    assertEquals(0, c.size());
  }
}
