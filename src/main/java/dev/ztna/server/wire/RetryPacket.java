package dev.ztna.server.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** Retry packets (RFC 9000 §17.2.5) and the Retry pseudo-packet prefix (RFC 9001 §5.8). */
public final class RetryPacket {
  /** Length of the Retry Integrity Tag appended after the token. */
  public static final int INTEGRITY_TAG_LENGTH = PacketHeaderFlyweight.RETRY_INTEGRITY_TAG_LENGTH;

  private RetryPacket() {}

  /**
   * Writes a Retry packet up to and including the Retry Token; the caller computes and appends the
   * 16-byte integrity tag.
   *
   * @param unusedBits the 4 unused bits of the first byte
   * @param dcidSrc the client's SCID (echoed as DCID)
   * @param scidSrc the new server-chosen connection ID
   * @return bytes written
   */
  public static int writeWithoutTag(
      MutableDirectBuffer out,
      int off,
      int unusedBits,
      int version,
      DirectBuffer dcidSrc,
      int dcidOff,
      int dcidLen,
      DirectBuffer scidSrc,
      int scidOff,
      int scidLen,
      DirectBuffer tokenSrc,
      int tokenOff,
      int tokenLen) {
    if (dcidLen < 0
        || dcidLen > PacketHeaderFlyweight.MAX_CID_LENGTH
        || scidLen < 0
        || scidLen > PacketHeaderFlyweight.MAX_CID_LENGTH
        || tokenLen < 0) {
      throw new IllegalArgumentException("bad Retry field length");
    }
    int pos =
        PacketHeaderWriter.writeLongPrefix(
            out,
            off,
            0xf0 | (unusedBits & 0x0f),
            version,
            dcidSrc,
            dcidOff,
            dcidLen,
            scidSrc,
            scidOff,
            scidLen);
    if (tokenLen > 0) {
      out.putBytes(pos, tokenSrc, tokenOff, tokenLen);
      pos += tokenLen;
    }
    return pos - off;
  }

  /**
   * Writes the prefix of the Retry pseudo-packet (RFC 9001 §5.8): ODCID Length (1 byte) and the
   * Original Destination Connection ID. The Retry packet without its tag follows it; the AEAD input
   * is the whole pseudo-packet. Returns bytes written.
   */
  public static int writePseudoPacketPrefix(
      MutableDirectBuffer out, int off, DirectBuffer odcid, int odcidOff, int odcidLen) {
    if (odcidLen < 0 || odcidLen > PacketHeaderFlyweight.MAX_CID_LENGTH) {
      throw new IllegalArgumentException("bad ODCID length");
    }
    out.putByte(off, (byte) odcidLen);
    if (odcidLen > 0) {
      out.putBytes(off + 1, odcid, odcidOff, odcidLen);
    }
    return 1 + odcidLen;
  }
}
