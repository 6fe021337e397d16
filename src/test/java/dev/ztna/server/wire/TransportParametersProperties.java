package dev.ztna.server.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class TransportParametersProperties {

  private static long anyVarint(Random rnd) {
    switch (rnd.nextInt(4)) {
      case 0:
        return rnd.nextInt(64);
      case 1:
        return rnd.nextInt(16384);
      case 2:
        return rnd.nextInt(1 << 30);
      default:
        return rnd.nextLong() & VarInt.MAX;
    }
  }

  private static void randomCid(Random rnd, byte[] dst) {
    rnd.nextBytes(dst);
  }

  /** Fills p with random valid values; server-only parameters only when !fromClient. */
  static void randomize(TransportParameters p, Random rnd, boolean fromClient) {
    p.reset();
    if (!fromClient && rnd.nextBoolean()) {
      randomCid(rnd, p.originalDestinationConnectionId);
      p.originalDestinationConnectionIdLength = rnd.nextInt(21);
    }
    if (rnd.nextBoolean()) {
      p.maxIdleTimeout = anyVarint(rnd);
    }
    if (!fromClient && rnd.nextBoolean()) {
      rnd.nextBytes(p.statelessResetToken);
      p.hasStatelessResetToken = true;
    }
    if (rnd.nextBoolean()) {
      p.maxUdpPayloadSize = 1200L + rnd.nextInt(65527 - 1200 + 1);
    }
    if (rnd.nextBoolean()) {
      p.initialMaxData = anyVarint(rnd);
    }
    if (rnd.nextBoolean()) {
      p.initialMaxStreamDataBidiLocal = anyVarint(rnd);
    }
    if (rnd.nextBoolean()) {
      p.initialMaxStreamDataBidiRemote = anyVarint(rnd);
    }
    if (rnd.nextBoolean()) {
      p.initialMaxStreamDataUni = anyVarint(rnd);
    }
    if (rnd.nextBoolean()) {
      p.initialMaxStreamsBidi = anyVarint(rnd) % ((1L << 60) + 1);
    }
    if (rnd.nextBoolean()) {
      p.initialMaxStreamsUni = anyVarint(rnd) % ((1L << 60) + 1);
    }
    if (rnd.nextBoolean()) {
      p.ackDelayExponent = rnd.nextInt(21);
    }
    if (rnd.nextBoolean()) {
      p.maxAckDelay = rnd.nextInt(1 << 14);
    }
    p.disableActiveMigration = rnd.nextBoolean();
    if (!fromClient && rnd.nextBoolean()) {
      p.hasPreferredAddress = true;
      rnd.nextBytes(p.preferredAddressIpv4);
      p.preferredAddressIpv4Port = rnd.nextInt(65536);
      rnd.nextBytes(p.preferredAddressIpv6);
      p.preferredAddressIpv6Port = rnd.nextInt(65536);
      randomCid(rnd, p.preferredAddressConnectionId);
      p.preferredAddressConnectionIdLength = 1 + rnd.nextInt(20);
      rnd.nextBytes(p.preferredAddressResetToken);
    }
    if (rnd.nextBoolean()) {
      p.activeConnectionIdLimit = 2 + (anyVarint(rnd) % (VarInt.MAX - 2));
    }
    if (rnd.nextInt(4) != 0) {
      randomCid(rnd, p.initialSourceConnectionId);
      p.initialSourceConnectionIdLength = rnd.nextInt(21);
    }
    if (!fromClient && rnd.nextBoolean()) {
      randomCid(rnd, p.retrySourceConnectionId);
      p.retrySourceConnectionIdLength = rnd.nextInt(21);
    }
    if (rnd.nextBoolean()) {
      p.maxDatagramFrameSize = anyVarint(rnd);
    }
    if (rnd.nextBoolean()) {
      p.addressDiscovery = rnd.nextInt(3);
    }
  }

  @Property
  void roundTrip(@ForAll Random rnd, @ForAll boolean fromClient) {
    TransportParameters p = new TransportParameters();
    randomize(p, rnd, fromClient);
    UnsafeBuffer b = new UnsafeBuffer(new byte[1024]);
    int n = p.encode(b, 0);
    assertEquals(p.encodedLength(), n);
    UnsafeBuffer in = new UnsafeBuffer(Arrays.copyOf(b.byteArray(), n));
    TransportParameters q = new TransportParameters();
    q.maxIdleTimeout = 99; // stale state must be reset by decode
    assertEquals(TransportParameters.OK, q.decode(in, 0, n, fromClient), q.errorReason());
    assertNull(q.errorReason());
    assertTrue(p.contentEquals(q));
    assertTrue(q.contentEquals(p));
    TransportParameters c = new TransportParameters();
    c.copyFrom(q);
    assertTrue(c.contentEquals(p));

    // Truncation: cutting inside a parameter is rejected; cutting at a boundary is a valid prefix.
    boolean[] boundary = new boolean[n + 1];
    int pos = 0;
    boundary[0] = true;
    while (pos < n) {
      pos += VarInt.lengthFromFirstByte(in.getByte(pos));
      long len = VarInt.get(in, pos, n);
      pos += VarInt.lengthFromFirstByte(in.getByte(pos)) + (int) len;
      boundary[pos] = true;
    }
    for (int cut = 0; cut < n; cut++) {
      UnsafeBuffer t = new UnsafeBuffer(Arrays.copyOf(b.byteArray(), cut));
      int rc = q.decode(t, 0, cut, fromClient);
      if (boundary[cut]) {
        assertEquals(TransportParameters.OK, rc);
      } else {
        assertEquals(TransportParameters.ERR_TRUNCATED, rc, "cut " + cut);
        assertNotNull(q.errorReason());
      }
    }
  }

  @Test
  void defaultsWhenAbsent() {
    TransportParameters p = new TransportParameters();
    p.maxIdleTimeout = 7;
    p.addressDiscovery = 2;
    assertEquals(TransportParameters.OK, p.decode(new UnsafeBuffer(new byte[0]), 0, 0, true));
    assertEquals(0, p.maxIdleTimeout);
    assertEquals(65527, p.maxUdpPayloadSize);
    assertEquals(3, p.ackDelayExponent);
    assertEquals(25, p.maxAckDelay);
    assertEquals(2, p.activeConnectionIdLimit);
    assertEquals(0, p.maxDatagramFrameSize);
    assertFalse(p.supportsDatagrams());
    assertEquals(-1, p.addressDiscovery);
    assertEquals(-1, p.initialSourceConnectionIdLength);
    assertEquals(-1, p.originalDestinationConnectionIdLength);
    assertEquals(-1, p.retrySourceConnectionIdLength);
    assertFalse(p.hasPreferredAddress);
    assertFalse(p.hasStatelessResetToken);
    assertEquals(0, p.encode(new UnsafeBuffer(new byte[0]), 0));
  }

  private static int put(UnsafeBuffer b, int pos, long id, byte[] value) {
    int p = pos;
    p += VarInt.put(b, p, id);
    p += VarInt.put(b, p, value.length);
    b.putBytes(p, value);
    return p + value.length - pos;
  }

  private static int putVar(UnsafeBuffer b, int pos, long id, long value) {
    int p = pos;
    p += VarInt.put(b, p, id);
    p += VarInt.put(b, p, VarInt.sizeOf(value));
    p += VarInt.put(b, p, value);
    return p - pos;
  }

  private static int decode(TransportParameters p, UnsafeBuffer b, int n, boolean fromClient) {
    return p.decode(new UnsafeBuffer(Arrays.copyOf(b.byteArray(), n)), 0, n, fromClient);
  }

  private static void expectVar(long id, long value, int expected) {
    UnsafeBuffer b = new UnsafeBuffer(new byte[64]);
    int n = putVar(b, 0, id, value);
    TransportParameters p = new TransportParameters();
    assertEquals(expected, decode(p, b, n, true), "id " + id + " value " + value);
  }

  @Test
  void invalidValues() {
    int bad = TransportParameters.ERR_INVALID_VALUE;
    expectVar(TransportParameters.ID_MAX_UDP_PAYLOAD_SIZE, 1199, bad);
    expectVar(TransportParameters.ID_MAX_UDP_PAYLOAD_SIZE, 1200, 0);
    expectVar(TransportParameters.ID_ACK_DELAY_EXPONENT, 21, bad);
    expectVar(TransportParameters.ID_ACK_DELAY_EXPONENT, 20, 0);
    expectVar(TransportParameters.ID_MAX_ACK_DELAY, 1 << 14, bad);
    expectVar(TransportParameters.ID_MAX_ACK_DELAY, (1 << 14) - 1, 0);
    expectVar(TransportParameters.ID_ACTIVE_CONNECTION_ID_LIMIT, 1, bad);
    expectVar(TransportParameters.ID_ACTIVE_CONNECTION_ID_LIMIT, 2, 0);
    expectVar(TransportParameters.ID_INITIAL_MAX_STREAMS_BIDI, (1L << 60) + 1, bad);
    expectVar(TransportParameters.ID_INITIAL_MAX_STREAMS_UNI, (1L << 60) + 1, bad);
    expectVar(TransportParameters.ID_INITIAL_MAX_STREAMS_UNI, 1L << 60, 0);
    expectVar(TransportParameters.ID_ADDRESS_DISCOVERY, 3, bad);
    expectVar(TransportParameters.ID_ADDRESS_DISCOVERY, 2, 0);

    UnsafeBuffer b = new UnsafeBuffer(new byte[128]);
    TransportParameters p = new TransportParameters();
    // CID too long
    int n = put(b, 0, TransportParameters.ID_INITIAL_SOURCE_CONNECTION_ID, new byte[21]);
    assertEquals(bad, decode(p, b, n, true));
    n = put(b, 0, TransportParameters.ID_ORIGINAL_DESTINATION_CONNECTION_ID, new byte[21]);
    assertEquals(bad, decode(p, b, n, false));
    n = put(b, 0, TransportParameters.ID_RETRY_SOURCE_CONNECTION_ID, new byte[21]);
    assertEquals(bad, decode(p, b, n, false));
    // reset token length
    n = put(b, 0, TransportParameters.ID_STATELESS_RESET_TOKEN, new byte[15]);
    assertEquals(TransportParameters.ERR_LENGTH_MISMATCH, decode(p, b, n, false));
    n = put(b, 0, TransportParameters.ID_STATELESS_RESET_TOKEN, new byte[16]);
    assertEquals(0, decode(p, b, n, false));
    // disable_active_migration with content
    n = put(b, 0, TransportParameters.ID_DISABLE_ACTIVE_MIGRATION, new byte[1]);
    assertEquals(TransportParameters.ERR_LENGTH_MISMATCH, decode(p, b, n, true));
  }

  @Test
  void lengthDisagreeingWithVarint() {
    UnsafeBuffer b = new UnsafeBuffer(new byte[64]);
    TransportParameters p = new TransportParameters();
    // max_idle_timeout with length 2 but a 1-byte varint value followed by an extra byte
    int n = put(b, 0, TransportParameters.ID_MAX_IDLE_TIMEOUT, new byte[] {0x05, 0x00});
    assertEquals(TransportParameters.ERR_LENGTH_MISMATCH, decode(p, b, n, true));
    // length 1 but a 2-byte varint
    n = put(b, 0, TransportParameters.ID_MAX_IDLE_TIMEOUT, new byte[] {0x40});
    assertEquals(TransportParameters.ERR_LENGTH_MISMATCH, decode(p, b, n, true));
    // length 0
    n = put(b, 0, TransportParameters.ID_INITIAL_MAX_DATA, new byte[0]);
    assertEquals(TransportParameters.ERR_LENGTH_MISMATCH, decode(p, b, n, true));
    // non-minimal but self-consistent varint is fine (0x4025 = 37)
    n = put(b, 0, TransportParameters.ID_INITIAL_MAX_DATA, new byte[] {0x40, 0x25});
    assertEquals(0, decode(p, b, n, true));
    assertEquals(37, p.initialMaxData);
  }

  @Test
  void duplicatesRejectedUnknownAndGreaseSkipped() {
    UnsafeBuffer b = new UnsafeBuffer(new byte[128]);
    TransportParameters p = new TransportParameters();
    int n = putVar(b, 0, TransportParameters.ID_INITIAL_MAX_DATA, 5);
    n += putVar(b, n, TransportParameters.ID_INITIAL_MAX_DATA, 5);
    assertEquals(TransportParameters.ERR_DUPLICATE, decode(p, b, n, true));
    assertEquals("duplicate transport parameter", p.errorReason());
    n = putVar(b, 0, TransportParameters.ID_ADDRESS_DISCOVERY, 1);
    n += putVar(b, n, TransportParameters.ID_ADDRESS_DISCOVERY, 1);
    assertEquals(TransportParameters.ERR_DUPLICATE, decode(p, b, n, true));
    // GREASE 31*N+27 and unknown ids (even repeated, with garbage) are skipped
    n = put(b, 0, 27, new byte[] {1, 2, 3});
    n += put(b, n, 31L * 1000 + 27, new byte[0]);
    n += put(b, n, 0x4000, new byte[] {(byte) 0xff});
    n += put(b, n, 0x4000, new byte[] {(byte) 0xff});
    n += putVar(b, n, TransportParameters.ID_MAX_DATAGRAM_FRAME_SIZE, 65535);
    n += put(b, n, TransportParameters.ID_INITIAL_SOURCE_CONNECTION_ID, new byte[] {9, 8});
    assertEquals(0, decode(p, b, n, true));
    assertEquals(65535, p.maxDatagramFrameSize);
    assertTrue(p.supportsDatagrams());
    assertEquals(2, p.initialSourceConnectionIdLength);
    assertEquals(9, p.initialSourceConnectionId[0]);
    assertTrue(TransportParameters.isReservedId(27));
    assertTrue(TransportParameters.isReservedId(31 * 7 + 27));
    assertFalse(TransportParameters.isReservedId(28));
  }

  @Test
  void serverOnlyParametersFromClientRejected() {
    UnsafeBuffer b = new UnsafeBuffer(new byte[128]);
    TransportParameters p = new TransportParameters();
    long[] ids = {
      TransportParameters.ID_ORIGINAL_DESTINATION_CONNECTION_ID,
      TransportParameters.ID_STATELESS_RESET_TOKEN,
      TransportParameters.ID_RETRY_SOURCE_CONNECTION_ID,
    };
    for (long id : ids) {
      int n = put(b, 0, id, new byte[16]);
      assertEquals(TransportParameters.ERR_SERVER_ONLY, decode(p, b, n, true));
      assertEquals(0, decode(p, b, n, false));
    }
    TransportParameters s = new TransportParameters();
    s.hasPreferredAddress = true;
    s.preferredAddressConnectionIdLength = 8;
    int n = s.encode(b, 0);
    assertEquals(TransportParameters.ERR_SERVER_ONLY, decode(p, b, n, true));
    assertEquals(0, decode(p, b, n, false));
    assertTrue(p.hasPreferredAddress);
  }

  @Test
  void badPreferredAddress() {
    UnsafeBuffer b = new UnsafeBuffer(new byte[128]);
    TransportParameters p = new TransportParameters();
    byte[] v = new byte[4 + 2 + 16 + 2 + 1 + 8 + 16];
    v[24] = 8;
    int n = put(b, 0, TransportParameters.ID_PREFERRED_ADDRESS, v);
    assertEquals(0, decode(p, b, n, false));
    v[24] = 0; // zero-length CID
    n = put(b, 0, TransportParameters.ID_PREFERRED_ADDRESS, Arrays.copyOf(v, 41));
    assertEquals(TransportParameters.ERR_INVALID_VALUE, decode(p, b, n, false));
    v[24] = 9; // CID length disagrees with the parameter length
    n = put(b, 0, TransportParameters.ID_PREFERRED_ADDRESS, v);
    assertEquals(TransportParameters.ERR_LENGTH_MISMATCH, decode(p, b, n, false));
    v[24] = 21;
    n = put(b, 0, TransportParameters.ID_PREFERRED_ADDRESS, v);
    assertEquals(TransportParameters.ERR_INVALID_VALUE, decode(p, b, n, false));
    n = put(b, 0, TransportParameters.ID_PREFERRED_ADDRESS, new byte[40]);
    assertEquals(TransportParameters.ERR_LENGTH_MISMATCH, decode(p, b, n, false));
  }

  @Test
  void setters() {
    TransportParameters p = new TransportParameters();
    UnsafeBuffer src =
        new UnsafeBuffer(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
    p.setOriginalDestinationConnectionId(src, 1, 4);
    p.setInitialSourceConnectionId(src, 0, 0);
    p.setRetrySourceConnectionId(src, 2, 8);
    p.setStatelessResetToken(src, 0);
    UnsafeBuffer b = new UnsafeBuffer(new byte[128]);
    int n = p.encode(b, 0);
    TransportParameters q = new TransportParameters();
    assertEquals(0, decode(q, b, n, false));
    assertEquals(0, q.initialSourceConnectionIdLength);
    assertArrayEquals(new byte[] {2, 3, 4, 5}, Arrays.copyOf(q.originalDestinationConnectionId, 4));
    assertTrue(p.contentEquals(q));
  }

  @Property(tries = 3000)
  void randomBytesNeverThrow(@ForAll @Size(max = 120) byte[] data, @ForAll boolean fromClient) {
    TransportParameters p = new TransportParameters();
    int rc = p.decode(new UnsafeBuffer(data), 0, data.length, fromClient);
    assertTrue(rc <= 0);
    if (rc < 0) {
      assertNotNull(p.errorReason());
    }
  }

  /** Random mutations of a valid encoding never throw. */
  @Property
  void mutatedEncodingsNeverThrow(@ForAll Random rnd) {
    TransportParameters p = new TransportParameters();
    randomize(p, rnd, false);
    UnsafeBuffer b = new UnsafeBuffer(new byte[1024]);
    int n = p.encode(b, 0);
    if (n == 0) {
      return;
    }
    byte[] bytes = Arrays.copyOf(b.byteArray(), n);
    for (int i = 0; i < 1 + rnd.nextInt(4); i++) {
      bytes[rnd.nextInt(n)] = (byte) rnd.nextInt(256);
    }
    int rc = new TransportParameters().decode(new UnsafeBuffer(bytes), 0, n, rnd.nextBoolean());
    assertTrue(rc <= 0);
  }
}
