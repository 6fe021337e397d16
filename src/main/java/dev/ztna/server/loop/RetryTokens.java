package dev.ztna.server.loop;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Stateless Retry tokens (RFC 9000 §8.1.2, §17.2.5). A token binds the client's IP address and UDP
 * port, the original destination connection ID of its first Initial, the source connection ID of
 * the Retry that carried it and the issue time, authenticated with HMAC-SHA256 under a per-process
 * random secret (truncated to 128 bits, RFC 2104 §5). The Retry's SCID is not in the token: the
 * client uses it as the DCID of the Initial that returns the token (RFC 9000 §7.2, §17.2.5.2), so
 * the token validates only together with that DCID, i.e. only with the Retry that carried it (RFC
 * 9000 §8.1.4; the connection then echoes that CID as retry_source_connection_id, §7.3). Layout,
 * big-endian:
 *
 * <pre>
 *   0      1 byte   format (2)
 *   1      8 bytes  issue time, milliseconds since the epoch
 *   9      1 byte   original DCID length n (0..20)
 *   10     n bytes  original DCID
 *   10+n   16 bytes HMAC-SHA256(secret, bytes 0..10+n || Retry SCID length || Retry SCID
 *                   || address length || address || port)[0..16)
 * </pre>
 *
 * <p>The token is not encrypted: it reveals only what the client already knows. Validation checks
 * the format, then the MAC in constant time, then the lifetime, so that only authentic tokens count
 * as expired. Single-threaded and allocation-free.
 */
public final class RetryTokens {
  /** The token verified and is within its lifetime. */
  public static final int VALID = 0;

  /** The token is not of our format (length, version byte, CID length). */
  public static final int ERR_MALFORMED = -1;

  /** The MAC does not verify: forged, altered, or minted for another address or port. */
  public static final int ERR_INVALID = -2;

  /** An authentic token past its lifetime (or from the future beyond clock skew). */
  public static final int ERR_EXPIRED = -3;

  /** The largest token this class mints. */
  public static final int MAX_LENGTH = 10 + 20 + 16;

  private static final int FORMAT = 2;
  private static final int MAC_LENGTH = 16;
  private static final long MAX_CLOCK_SKEW_MS = 1_000;

  private final HMac hmac = new HMac(new SHA256Digest());
  private final byte[] macOut = new byte[32];
  private final long lifetimeMs;
  private int odcidOffset;
  private int odcidLength;

  /**
   * @param secret the per-process secret, at least 32 random bytes
   * @param lifetimeMs how long a token is accepted after it was issued
   */
  public RetryTokens(byte[] secret, long lifetimeMs) {
    if (secret.length < 32) {
      throw new IllegalArgumentException("token secret must be at least 32 bytes");
    }
    if (lifetimeMs <= 0) {
      throw new IllegalArgumentException("token lifetime must be positive");
    }
    this.hmac.init(new KeyParameter(secret.clone()));
    this.lifetimeMs = lifetimeMs;
  }

  /**
   * Writes a token into {@code out} at {@code outOff}.
   *
   * @param ip the client's address bytes (4 for IPv4, 16 for IPv6), {@code ipLen} of them
   * @param retryScid the source connection ID of the Retry that will carry the token
   * @return the token's length
   */
  public int mint(
      byte[] ip,
      int ipLen,
      int port,
      byte[] odcid,
      int odcidOff,
      int odcidLen,
      byte[] retryScid,
      int retryScidOff,
      int retryScidLen,
      long nowMs,
      byte[] out,
      int outOff) {
    if (odcidLen < 0 || odcidLen > 20) {
      throw new IllegalArgumentException("original DCID length out of range");
    }
    if (retryScidLen < 0 || retryScidLen > 20) {
      throw new IllegalArgumentException("Retry SCID length out of range");
    }
    out[outOff] = FORMAT;
    for (int i = 0; i < 8; i++) {
      out[outOff + 1 + i] = (byte) (nowMs >>> (56 - 8 * i));
    }
    out[outOff + 9] = (byte) odcidLen;
    System.arraycopy(odcid, odcidOff, out, outOff + 10, odcidLen);
    int bodyLen = 10 + odcidLen;
    mac(out, outOff, bodyLen, retryScid, retryScidOff, retryScidLen, ip, ipLen, port);
    System.arraycopy(macOut, 0, out, outOff + bodyLen, MAC_LENGTH);
    return bodyLen + MAC_LENGTH;
  }

  /**
   * Checks a token received in an Initial from {@code ip}:{@code port}. On {@link #VALID}, {@link
   * #odcidOffset()} and {@link #odcidLength()} locate the original DCID inside {@code token}.
   *
   * @param dcid the Initial's destination connection ID, which must be the SCID of the Retry that
   *     carried the token
   * @return {@link #VALID}, {@link #ERR_MALFORMED}, {@link #ERR_INVALID} or {@link #ERR_EXPIRED}
   */
  public int validate(
      byte[] token,
      int off,
      int len,
      byte[] dcid,
      int dcidOff,
      int dcidLen,
      byte[] ip,
      int ipLen,
      int port,
      long nowMs) {
    if (len < 10 + MAC_LENGTH || len > MAX_LENGTH || token[off] != FORMAT) {
      return ERR_MALFORMED;
    }
    int cidLen = token[off + 9] & 0xff;
    if (cidLen > 20 || len != 10 + cidLen + MAC_LENGTH) {
      return ERR_MALFORMED;
    }
    if (dcidLen < 0 || dcidLen > 20) {
      return ERR_INVALID;
    }
    int bodyLen = 10 + cidLen;
    mac(token, off, bodyLen, dcid, dcidOff, dcidLen, ip, ipLen, port);
    int diff = 0;
    for (int i = 0; i < MAC_LENGTH; i++) {
      diff |= macOut[i] ^ token[off + bodyLen + i];
    }
    if (diff != 0) {
      return ERR_INVALID;
    }
    long issued = 0;
    for (int i = 0; i < 8; i++) {
      issued = (issued << 8) | (token[off + 1 + i] & 0xffL);
    }
    if (nowMs - issued > lifetimeMs || issued - nowMs > MAX_CLOCK_SKEW_MS) {
      return ERR_EXPIRED;
    }
    odcidOffset = off + 10;
    odcidLength = cidLen;
    return VALID;
  }

  /** Offset of the original DCID in the last validated token's array. */
  public int odcidOffset() {
    return odcidOffset;
  }

  /** Length of the original DCID of the last validated token. */
  public int odcidLength() {
    return odcidLength;
  }

  private void mac(
      byte[] body,
      int off,
      int len,
      byte[] retryScid,
      int retryScidOff,
      int retryScidLen,
      byte[] ip,
      int ipLen,
      int port) {
    hmac.update(body, off, len);
    hmac.update((byte) retryScidLen);
    hmac.update(retryScid, retryScidOff, retryScidLen);
    hmac.update((byte) ipLen);
    hmac.update(ip, 0, ipLen);
    hmac.update((byte) (port >>> 8));
    hmac.update((byte) port);
    hmac.doFinal(macOut, 0);
  }
}
