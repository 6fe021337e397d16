package dev.ztna.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.TestCredentials;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Properties of ClientHello handling: mutations and truncations never escape as exceptions, split
 * delivery is equivalent to whole delivery, GREASE is ignored, bad ALPN/transport parameters give
 * their alerts. Randomness comes from jqwik-generated seeds (jqwik prints its own seed).
 */
class ClientHelloProperties {
  private static final int[] GREASE = {
    0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba,
    0xcaca, 0xdada, 0xeaea, 0xfafa
  };

  private static final int[] KNOWN_ALERTS = {
    TlsAlert.UNEXPECTED_MESSAGE,
    TlsAlert.HANDSHAKE_FAILURE,
    TlsAlert.ILLEGAL_PARAMETER,
    TlsAlert.DECODE_ERROR,
    TlsAlert.PROTOCOL_VERSION,
    TlsAlert.MISSING_EXTENSION,
    TlsAlert.NO_APPLICATION_PROTOCOL
  };

  private static TlsServerHandshake server(RecordingListener l, long seed) {
    return new TlsServerHandshake(
        new TlsServerConfig(TestCredentials.ec()), TestRandom.seeded(seed), l);
  }

  private static byte[] validHello(long seed) throws Exception {
    ClientHelloBuilder b = new ClientHelloBuilder();
    TestRandom.seeded(seed).nextBytes(b.random);
    b.keyShare(0x001d, new ManualClient(seed).share(0x001d));
    return b.build();
  }

  private static void assertAcceptableResult(int r, RecordingListener l) {
    if (r == 0) {
      // Either still waiting for more bytes, or a ServerHello/HRR was produced.
      return;
    }
    assertTrue(Arrays.stream(KNOWN_ALERTS).anyMatch(a -> a == r), "unexpected code " + r);
    assertTrue(l.secrets.isEmpty() || r == TlsAlert.UNEXPECTED_MESSAGE, "no secrets on failure");
  }

  @Property(tries = 400)
  void mutatedClientHelloNeverThrows(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int mutations) throws Exception {
    byte[] ch = validHello(seed);
    Random rnd = new Random(seed);
    for (int i = 0; i < mutations; i++) {
      int kind = rnd.nextInt(4);
      int at = rnd.nextInt(ch.length);
      if (kind == 0) {
        ch[at] = (byte) rnd.nextInt(256);
      } else if (kind == 1) {
        ch[at] ^= (byte) (1 << rnd.nextInt(8));
      } else if (kind == 2 && ch.length > 5) {
        byte[] t = new byte[ch.length - 1];
        System.arraycopy(ch, 0, t, 0, at);
        System.arraycopy(ch, at + 1, t, at, ch.length - at - 1);
        ch = t;
      } else {
        byte[] t = new byte[ch.length + 1];
        System.arraycopy(ch, 0, t, 0, at);
        t[at] = (byte) rnd.nextInt(256);
        System.arraycopy(ch, at, t, at + 1, ch.length - at);
        ch = t;
      }
    }
    RecordingListener l = new RecordingListener();
    TlsServerHandshake s = server(l, seed);
    int r = s.onCryptoData(EncryptionLevel.INITIAL, ch, 0, ch.length);
    assertAcceptableResult(r, l);
  }

