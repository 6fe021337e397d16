package dev.ztna.server.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** The ChaCha20 block function (RFC 8439 §2.3), allocation-free. */
final class ChaCha20 {
  static final VarHandle LE_INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private static final int C0 = 0x61707865;
  private static final int C1 = 0x3320646e;
  private static final int C2 = 0x79622d32;
  private static final int C3 = 0x6b206574;

  private ChaCha20() {}

  /** Reads a 32-byte key as eight little-endian words. */
  static int[] keyWords(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("ChaCha20 key must be 32 bytes");
    }
    int[] k = new int[8];
    for (int i = 0; i < 8; i++) {
      k[i] = (int) LE_INT.get(key, 4 * i);
    }
    return k;
  }

  /**
   * Writes the 64-byte keystream block for (key, counter, nonce words n0..n2) into {@code
   * out[outOff, outOff+64)}.
   */
  static void block(int[] k, int counter, int n0, int n1, int n2, byte[] out, int outOff) {
    int x0 = C0;
    int x1 = C1;
    int x2 = C2;
    int x3 = C3;
    int x4 = k[0];
    int x5 = k[1];
    int x6 = k[2];
    int x7 = k[3];
    int x8 = k[4];
    int x9 = k[5];
    int x10 = k[6];
    int x11 = k[7];
    int x12 = counter;
    int x13 = n0;
    int x14 = n1;
    int x15 = n2;
    for (int i = 0; i < 10; i++) {
      // column rounds
      x0 += x4;
      x12 = Integer.rotateLeft(x12 ^ x0, 16);
      x8 += x12;
      x4 = Integer.rotateLeft(x4 ^ x8, 12);
      x0 += x4;
      x12 = Integer.rotateLeft(x12 ^ x0, 8);
      x8 += x12;
      x4 = Integer.rotateLeft(x4 ^ x8, 7);

      x1 += x5;
      x13 = Integer.rotateLeft(x13 ^ x1, 16);
      x9 += x13;
      x5 = Integer.rotateLeft(x5 ^ x9, 12);
      x1 += x5;
      x13 = Integer.rotateLeft(x13 ^ x1, 8);
      x9 += x13;
      x5 = Integer.rotateLeft(x5 ^ x9, 7);

      x2 += x6;
      x14 = Integer.rotateLeft(x14 ^ x2, 16);
      x10 += x14;
      x6 = Integer.rotateLeft(x6 ^ x10, 12);
      x2 += x6;
      x14 = Integer.rotateLeft(x14 ^ x2, 8);
      x10 += x14;
      x6 = Integer.rotateLeft(x6 ^ x10, 7);

      x3 += x7;
      x15 = Integer.rotateLeft(x15 ^ x3, 16);
      x11 += x15;
      x7 = Integer.rotateLeft(x7 ^ x11, 12);
      x3 += x7;
      x15 = Integer.rotateLeft(x15 ^ x3, 8);
      x11 += x15;
      x7 = Integer.rotateLeft(x7 ^ x11, 7);

      // diagonal rounds
      x0 += x5;
      x15 = Integer.rotateLeft(x15 ^ x0, 16);
      x10 += x15;
      x5 = Integer.rotateLeft(x5 ^ x10, 12);
      x0 += x5;
      x15 = Integer.rotateLeft(x15 ^ x0, 8);
      x10 += x15;
      x5 = Integer.rotateLeft(x5 ^ x10, 7);

      x1 += x6;
      x12 = Integer.rotateLeft(x12 ^ x1, 16);
      x11 += x12;
      x6 = Integer.rotateLeft(x6 ^ x11, 12);
      x1 += x6;
      x12 = Integer.rotateLeft(x12 ^ x1, 8);
      x11 += x12;
      x6 = Integer.rotateLeft(x6 ^ x11, 7);

      x2 += x7;
      x13 = Integer.rotateLeft(x13 ^ x2, 16);
      x8 += x13;
      x7 = Integer.rotateLeft(x7 ^ x8, 12);
      x2 += x7;
      x13 = Integer.rotateLeft(x13 ^ x2, 8);
      x8 += x13;
      x7 = Integer.rotateLeft(x7 ^ x8, 7);

      x3 += x4;
      x14 = Integer.rotateLeft(x14 ^ x3, 16);
      x9 += x14;
      x4 = Integer.rotateLeft(x4 ^ x9, 12);
      x3 += x4;
      x14 = Integer.rotateLeft(x14 ^ x3, 8);
      x9 += x14;
      x4 = Integer.rotateLeft(x4 ^ x9, 7);
    }
    LE_INT.set(out, outOff, x0 + C0);
    LE_INT.set(out, outOff + 4, x1 + C1);
    LE_INT.set(out, outOff + 8, x2 + C2);
    LE_INT.set(out, outOff + 12, x3 + C3);
    LE_INT.set(out, outOff + 16, x4 + k[0]);
    LE_INT.set(out, outOff + 20, x5 + k[1]);
    LE_INT.set(out, outOff + 24, x6 + k[2]);
    LE_INT.set(out, outOff + 28, x7 + k[3]);
    LE_INT.set(out, outOff + 32, x8 + k[4]);
    LE_INT.set(out, outOff + 36, x9 + k[5]);
    LE_INT.set(out, outOff + 40, x10 + k[6]);
    LE_INT.set(out, outOff + 44, x11 + k[7]);
    LE_INT.set(out, outOff + 48, x12 + counter);
    LE_INT.set(out, outOff + 52, x13 + n0);
    LE_INT.set(out, outOff + 56, x14 + n1);
    LE_INT.set(out, outOff + 60, x15 + n2);
  }
}
