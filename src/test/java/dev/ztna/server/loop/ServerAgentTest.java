package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.crypto.RetryIntegrity;
import dev.ztna.server.loop.ServerCounters.Counter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServerAgentTest {
  private static final long SEED = 0x5eed_2026L;
  private final Random random = new Random(SEED);
  private AgentHarness h;

  @BeforeEach
  void setUp() throws IOException {
    System.out.println("ServerAgentTest seed " + SEED);
    h = new AgentHarness(ServerConfig.RetryMode.ALWAYS);
  }

  @AfterEach
  void tearDown() throws IOException {
    h.close();
  }

  private byte[] dcid() {
    return TestPackets.randomBytes(random, 8);
  }

  @Test
  void theApplicationSeesEveryDutyCycleWithTheLoopClock() {
    long before = System.nanoTime();
    h.agent.doWork();
    h.agent.doWork();
    assertEquals(2, h.application.dutyCycles.get());
    long seen = h.application.lastDutyCycleNanos;
    assertTrue(seen - before >= 0 && System.nanoTime() - seen >= 0, "the loop's nanoTime");
  }

  @Test
  void unknownVersionGetsVersionNegotiationListingV1() throws IOException {
    byte[] dcid = TestPackets.randomBytes(random, 12);
    byte[] scid = TestPackets.randomBytes(random, 5);
    h.sendAndPump(TestPackets.longHeader(0x0a0a0a0a, 0xc0, dcid, scid, new byte[0], 1200, random));
    byte[] vn = h.receive();
    assertNotNull(vn, "no Version Negotiation");
    assertEquals(0x80, vn[0] & 0x80);
    ByteBuffer b = ByteBuffer.wrap(vn);
    b.get();
    assertEquals(0, b.getInt(), "VN version field");
    byte[] gotDcid = new byte[b.get()];
    b.get(gotDcid);
    byte[] gotScid = new byte[b.get()];
    b.get(gotScid);
    assertArrayEquals(scid, gotDcid, "VN DCID = client SCID");
    assertArrayEquals(dcid, gotScid, "VN SCID = client DCID");
    Set<Integer> versions = new HashSet<>();
    while (b.remaining() >= 4) {
      versions.add(b.getInt());
    }
    assertEquals(0, b.remaining());
    assertTrue(versions.contains(1), "v1 offered");
    assertEquals(1, h.counters.get(Counter.VERSION_NEGOTIATION_SENT));
  }

  @Test
  void unknownVersionUnder1200BytesIsNeverAnswered() throws IOException {
    h.sendAndPump(
        TestPackets.longHeader(0x0a0a0a0a, 0xc0, dcid(), dcid(), new byte[0], 1199, random));
    assertNull(h.pollNoWait(h.client));
    assertEquals(1, h.counters.get(Counter.DROP_UNKNOWN_VERSION_TOO_SMALL));
    assertEquals(0, h.counters.get(Counter.DATAGRAMS_SENT));
  }

  @Test
  void initialWithoutTokenGetsValidRetryAndTheTokenIsAccepted() throws IOException {
    byte[] odcid = dcid();
    byte[] scid = TestPackets.randomBytes(random, 7);
    h.sendAndPump(TestPackets.initial(odcid, scid, new byte[0], 1200, random));
    byte[] packet = h.receive();
    assertNotNull(packet, "no Retry");
    AgentHarness.Retry retry = new AgentHarness.Retry(packet);
    assertEquals(0xf0, retry.firstByte & 0xf0, "Retry type bits");
    assertEquals(1, retry.version);
    assertArrayEquals(scid, retry.dcid, "Retry DCID = client SCID");
    assertEquals(8, retry.scid.length);
    assertTrue(retry.token.length > 0);
    assertTrue(
        new RetryIntegrity().verify(odcid, 0, odcid.length, packet, 0, packet.length),
        "Retry integrity tag (RFC 9001 §5.8)");
    assertEquals(1, h.counters.get(Counter.RETRY_SENT));

    h.sendAndPump(TestPackets.initial(retry.scid, scid, retry.token, 1250, random));
    assertEquals(1, h.counters.get(Counter.TOKEN_VALID));
    assertEquals(1, h.counters.get(Counter.RETRY_SENT), "no second Retry for a valid token");
  }

  @Test
  void initialInSmallDatagramIsDropped() throws IOException {
    h.sendAndPump(TestPackets.initial(dcid(), dcid(), new byte[0], 1199, random));
    assertNull(h.pollNoWait(h.client));
    assertEquals(1, h.counters.get(Counter.DROP_INITIAL_TOO_SMALL));
    assertEquals(0, h.counters.get(Counter.DATAGRAMS_SENT));
  }

  @Test
  void initialForAnExistingConnectionInASmallDatagramIsDropped() throws IOException {
    byte[] odcid = dcid();
    byte[] scid = TestPackets.randomBytes(random, 7);
    h.sendAndPump(TestPackets.initial(odcid, scid, new byte[0], 1200, random));
    AgentHarness.Retry retry = new AgentHarness.Retry(h.receive());
    h.sendAndPump(TestPackets.initial(retry.scid, scid, retry.token, 1250, random));
    assertEquals(1, h.counters.get(Counter.CONNECTIONS_ACCEPTED));
    // RFC 9000 §14.1: the size rule holds for every Initial, not only a connection's first.
    h.sendAndPump(TestPackets.initial(retry.scid, scid, retry.token, 600, random));
    assertEquals(1, h.counters.get(Counter.DROP_INITIAL_TOO_SMALL_FOR_CONNECTION));
    h.sendAndPump(TestPackets.initial(retry.scid, scid, retry.token, 1200, random));
    assertEquals(1, h.counters.get(Counter.DROP_INITIAL_TOO_SMALL_FOR_CONNECTION));
    assertEquals(1, h.counters.get(Counter.CONNECTIONS_ACCEPTED));
  }

  @Test
  void tokenIsValidOnlyWithTheRetrysSourceCidAsDcid() throws IOException {
    // RFC 9000 §8.1.4: the token is bound to the Retry that carried it, whose SCID the client
    // must use as its new DCID (§17.2.5.2); any other DCID with the same token is refused.
    byte[] scid = TestPackets.randomBytes(random, 7);
    h.sendAndPump(TestPackets.initial(dcid(), scid, new byte[0], 1200, random));
    AgentHarness.Retry retry = new AgentHarness.Retry(h.receive());
    byte[] otherDcid = retry.scid.clone();
    otherDcid[0] ^= 1;
    h.sendAndPump(TestPackets.initial(otherDcid, scid, retry.token, 1200, random));
    assertEquals(1, h.counters.get(Counter.DROP_TOKEN_INVALID));
    assertEquals(0, h.counters.get(Counter.CONNECTIONS_ACCEPTED));
    h.sendAndPump(TestPackets.initial(retry.scid, scid, retry.token, 1200, random));
    assertEquals(1, h.counters.get(Counter.TOKEN_VALID));
    assertEquals(1, h.counters.get(Counter.CONNECTIONS_ACCEPTED));
  }

  @Test
  void firstInitialWithShortDcidIsDropped() throws IOException {
    h.sendAndPump(TestPackets.initial(new byte[7], dcid(), new byte[0], 1200, random));
    assertNull(h.pollNoWait(h.client));
    assertEquals(1, h.counters.get(Counter.DROP_INITIAL_DCID_TOO_SHORT));
  }

  private AgentHarness.Retry retryFor(byte[] odcid, byte[] scid) throws IOException {
    h.sendAndPump(TestPackets.initial(odcid, scid, new byte[0], 1200, random));
    byte[] p = h.receive();
    assertNotNull(p);
    return new AgentHarness.Retry(p);
  }

  @Test
  void tokenFromAnotherPortIsRefused() throws IOException {
    byte[] scid = dcid();
    AgentHarness.Retry retry = retryFor(dcid(), scid);
    try (DatagramChannel other = AgentHarness.openClient()) {
      h.sendAndPump(other, TestPackets.initial(retry.scid, scid, retry.token, 1200, random));
      assertNull(h.pollNoWait(other));
    }
    assertEquals(1, h.counters.get(Counter.DROP_TOKEN_INVALID));
    assertEquals(0, h.counters.get(Counter.TOKEN_VALID));
  }

  @Test
  void expiredTokenIsRefused() throws IOException {
    byte[] scid = dcid();
    AgentHarness.Retry retry = retryFor(dcid(), scid);
    h.clock.advance(10_001);
    h.sendAndPump(TestPackets.initial(retry.scid, scid, retry.token, 1200, random));
    assertEquals(1, h.counters.get(Counter.DROP_TOKEN_EXPIRED));
    assertEquals(0, h.counters.get(Counter.TOKEN_VALID));
  }

  @Test
  void foreignTokenIsDroppedAsMalformed() throws IOException {
    h.sendAndPump(TestPackets.initial(dcid(), dcid(), new byte[] {9, 9, 9}, 1200, random));
    assertEquals(1, h.counters.get(Counter.DROP_TOKEN_MALFORMED));
    assertNull(h.pollNoWait(h.client));
  }

  @Test
  void shortHeaderForUnknownConnectionGetsSmallerStatelessReset() throws IOException {
    byte[] p = TestPackets.randomBytes(random, 60);
    p[0] = 0x41;
    h.sendAndPump(p);
    assertEquals(1, h.counters.get(Counter.STATELESS_RESET_SENT));
    byte[] reset = h.receive();
    assertNotNull(reset, "stateless reset");
    assertTrue(
        reset.length >= 21 && reset.length < p.length, "RFC 9000 §10.3 size " + reset.length);
    assertEquals(0x40, reset[0] & 0xc0, "looks like a short header");
    byte[] expected = new byte[16];
    h.resetTokens().token(p, 1, 8, expected, 0);
    assertArrayEquals(
        expected, java.util.Arrays.copyOfRange(reset, reset.length - 16, reset.length));
  }

  @Test
  void statelessResetPaddingAndUnusedBitsAreUnpredictableAcrossServers() throws IOException {
    // RFC 9000 §10.3: the padding of a reset must not be predictable. It used to come from an
    // xorshift with a fixed seed, so two fresh servers sent byte-identical padding for the same
    // packet; now it is an AES keystream keyed from SecureRandom at start.
    byte[] p = TestPackets.randomBytes(random, 60);
    p[0] = 0x41;
    byte[] vnProbe =
        TestPackets.longHeader(0x0a0a0a0a, 0xc0, dcid(), dcid(), new byte[0], 1200, random);
    h.sendAndPump(p);
    byte[] first = h.receive();
    h.sendAndPump(vnProbe);
    byte[] vn1 = h.receive();
    try (AgentHarness other = new AgentHarness(ServerConfig.RetryMode.ALWAYS)) {
      other.sendAndPump(p);
      byte[] second = other.receive();
      other.sendAndPump(vnProbe);
      byte[] vn2 = other.receive();
      assertNotNull(first);
      assertNotNull(second);
      int n = first.length - 16;
      assertEquals(second.length, first.length);
      assertTrue(
          !java.util.Arrays.equals(
              java.util.Arrays.copyOfRange(first, 1, n),
              java.util.Arrays.copyOfRange(second, 1, n)),
          "two servers sent the same reset padding");
      // The VN first byte's 7 unused bits: equal by chance 1/128 per pair, so compare several.
      int differ = (vn1[0] ^ vn2[0]) & 0x7f;
      for (int i = 0; i < 8 && differ == 0; i++) {
        h.sendAndPump(vnProbe);
        other.sendAndPump(vnProbe);
        differ = (h.receive()[0] ^ other.receive()[0]) & 0x7f;
      }
      assertTrue(differ != 0, "VN unused bits identical across servers");
    }
    // The same server pads two resets differently.
    h.sendAndPump(p);
    byte[] again = h.receive();
    assertTrue(
        !java.util.Arrays.equals(
            java.util.Arrays.copyOfRange(first, 1, first.length - 16),
            java.util.Arrays.copyOfRange(again, 1, again.length - 16)));
  }

  @Test
  void tinyShortHeaderNeverDrawsAReset() throws IOException {
    byte[] p = TestPackets.randomBytes(random, 21);
    p[0] = 0x41;
    h.sendAndPump(p);
    assertEquals(1, h.counters.get(Counter.DROP_STATELESS_RESET_TOO_SMALL));
    assertEquals(0, h.counters.get(Counter.DATAGRAMS_SENT));
  }

  @Test
  void retryNeverModeSendsNoRetryAndAcceptsTheInitial() throws IOException {
    try (AgentHarness never = new AgentHarness(ServerConfig.RetryMode.NEVER)) {
      never.sendAndPump(TestPackets.initial(dcid(), dcid(), new byte[0], 1200, random));
      assertEquals(0, never.counters.get(Counter.RETRY_SENT));
      assertEquals(1, never.counters.get(Counter.CONNECTIONS_ACCEPTED));
    }
  }

  @Test
  void garbageFloodedServerStillAnswersEveryRetry() throws IOException {
    int valid = 0;
    for (int i = 0; i < 3000; i++) {
      if (i % 30 == 0) {
        h.sendAndPump(TestPackets.initial(dcid(), dcid(), new byte[0], 1200, random));
        byte[] reply;
        do {
          reply = h.receive();
          assertNotNull(reply, "Retry for valid Initial #" + valid);
        } while ((reply[0] & 0xf0) != 0xf0); // skip Version Negotiations drawn by earlier garbage
        valid++;
      } else {
        byte[] garbage = TestPackets.randomBytes(random, 1 + random.nextInt(1500));
        if (random.nextBoolean()) {
          garbage[0] = (byte) (garbage[0] | 0xc0); // long-header-looking garbage
        }
        h.sendAndPump(garbage);
      }
    }
    assertEquals(valid, h.counters.get(Counter.RETRY_SENT));
    assertEquals(3000, h.counters.get(Counter.DATAGRAMS_RECEIVED));
  }
}
