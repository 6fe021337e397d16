package dev.ztna.server.crypto;

import static dev.ztna.server.crypto.Hex.b;
import static dev.ztna.server.crypto.Hex.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.wire.PacketNumber;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** RFC 9001 Appendix A, every vector, for each available AES-GCM implementation. */
class Rfc9001VectorsTest {
  static final byte[] DCID = b("8394c8f03e515708");

  static final String CLIENT_CRYPTO_FRAME =
      "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
          + "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
          + "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
          + "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
          + "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
          + "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
          + "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
          + "75300901100f088394c8f03e51570806048000ffff";
  static final String CLIENT_PACKET_SUFFIX =
      "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
          + "e221af44860018ab0856972e194cd934";

  static final String SERVER_PAYLOAD =
      "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
          + "88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
          + "0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
          + "020304";
  static final String SERVER_PACKET =
      "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
          + "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
          + "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
          + "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
          + "2158407dd074ee";

  static List<AeadFactory.AesImpl> impls() {
    return AeadFactory.INTRINSIC_WORKS
        ? List.of(AeadFactory.AesImpl.JDK_INTRINSIC, AeadFactory.AesImpl.PORTABLE)
        : List.of(AeadFactory.AesImpl.PORTABLE);
  }

  @Test
  void intrinsicPathIsSelectedOnThisJvm() {
    // Surefire runs with --add-opens java.base/com.sun.crypto.provider; on JDK 17 and 25 the
    // private lookups and the self-test must succeed.
    assertTrue(AeadFactory.INTRINSIC_WORKS, "JDK intrinsic AES-GCM unusable");
    assertEquals(JdkIntrinsicAesGcm.NAME, PacketProtection.aesGcmImplementation());
  }

  @ParameterizedTest
  @MethodSource("impls")
  void a1KeysAndSecrets(AeadFactory.AesImpl impl) {
    assertEquals(
        "7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44",
        s(InitialSecrets.initialSecret(DCID, 0, DCID.length)));
    InitialKeys keys = InitialSecrets.derive(DCID, 0, DCID.length, impl);
    assertEquals(
        "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea", s(keys.clientSecret()));
    assertEquals("1f369613dd76d5467730efcbe3b1a22d", s(keys.client.key()));
    assertEquals("fa044b2f42a3fd3b46fb255c", s(keys.client.iv()));
    assertEquals("9f50449e04a0e810283a1e9933adedd2", s(keys.client.hpKey()));
    assertEquals(
        "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b", s(keys.serverSecret()));
    assertEquals("cf3a5331653c364c88f0f379b6067e37", s(keys.server.key()));
    assertEquals("0ac1493ca1905853b0bba03e", s(keys.server.iv()));
    assertEquals("c206b8d9b9f0f37644430b490eeaa314", s(keys.server.hpKey()));
    assertEquals("38762cf7f55934b34d179ae6a4c80cadccbb7f0a", s(InitialSecrets.initialSaltV1()));
  }

  /** The full 1200-byte client Initial: CRYPTO frame + PADDING to a 1162-byte payload. */
  static byte[] clientInitialPlain() {
    byte[] hdr = b("c300000001088394c8f03e5157080000449e00000002");
    byte[] frame = b(CLIENT_CRYPTO_FRAME);
    byte[] pkt = new byte[1200];
    System.arraycopy(hdr, 0, pkt, 0, hdr.length);
    System.arraycopy(frame, 0, pkt, hdr.length, frame.length);
    return pkt;
  }

  @ParameterizedTest
  @MethodSource("impls")
  void a2ClientInitial(AeadFactory.AesImpl impl) {
    InitialKeys keys = InitialSecrets.derive(DCID, 0, DCID.length, impl);
    byte[] mask = new byte[5];
    keys.client.headerProtectionMask(b("d1b1c98dd7689fb8ec11d242b123dc9b"), 0, mask);
    assertEquals("437b9aec36", s(mask));

    byte[] pkt = clientInitialPlain();
    int total = keys.client.protect(pkt, 0, 18, 4, 1200 - 22 - 16, 2);
    assertEquals(1200, total);
    assertEquals("c000000001088394c8f03e5157080000449e7b9aec34", s(pkt, 0, 22));
    assertEquals("d1b1c98dd7689fb8ec11d242b123dc9b", s(pkt, 22, 16));
    assertEquals(CLIENT_PACKET_SUFFIX, s(pkt, 1200 - 48, 48));

    // The server side opens it (largest pn so far: none).
    InitialKeys server = InitialSecrets.derive(DCID, 0, DCID.length, impl);
    assertEquals(2, server.client.unprotect(pkt, 0, 18, 1200, -1));
    assertEquals(22, server.client.lastPayloadOffset());
    assertEquals(1162, server.client.lastPayloadLength());
    assertEquals(0xc3, server.client.lastFirstByte());
    assertArrayEquals(Arrays.copyOf(clientInitialPlain(), 1184), Arrays.copyOf(pkt, 1184));
  }

