package dev.ztna.server.crypto;

import java.util.HexFormat;

/** Run in a child JVM by {@link FallbackSelectionTest}: prints the selection and an A.3 packet. */
public final class FallbackProbe {
  private FallbackProbe() {}

  public static void main(String[] args) {
    InitialKeys keys = InitialSecrets.derive(Rfc9001VectorsTest.DCID, 0, 8);
    byte[] hdr = HexFormat.of().parseHex("c1000000010008f067a5502a4262b50040750001");
    byte[] payload = HexFormat.of().parseHex(Rfc9001VectorsTest.SERVER_PAYLOAD);
    byte[] buf = new byte[135];
    System.arraycopy(hdr, 0, buf, 0, hdr.length);
    System.arraycopy(payload, 0, buf, hdr.length, payload.length);
    keys.server.protect(buf, 0, 18, 2, payload.length, 1);
    System.out.println("IMPL=" + PacketProtection.aesGcmImplementation());
    System.out.println("PACKET=" + HexFormat.of().formatHex(buf));
  }
}
