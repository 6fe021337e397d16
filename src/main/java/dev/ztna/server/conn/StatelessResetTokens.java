package dev.ztna.server.conn;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Stateless reset tokens (RFC 9000 §10.3): {@code HMAC-SHA256(key, cid)[0..16)}, so that a server
 * that lost a connection's state can still compute the token of a connection ID it issued
 * (§10.3.2). Allocation-free after construction; NOT thread-safe (one instance per duty-cycle
 * thread, shared by the connections it drives).
 */
public final class StatelessResetTokens {
  /** Length of a stateless reset token. */
  public static final int TOKEN_LENGTH = 16;

  private final HMac mac = new HMac(new SHA256Digest());
  private final byte[] out = new byte[32];

  /**
   * @param key32 a secret of 32 bytes (per process or shared by a cluster), copied
   */
  public StatelessResetTokens(byte[] key32) {
    if (key32 == null || key32.length != 32) {
      throw new IllegalArgumentException("stateless reset key must be 32 bytes");
    }
    mac.init(new KeyParameter(key32.clone()));
  }

  /** Writes the 16-byte token of {@code cid[off, off+len)} to {@code dst[dstOff]}. */
  public void token(byte[] cid, int off, int len, byte[] dst, int dstOff) {
    mac.update(cid, off, len);
    mac.doFinal(out, 0);
    System.arraycopy(out, 0, dst, dstOff, TOKEN_LENGTH);
  }
}
