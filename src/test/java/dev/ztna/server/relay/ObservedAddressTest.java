package dev.ztna.server.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ztna.server.relay.RelayCounters.Counter;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class ObservedAddressTest {
  private static final byte[] V4 = {(byte) 203, 0, 113, 7};
  private static final byte[] MAPPED = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 198, 51, 100, 1
  };
  private static final byte[] V6 = {
    0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
  };

  private static byte[] encode(InetSocketAddress address) {
    UnsafeBuffer out = new UnsafeBuffer(new byte[ObservedAddress.MAX_LENGTH + 4]);
    int n = ObservedAddress.encode(address, out, 2);
    byte[] bytes = new byte[n];
    out.getBytes(2, bytes);
    return bytes;
  }

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  @Test
  void ipv4IsSevenBytes() throws UnknownHostException {
    InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(V4), 4433);
    assertArrayEquals(bytes(0x01, 203, 0, 113, 7, 0x11, 0x51), encode(a));
  }

  @Test
  void ipv4MappedIpv6IsReportedAsIpv4() throws UnknownHostException {
    // Inet6Address.getByAddress keeps the mapped form (InetAddress.getByAddress would convert it).
    InetAddress mapped = Inet6Address.getByAddress(null, MAPPED, -1);
    assertInstanceOf(Inet6Address.class, mapped);
    byte[] expected = bytes(0x01, 198, 51, 100, 1, 0xc3, 0x50);
    assertArrayEquals(expected, encode(new InetSocketAddress(mapped, 50000)));
    InetSocketAddress converted = new InetSocketAddress(InetAddress.getByAddress(MAPPED), 50000);
    assertArrayEquals(expected, encode(converted));
  }

  @Test
  void ipv6IsNineteenBytes() throws UnknownHostException {
    InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(V6), 65535);
    byte[] expected = new byte[19];
    expected[0] = 0x02;
    System.arraycopy(V6, 0, expected, 1, 16);
    expected[17] = (byte) 0xff;
    expected[18] = (byte) 0xff;
    assertArrayEquals(expected, encode(a));
  }

  @Test
  void portZeroAndHighPorts() throws UnknownHostException {
    InetAddress v4 = InetAddress.getByAddress(V4);
    assertArrayEquals(bytes(0x01, 203, 0, 113, 7, 0, 0), encode(new InetSocketAddress(v4, 0)));
    assertArrayEquals(
        bytes(0x01, 203, 0, 113, 7, 0x80, 0x01), encode(new InetSocketAddress(v4, 32769)));
  }

  @Test
  void unresolvedIsRejected() {
    UnsafeBuffer out = new UnsafeBuffer(new byte[ObservedAddress.MAX_LENGTH]);
    assertEquals(
        ObservedAddress.ERR_UNRESOLVED,
        ObservedAddress.encode(InetSocketAddress.createUnresolved("example.org", 1), out, 0));
  }

  @Test
  void sentOnEstablishedAndAgainOnEveryAddressChange() throws UnknownHostException {
    RelayApplication app = new RelayApplication(new RelayCounters());
    FakeConnection c =
        new FakeConnection(new InetSocketAddress(InetAddress.getByAddress(V4), 4433));
    app.onEstablished(c);
    InetSocketAddress mapped =
        new InetSocketAddress(Inet6Address.getByAddress(null, MAPPED, -1), 1024);
    c.peer = mapped;
    app.onAddressChanged(c, mapped);
    InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByAddress(V6), 443);
    c.peer = v6;
    app.onAddressChanged(c, v6);
    List<byte[]> sent = c.drain();
    assertEquals(3, sent.size());
    assertArrayEquals(bytes(0x01, 203, 0, 113, 7, 0x11, 0x51), sent.get(0));
    assertArrayEquals(bytes(0x01, 198, 51, 100, 1, 0x04, 0x00), sent.get(1));
    assertEquals(0x02, sent.get(2)[0]);
    assertArrayEquals(V6, Arrays.copyOfRange(sent.get(2), 1, 17));
    assertEquals(3, app.counters().get(Counter.QAD_SENT));
    assertEquals(2, app.counters().get(Counter.ADDRESS_CHANGES));
  }

  @Test
  void refusedSendIsCounted() throws UnknownHostException {
    RelayApplication app = new RelayApplication(new RelayCounters());
    FakeConnection c =
        new FakeConnection(new InetSocketAddress(InetAddress.getByAddress(V4), 4433));
    c.sendResult = -3;
    app.onEstablished(c);
    assertEquals(0, app.counters().get(Counter.QAD_SENT));
    assertEquals(1, app.counters().get(Counter.QAD_SEND_FAILED));
  }
}
