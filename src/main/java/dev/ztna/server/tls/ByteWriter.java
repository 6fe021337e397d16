package dev.ztna.server.tls;

import java.util.Arrays;

/** A growable big-endian byte builder for handshake messages (handshake-time only). */
final class ByteWriter {
  private byte[] buf;
  private int len;

  ByteWriter(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  int length() {
    return len;
  }

  byte[] array() {
    return buf;
  }

  void reset() {
    len = 0;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  private void ensure(int extra) {
    if (len + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }
  }

  ByteWriter u8(int v) {
    ensure(1);
    buf[len++] = (byte) v;
    return this;
  }

  ByteWriter u16(int v) {
    ensure(2);
    buf[len++] = (byte) (v >>> 8);
    buf[len++] = (byte) v;
    return this;
  }

  ByteWriter u24(int v) {
    ensure(3);
    buf[len++] = (byte) (v >>> 16);
    buf[len++] = (byte) (v >>> 8);
    buf[len++] = (byte) v;
    return this;
  }

  ByteWriter bytes(byte[] b) {
    return bytes(b, 0, b.length);
  }

  ByteWriter bytes(byte[] b, int off, int n) {
    ensure(n);
    System.arraycopy(b, off, buf, len, n);
    len += n;
    return this;
  }

  /**
   * Reserves {@code width} bytes for a length field; returns its position for {@link #endLength}.
   */
  int beginLength(int width) {
    ensure(width);
    int at = len;
    len += width;
    return at;
  }

  /** Fills the length field reserved at {@code at} with the number of bytes written since. */
  void endLength(int at, int width) {
    int v = len - at - width;
    for (int i = width - 1; i >= 0; i--) {
      buf[at + i] = (byte) v;
      v >>>= 8;
    }
  }
}
