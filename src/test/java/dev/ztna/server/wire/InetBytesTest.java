package dev.ztna.server.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class InetBytesTest {
  private static byte[] raw(String literal) throws Exception {
    // InetAddress.getByName folds ::ffff:a.b.c.d to an Inet4Address: build the mapped form by hand.
    return InetAddress.getByName(literal).getAddress();
  }

  private static byte[] mapped(int a, int b, int c, int d) {
    byte[] m = new byte[16];
    m[10] = (byte) 0xff;
    m[11] = (byte) 0xff;
    m[12] = (byte) a;
    m[13] = (byte) b;
    m[14] = (byte) c;
    m[15] = (byte) d;
    return m;
  }

  @Test
  void mappedAddressIsItsIpv4Address() {
    byte[] out = new byte[16];
    assertTrue(InetBytes.isIpv4Mapped(mapped(192, 0, 2, 7)));
    assertEquals(4, InetBytes.copyUnmapped(mapped(192, 0, 2, 7), out));
    assertArrayEquals(new byte[] {(byte) 192, 0, 2, 7}, Arrays.copyOf(out, 4));
  }

  @Test
  void plainIpv4AndIpv6AreCopiedAsTheyAre() throws Exception {
    byte[] out = new byte[16];
    assertFalse(InetBytes.isIpv4Mapped(raw("198.51.100.1")));
    assertEquals(4, InetBytes.copyUnmapped(raw("198.51.100.1"), out));
    assertArrayEquals(raw("198.51.100.1"), Arrays.copyOf(out, 4));
    byte[] v6 = raw("2001:db8::ffff:c000:207");
    assertFalse(InetBytes.isIpv4Mapped(v6));
    assertEquals(16, InetBytes.copyUnmapped(v6, out));
    assertArrayEquals(v6, out);
  }

  @Test
  void almostMappedIsIpv6() {
    byte[] m = mapped(10, 0, 0, 1);
    m[9] = 1; // not ::ffff:0:0/96
    assertFalse(InetBytes.isIpv4Mapped(m));
    byte[] compat = mapped(10, 0, 0, 1);
    compat[11] = 0; // ::ffff -> ::00ff, not the mapped prefix
    assertFalse(InetBytes.isIpv4Mapped(compat));
  }
}