  @Property(tries = 300)
  void truncatedClientHelloWithFixedHeaderIsRejected(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 400) int cut) throws Exception {
    byte[] ch = validHello(seed);
    int keep = Math.max(4, ch.length - cut);
    byte[] t = Arrays.copyOf(ch, keep);
    int n = keep - 4;
    t[1] = (byte) (n >>> 16);
    t[2] = (byte) (n >>> 8);
    t[3] = (byte) n;
    RecordingListener l = new RecordingListener();
    int r = server(l, seed).onCryptoData(EncryptionLevel.INITIAL, t, 0, t.length);
    assertTrue(r == TlsAlert.DECODE_ERROR || r == TlsAlert.PROTOCOL_VERSION, "got " + r);
    assertTrue(l.out.isEmpty());
  }

  @Property(tries = 200)
  void truncatedDeliveryJustWaits(@ForAll long seed, @ForAll @IntRange(min = 1, max = 400) int cut)
      throws Exception {
    byte[] ch = validHello(seed);
    int keep = Math.max(0, ch.length - cut);
    RecordingListener l = new RecordingListener();
    assertEquals(0, server(l, seed).onCryptoData(EncryptionLevel.INITIAL, ch, 0, keep));
    assertTrue(l.out.isEmpty());
  }

  @Property(tries = 100)
  void splitDeliveryEqualsWholeDelivery(
      @ForAll long seed,
      @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 1, max = 64) Integer> chunks)
      throws Exception {
    byte[] ch = validHello(seed);
    RecordingListener whole = new RecordingListener();
    assertEquals(0, server(whole, seed).onCryptoData(EncryptionLevel.INITIAL, ch, 0, ch.length));

    RecordingListener split = new RecordingListener();
    TlsServerHandshake s = server(split, seed);
    int p = 0;
    int i = 0;
    while (p < ch.length) {
      int n = Math.min(chunks.get(i++ % chunks.size()), ch.length - p);
      assertEquals(0, s.onCryptoData(EncryptionLevel.INITIAL, ch, p, n));
      p += n;
    }
    // Same seed: same server random and key share, so the same ServerHello.
    assertArrayEquals(whole.take(EncryptionLevel.INITIAL), split.take(EncryptionLevel.INITIAL));
    assertArrayEquals(
        whole.secrets.get(EncryptionLevel.HANDSHAKE)[0],
        split.secrets.get(EncryptionLevel.HANDSHAKE)[0]);
  }

  @Provide
  Arbitrary<Integer> grease() {
    return Arbitraries.of(Arrays.stream(GREASE).boxed().toArray(Integer[]::new));
  }

  @Property(tries = 100)
  void greaseIsTolerated(
      @ForAll long seed,
      @ForAll("grease") int g1,
      @ForAll("grease") int g2,
      @ForAll("grease") int g3,
      @ForAll("grease") int g4,
      @ForAll("grease") int g5)
      throws Exception {
    ClientHelloBuilder b = new ClientHelloBuilder();
    b.cipherSuites = new int[] {g1, 0x1301, 0x1302};
    b.versions = new int[] {g2, 0x0304};
    b.groups = new int[] {g3, 0x001d, 0x0017};
    b.keyShare(g3, new byte[] {0});
    b.keyShare(0x001d, new ManualClient(seed).share(0x001d));
    b.signatureAlgorithms = new int[] {g4, 0x0403, 0x0804};
    b.extension(g5, new byte[0]);
    if (g5 != g1) {
      b.extension(g1, new byte[] {1, 2, 3});
    }
    b.alpn = List.of(new String(new char[] {(char) (g2 & 0xff), (char) (g2 & 0xff)}), "ztna-v1");
    RecordingListener l = new RecordingListener();
    TlsServerHandshake s = server(l, seed);
    byte[] ch = b.build();
    assertEquals(0, s.onCryptoData(EncryptionLevel.INITIAL, ch, 0, ch.length));
    assertEquals(0x001d, s.namedGroup());
    assertTrue(l.secrets.containsKey(EncryptionLevel.APPLICATION));
  }

  @Provide
  Arbitrary<List<String>> foreignAlpn() {
    return Arbitraries.strings()
        .withCharRange('!', '~')
        .ofMinLength(1)
        .ofMaxLength(20)
        .filter(s -> !s.equals("ztna-v1"))
        .list()
        .ofMinSize(1)
        .ofMaxSize(5);
  }

  @Property(tries = 100)
  void unknownAlpnIsNoApplicationProtocol(
      @ForAll long seed, @ForAll("foreignAlpn") List<String> alpn) throws Exception {
    ClientHelloBuilder b = new ClientHelloBuilder();
    b.keyShare(0x001d, new ManualClient(seed).share(0x001d));
    b.alpn = new ArrayList<>(alpn);
    RecordingListener l = new RecordingListener();
    byte[] ch = b.build();
    assertEquals(
        TlsAlert.NO_APPLICATION_PROTOCOL,
        server(l, seed).onCryptoData(EncryptionLevel.INITIAL, ch, 0, ch.length));
    assertTrue(l.out.isEmpty());
  }

  @Property(tries = 100)
  void missingTransportParametersIsMissingExtension(
      @ForAll long seed, @ForAll boolean hrrShape, @ForAll boolean p256) throws Exception {
    ClientHelloBuilder b = new ClientHelloBuilder();
    if (!hrrShape) {
      int g = p256 ? 0x0017 : 0x001d;
      b.keyShare(g, new ManualClient(seed).share(g));
    }
    b.transportParameters = null;
    RecordingListener l = new RecordingListener();
    byte[] ch = b.build();
    assertEquals(
        TlsAlert.MISSING_EXTENSION,
        server(l, seed).onCryptoData(EncryptionLevel.INITIAL, ch, 0, ch.length));
    assertEquals(0, l.tpCalls);
  }

  @Property(tries = 300)
  void randomBytesAtAnyLevelNeverThrow(
      @ForAll @Size(max = 300) byte[] junk, @ForAll @IntRange(min = 0, max = 2) int level) {
    RecordingListener l = new RecordingListener();
    TlsServerHandshake s = server(l, junk.length);
    EncryptionLevel lv = EncryptionLevel.values()[level];
    int r = s.onCryptoData(lv, junk, 0, junk.length);
    assertAcceptableResult(r, l);
    if (junk.length > 0 && lv != EncryptionLevel.INITIAL) {
      assertEquals(TlsAlert.UNEXPECTED_MESSAGE, r);
    }
  }
}
