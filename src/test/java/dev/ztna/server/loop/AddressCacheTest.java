package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * Senders are interned: repeated lookups return the same object and, once every sender was seen,
 * decoding datagrams from interleaving senders allocates nothing; a flood of new senders costs one
 * address each but never more than the table.
 */
class AddressCacheTest {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Test
  void sameSenderSameObject() {
    AddressCache cache = new AddressCache(64);
    InetSocketAddress a = cache.ipv4(0x7f000001, 4433);
    assertEquals(new InetSocketAddress("127.0.0.1", 4433), a);
    assertSame(a, cache.ipv4(0x7f000001, 4433));
    assertNotSame(a, cache.ipv4(0x7f000001, 4434));
    assertSame(a, cache.ipv6(0, 0xffff_7f00_0001L, 4433), "IPv4-mapped is the same sender");
    assertEquals(2, cache.misses());
  }

  @Test
  void rejectsSizesThatAreNotPowersOfTwo() {
    assertThrows(IllegalArgumentException.class, () -> new AddressCache(24));
    assertThrows(IllegalArgumentException.class, () -> new AddressCache(8));
  }

  @Test
  void interleavedSendersDecodeWithoutAllocating() {
    int senders = 1000;
    SockaddrCodec codec = new SockaddrCodec(new AddressCache(1 << 13));
    ByteBuffer names = ByteBuffer.allocateDirect(senders * 32).order(ByteOrder.nativeOrder());
    for (int i = 0; i < senders; i++) {
      int off = i * 32;
      names.putShort(off, (short) SockaddrCodec.AF_INET);
      names.put(off + 2, (byte) ((10_000 + i) >>> 8));
      names.put(off + 3, (byte) (10_000 + i));
      names.putInt(off + 4, Integer.reverseBytes(0x0a000000 + i)); // 10.0.x.y, network order
      if (ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN) {
        names.putInt(off + 4, 0x0a000000 + i);
      }
    }
    InetSocketAddress[] first = new InetSocketAddress[senders];
    for (int i = 0; i < senders; i++) {
      first[i] = codec.decode(names, i * 32, 16);
    }
    long best = Long.MAX_VALUE;
    int mismatches = 0;
    for (int attempt = 0; attempt < 3 && best != 0; attempt++) {
      long start = THREADS.getCurrentThreadAllocatedBytes();
      for (int round = 0; round < 100; round++) {
        for (int i = 0; i < senders; i++) {
          if (codec.decode(names, i * 32, 16) != first[i]) {
            mismatches++;
          }
        }
      }
      best = Math.min(best, THREADS.getCurrentThreadAllocatedBytes() - start);
    }
    assertEquals(0, mismatches, "every sender decoded to its first object");
    assertEquals(0, best, "bytes allocated over 100,000 decodes from 1000 interleaved senders");
  }

  @Test
  void aFloodOfNewSendersEvictsTheLeastRecentlyUsed() {
    AddressCache cache = new AddressCache(256);
    InetSocketAddress kept = cache.ipv4(0x0a000001, 1);
    // A sender that keeps talking survives a flood of one-off sources: it is never the least
    // recently used of its probe window for long.
    for (int i = 0; i < 100_000; i++) {
      cache.ipv4(0xc0000000 + i, 2);
      if (i % 4 == 0) {
        assertSame(kept, cache.ipv4(0x0a000001, 1), "evicted after " + i);
      }
    }
    assertEquals(100_001, cache.misses());
  }

  @Test
  void liveSendersFillingAQuarterOfTheTableAllStay() {
    AddressCache cache = new AddressCache(1 << 12);
    InetSocketAddress[] first = new InetSocketAddress[1 << 10]; // a quarter full
    for (int i = 0; i < first.length; i++) {
      first[i] = cache.ipv6(0x2001_0db8_0000_0000L, i * 7919L, 443);
    }
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < first.length; i++) {
        assertSame(first[i], cache.ipv6(0x2001_0db8_0000_0000L, i * 7919L, 443));
      }
    }
    assertEquals(first.length, cache.misses());
  }
}
