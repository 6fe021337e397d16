package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.ztna.server.loop.ServerCounters.Counter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The jqwik fuzz harness of the whole receive path: random datagrams and mutations of valid ones
 * (Initials with and without tokens, unknown versions, short headers, coalesced packets) go
 * straight into {@link ServerAgent#onDatagram}. Nothing may throw out of the loop, and after every
 * input the server must still answer a valid Initial with a Retry (its state is not corrupted).
 *
 * <p>The default test run uses jqwik's default number of tries; {@code mvn -Pfuzz test} runs
 * 1,000,000 per property (override with {@code -Dfuzz.tries=N}). jqwik prints each property's seed;
 * rerun a failure with {@code @Property(seed = "...")}.
 */
class ReceivePathFuzz {
  private static AgentHarness harness;
  private static InetSocketAddress clientAddress;
  private static byte[][] corpus;
  private static long inputs;

  @BeforeContainer
  static void start() throws IOException {
    // The server's own randomness (Retry secret, CIDs, reset key, handshake randoms, unused bits)
    // follows from this seed, printed; jqwik prints the seed of the inputs. What stays outside
    // is the loopback port the kernel picks (Retry tokens bind it) and the monotonic clock.
    long seed = Long.getLong("fuzz.server.seed", System.nanoTime());
    System.out.println("ReceivePathFuzz server seed=" + seed + " (-Dfuzz.server.seed)");
    harness = new AgentHarness(ServerConfig.RetryMode.ALWAYS, seed);
    clientAddress = (InetSocketAddress) harness.client.getLocalAddress();
    Random r = new Random(7);
    byte[] scid = TestPackets.randomBytes(r, 8);
    harness.sendAndPump(
        TestPackets.initial(TestPackets.randomBytes(r, 8), scid, new byte[0], 1200, r));
    AgentHarness.Retry retry = new AgentHarness.Retry(harness.receive());
    byte[] shortHeader = TestPackets.randomBytes(r, 80);
    shortHeader[0] = 0x43;
    byte[] first = TestPackets.initial(retry.scid, scid, retry.token, 600, r);
    byte[] second =
        TestPackets.longHeader(1, 0xe1, retry.scid, scid, new byte[0], 700, r); // Handshake
    byte[] coalesced = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, coalesced, first.length, second.length);
    corpus =
        new byte[][] {
          TestPackets.initial(TestPackets.randomBytes(r, 8), scid, new byte[0], 1200, r),
          TestPackets.initial(retry.scid, scid, retry.token, 1300, r),
          TestPackets.longHeader(
              0x1a2a3a4a, 0xc0, new byte[20], new byte[20], new byte[0], 1200, r),
          TestPackets.longHeader(0, 0x80, new byte[8], new byte[8], new byte[0], 1200, r),
          shortHeader,
          coalesced,
        };
  }

  @AfterContainer
  static void stop() throws IOException {
    System.out.println("ReceivePathFuzz: " + inputs + " inputs; counters: " + harness.counters);
    harness.close();
  }

  private static void feed(byte[] datagram) throws IOException {
    int len = Math.min(datagram.length, harness.agent.receiveBuffer().length);
    System.arraycopy(datagram, 0, harness.agent.receiveBuffer(), 0, len);
    harness.agent.onDatagram(harness.endpoint, clientAddress, len);
    harness.agent.doWork(); // flush whatever the input made a connection want to send
    inputs++;
    // Drain whatever the input drew (VN, Retry) so the client socket never fills.
    while (harness.pollNoWait(harness.client) != null) {
      // drained
    }
  }

  private static void assertStillAnswersRetry(Random r) throws IOException {
    long before = harness.counters.get(Counter.RETRY_SENT);
    byte[] initial =
        TestPackets.initial(
            TestPackets.randomBytes(r, 8), TestPackets.randomBytes(r, 8), new byte[0], 1200, r);
    harness.sendAndPump(initial);
    byte[] reply;
    do {
      reply = harness.receive();
      assertNotNull(reply, "no Retry after fuzz input");
    } while ((reply[0] & 0xf0) != 0xf0);
    assertEquals(before + 1, harness.counters.get(Counter.RETRY_SENT));
  }

  @Property
  void randomDatagramsNeverBreakTheLoop(@ForAll @Size(min = 1, max = 1500) byte[] datagram)
      throws IOException {
    feed(datagram);
    if (inputs % 50 == 0) {
      assertStillAnswersRetry(new Random(inputs));
    }
  }

  @Property
  void mutatedValidDatagramsNeverBreakTheLoop(@ForAll long seed) throws IOException {
    Random r = new Random(seed);
    byte[] d = corpus[r.nextInt(corpus.length)].clone();
    int mutations = 1 + r.nextInt(8);
    for (int i = 0; i < mutations; i++) {
      switch (r.nextInt(5)) {
        case 0:
          d[r.nextInt(d.length)] ^= (byte) (1 << r.nextInt(8));
          break;
        case 1:
          d[r.nextInt(Math.min(d.length, 64))] =
              (byte) new int[] {0, 0xff, 0x40, 0x80, 0xc0, 0x14, 0x15}[r.nextInt(7)];
          break;
        case 2:
          d = Arrays.copyOf(d, 1 + r.nextInt(d.length));
          break;
        case 3:
          d = Arrays.copyOf(d, d.length + r.nextInt(400));
          break;
        default:
          d[r.nextInt(d.length)] = (byte) r.nextInt(256);
          break;
      }
    }
    feed(d);
    if (inputs % 50 == 0) {
      assertStillAnswersRetry(r);
    }
  }
}