  @ParameterizedTest
  @MethodSource("impls")
  void a3ServerInitial(AeadFactory.AesImpl impl) {
    InitialKeys keys = InitialSecrets.derive(DCID, 0, DCID.length, impl);
    byte[] mask = new byte[8];
    keys.server.headerProtectionMask(b("2cd0991cd25b0aac406a5816b6394100"), 0, mask);
    assertEquals("2ec0d8356a", s(mask, 0, 5));

    byte[] hdr = b("c1000000010008f067a5502a4262b50040750001");
    byte[] payload = b(SERVER_PAYLOAD);
    // at an odd offset inside a bigger working buffer
    int off = 7;
    byte[] buf = new byte[off + 135 + 9];
    System.arraycopy(hdr, 0, buf, off, hdr.length);
    System.arraycopy(payload, 0, buf, off + hdr.length, payload.length);
    int total = keys.server.protect(buf, off, off + 18, 2, payload.length, 1);
    assertEquals(135, total);
    assertEquals(SERVER_PACKET, s(buf, off, 135));

    assertEquals(1, keys.server.unprotect(buf, off, off + 18, off + 135, 0));
    assertEquals(s(hdr) + SERVER_PAYLOAD, s(buf, off, 135 - 16));
    assertEquals(off + 20, keys.server.lastPayloadOffset());
    assertEquals(payload.length, keys.server.lastPayloadLength());
  }

  @ParameterizedTest
  @MethodSource("impls")
  void a4RetryTag(AeadFactory.AesImpl impl) {
    RetryIntegrity ri = new RetryIntegrity(impl);
    byte[] retry = b("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba");
    byte[] tag = new byte[20];
    ri.computeTag(DCID, 0, DCID.length, retry, 0, retry.length - 16, tag, 3);
    assertEquals("04a265ba2eff4d829058fb3f0f2496ba", s(tag, 3, 16));
    assertTrue(ri.verify(DCID, 0, DCID.length, retry, 0, retry.length));
    for (int i = 0; i < retry.length * 8; i++) {
      retry[i / 8] ^= (byte) (1 << (i % 8));
      assertFalse(ri.verify(DCID, 0, DCID.length, retry, 0, retry.length), "bit " + i);
      retry[i / 8] ^= (byte) (1 << (i % 8));
    }
    byte[] otherOdcid = DCID.clone();
    otherOdcid[7] ^= 1;
    assertFalse(ri.verify(otherOdcid, 0, 8, retry, 0, retry.length));
    assertFalse(ri.verify(DCID, 0, 7, retry, 0, retry.length));
    assertFalse(ri.verify(DCID, 0, DCID.length, retry, 0, 15));
    assertFalse(ri.verify(DCID, 0, DCID.length, retry, 1, retry.length));
    assertFalse(ri.verify(DCID, 0, 300, retry, 0, retry.length));
  }

  @Test
  void a5ChaCha20ShortHeader() {
    byte[] secret = b("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
    PacketProtection pp = PacketProtection.create(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, secret);
    assertEquals("c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8", s(pp.key()));
    assertEquals("e0459b3474bdd0e44a41c144", s(pp.iv()));
    assertEquals("25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4", s(pp.hpKey()));
    assertEquals(
        "1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9",
        s(pp.nextKeyPhase().secret()));

    byte[] buf = b("4200bff401" + "00".repeat(16));
    int total = pp.protect(buf, 0, 1, 3, 1, 654360564L);
    assertEquals(21, total);
    assertEquals("4cfe4189655e5cd55c41f69080575d7999c25a5bfb", s(buf));

    // sample = 5e5cd55c41f69080575d7999c25a5bfb, mask = aefefe7d03
    byte[] mask = new byte[5];
    pp.headerProtectionMask(b("5e5cd55c41f69080575d7999c25a5bfb"), 0, mask);
    assertEquals("aefefe7d03", s(mask));

    // decode against a largest pn close by: 654360564 = 0x2700bff4, truncated 0x00bff4
    assertEquals(654360564L, pp.unprotect(buf, 0, 1, 21, 654360560L));
    assertEquals(0x42, pp.lastFirstByte());
    assertEquals(4, pp.lastPayloadOffset());
    assertEquals(1, pp.lastPayloadLength());
    assertEquals(0x01, buf[4]);
  }

  @Test
  void packetNumberDecodingRfc9000A3() {
    // RFC 9000 §A.3 example: largest 0xa82f30ea, truncated 0x9b32 (16 bits) -> 0xa82f9b32
    assertEquals(0xa82f9b32L, PacketNumber.decode(0xa82f30eaL, 0x9b32, 16));
    assertEquals(0, PacketNumber.decode(-1, 0, 8));
    assertEquals(256, PacketNumber.decode(255, 0, 8));
    assertEquals(255, PacketNumber.decode(256, 0xff, 8));
    assertEquals(1, PacketNumber.decode(200, 1, 8) - 256);
    // near the top of the space: never beyond 2^62-1
    long max = (1L << 62) - 1;
    assertEquals(max, PacketNumber.decode(max - 1, max & 0xff, 8));
  }
}
