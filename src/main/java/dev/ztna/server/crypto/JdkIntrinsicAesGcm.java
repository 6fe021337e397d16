package dev.ztna.server.crypto;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * AES-GCM built from the JDK's own intrinsified building blocks, reached through private API of
 * {@code com.sun.crypto.provider} (needs {@code --add-opens java.base/com.sun.crypto.provider}):
 *
 * <ul>
 *   <li>CTR: one {@code CounterMode} instance over an {@code AESCrypt} bound to the key. Its IV
 *       array is OUR {@link #counterBlock} (CounterMode.init keeps the reference), so per packet we
 *       write J0 there and call {@code reset()}, which copies it into the counter and sets {@code
 *       used = blockSize}. Then {@code encrypt} (which bounds-checks and calls the intrinsic {@code
 *       implCrypt}) over 16 zero bytes yields E(K, J0) and leaves the counter at J0+1 for the
 *       payload. CounterMode increments the whole 128-bit counter while GCM increments only the low
 *       32 bits (inc32); they agree because the low word starts at 1 and a QUIC packet is far
 *       shorter than 2^32 blocks.
 *   <li>GHASH: the static {@code GHASH.processBlocks(byte[] data, int inOfs, int blocks, long[] st,
 *       long[] subH)} with our own {@code long[2]} state and {@code long[18]} subkey table (H in
 *       slots 0-1; the x86 stub fills the powers of H into the rest on first use). The stub does
 *       NOT bounds-check, so every call here is preceded by explicit checks.
 * </ul>
 *
 * Signatures verified on OpenJDK 17.0.15 and Temurin 25.0.3. Only used after {@link AeadFactory}'s
 * start-up self-test against JCE {@code AES/GCM/NoPadding} passed. Not thread-safe.
 */
final class JdkIntrinsicAesGcm implements Aead {
  static final String NAME = "jdk-intrinsic (CounterMode.implCrypt + GHASH.processBlocks)";

  private static final VarHandle BE_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final int SUBKEY_TABLE_LENGTH = 18;
  private static final byte[] ZERO_BLOCK = new byte[16];

  private static final MethodHandle NEW_AES; // () -> Object
  private static final MethodHandle NEW_CTR; // (Object aes) -> Object
  private static final MethodHandle CTR_INIT; // (Object, boolean, String, byte[], byte[]) -> void
  private static final MethodHandle CTR_RESET; // (Object) -> void
  private static final MethodHandle CTR_ENCRYPT; // (Object, byte[], int, int, byte[], int) -> int
  private static final MethodHandle GHASH_BLOCKS; // (byte[], int, int, long[], long[]) -> void

  /** Null when all private lookups succeeded, otherwise why they failed. */
  static final String LOOKUP_FAILURE;

  static {
    MethodHandle newAes = null;
    MethodHandle newCtr = null;
    MethodHandle init = null;
    MethodHandle reset = null;
    MethodHandle encrypt = null;
    MethodHandle ghash = null;
    String failure = null;
    try {
      Class<?> aesClass = Class.forName("com.sun.crypto.provider.AESCrypt");
      Class<?> symClass = Class.forName("com.sun.crypto.provider.SymmetricCipher");
      Class<?> ctrClass = Class.forName("com.sun.crypto.provider.CounterMode");
      Class<?> ghashClass = Class.forName("com.sun.crypto.provider.GHASH");
      MethodHandles.Lookup me = MethodHandles.lookup();
      MethodHandles.Lookup aesL = MethodHandles.privateLookupIn(aesClass, me);
      MethodHandles.Lookup ctrL = MethodHandles.privateLookupIn(ctrClass, me);
      MethodHandles.Lookup ghL = MethodHandles.privateLookupIn(ghashClass, me);
      newAes =
          aesL.findConstructor(aesClass, MethodType.methodType(void.class))
              .asType(MethodType.methodType(Object.class));
      newCtr =
          ctrL.findConstructor(ctrClass, MethodType.methodType(void.class, symClass))
              .asType(MethodType.methodType(Object.class, Object.class));
      init =
          ctrL.findVirtual(
                  ctrClass,
                  "init",
                  MethodType.methodType(
                      void.class, boolean.class, String.class, byte[].class, byte[].class))
              .asType(
                  MethodType.methodType(
                      void.class,
                      Object.class,
                      boolean.class,
                      String.class,
                      byte[].class,
                      byte[].class));
      reset =
          ctrL.findVirtual(ctrClass, "reset", MethodType.methodType(void.class))
              .asType(MethodType.methodType(void.class, Object.class));
      encrypt =
          ctrL.findVirtual(
                  ctrClass,
                  "encrypt",
                  MethodType.methodType(
                      int.class, byte[].class, int.class, int.class, byte[].class, int.class))
              .asType(
                  MethodType.methodType(
                      int.class,
                      Object.class,
                      byte[].class,
                      int.class,
                      int.class,
                      byte[].class,
                      int.class));
      ghash =
          ghL.findStatic(
              ghashClass,
              "processBlocks",
              MethodType.methodType(
                  void.class, byte[].class, int.class, int.class, long[].class, long[].class));
      // Field layout sanity: the counter and IV must be 16-byte arrays, which init() enforces.
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      failure = e.toString();
      newAes = null;
      newCtr = null;
      init = null;
      reset = null;
      encrypt = null;
      ghash = null;
    }
    NEW_AES = newAes;
    NEW_CTR = newCtr;
    CTR_INIT = init;
    CTR_RESET = reset;
    CTR_ENCRYPT = encrypt;
    GHASH_BLOCKS = ghash;
    LOOKUP_FAILURE = failure;
  }

  private final Object ctr;

  /** The IV array handed to CounterMode.init; per packet it holds J0 before reset(). */
  private final byte[] counterBlock = new byte[16];

  private final long[] subH = new long[SUBKEY_TABLE_LENGTH];
  private final long[] state = new long[2];
  private final byte[] ekj0 = new byte[16];
  private final byte[] scratch = new byte[16];

  /**
   * @throws IllegalStateException if the private API is unavailable or rejects the key
   */
  JdkIntrinsicAesGcm(byte[] key) {
    if (LOOKUP_FAILURE != null) {
      throw new IllegalStateException("JDK AES intrinsics unavailable: " + LOOKUP_FAILURE);
    }
    if (key.length != 16 && key.length != 32) {
      throw new IllegalArgumentException("AES key must be 16 or 32 bytes");
    }
    try {
      Object aes = (Object) NEW_AES.invokeExact();
      ctr = (Object) NEW_CTR.invokeExact(aes);
      CTR_INIT.invokeExact(ctr, false, "AES", key.clone(), counterBlock);
    } catch (Throwable t) {
      throw new IllegalStateException("cannot initialise JDK CounterMode", t);
    }
    // H = E(K, 0^128): counter block all zero.
    byte[] h = new byte[16];
    ctr(ZERO_BLOCK, 0, 16, h, 0);
    subH[0] = (long) BE_LONG.get(h, 0);
    subH[1] = (long) BE_LONG.get(h, 8);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int seal(byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] buf, int off, int len) {
    if (!Aead.sealArgsValid(nonce, aad, aadOff, aadLen, buf, off, len)) {
      return -1;
    }
    startPacket(nonce);
    if (len > 0) {
      ctrContinue(buf, off, len, buf, off);
    }
    computeTag(aad, aadOff, aadLen, buf, off, len);
    writeTag(buf, off + len);
    return len + TAG_LENGTH;
  }

  @Override
  public int open(
      byte[] nonce, byte[] aad, int aadOff, int aadLen, byte[] buf, int off, int ctLen) {
    int len = Aead.openLength(nonce, aad, aadOff, aadLen, buf, off, ctLen);
    if (len < 0) {
      return -1;
    }
    startPacket(nonce);
    computeTag(aad, aadOff, aadLen, buf, off, len);
    writeTag(scratch, 0);
    if (!Aead.tagEquals(scratch, 0, buf, off + len)) {
      return -1;
    }
    if (len > 0) {
      ctrContinue(buf, off, len, buf, off);
    }
    return len;
  }

  /** Sets the counter to J0 = nonce || 1, computes E(K, J0); leaves the counter at J0+1. */
  private void startPacket(byte[] nonce) {
    System.arraycopy(nonce, 0, counterBlock, 0, NONCE_LENGTH);
    counterBlock[12] = 0;
    counterBlock[13] = 0;
    counterBlock[14] = 0;
    counterBlock[15] = 1;
    ctr(ZERO_BLOCK, 0, 16, ekj0, 0);
  }

  /** reset() then encrypt: restarts the keystream at {@link #counterBlock}. */
  private void ctr(byte[] in, int inOff, int len, byte[] out, int outOff) {
    try {
      CTR_RESET.invokeExact(ctr);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
    ctrContinue(in, inOff, len, out, outOff);
  }

  private void ctrContinue(byte[] in, int inOff, int len, byte[] out, int outOff) {
    try {
      int n = (int) CTR_ENCRYPT.invokeExact(ctr, in, inOff, len, out, outOff);
      if (n != len) {
        throw new IllegalStateException("CounterMode processed " + n + " of " + len);
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  private void computeTag(byte[] aad, int aadOff, int aadLen, byte[] ct, int ctOff, int ctLen) {
    state[0] = 0;
    state[1] = 0;
    ghash(aad, aadOff, aadLen);
    ghash(ct, ctOff, ctLen);
    BE_LONG.set(scratch, 0, ((long) aadLen) << 3);
    BE_LONG.set(scratch, 8, ((long) ctLen) << 3);
    processBlocks(scratch, 0, 1);
  }

  private void writeTag(byte[] out, int outOff) {
    BE_LONG.set(out, outOff, state[0] ^ (long) BE_LONG.get(ekj0, 0));
    BE_LONG.set(out, outOff + 8, state[1] ^ (long) BE_LONG.get(ekj0, 8));
  }

  /** GHASH update over {@code data[off, off+len)}, zero-padding the last partial block. */
  private void ghash(byte[] data, int off, int len) {
    int blocks = len >>> 4;
    if (blocks > 0) {
      processBlocks(data, off, blocks);
    }
    int rem = len & 15;
    if (rem != 0) {
      Arrays.fill(scratch, (byte) 0);
      System.arraycopy(data, off + (blocks << 4), scratch, 0, rem);
      processBlocks(scratch, 0, 1);
    }
  }

  /** The intrinsic stub does not bounds-check: check everything here. */
  private void processBlocks(byte[] data, int off, int blocks) {
    if (off < 0
        || blocks <= 0
        || blocks > (Integer.MAX_VALUE >>> 4)
        || off > data.length - (blocks << 4)
        || state.length != 2
        || subH.length != SUBKEY_TABLE_LENGTH) {
      throw new IllegalStateException("GHASH bounds");
    }
    try {
      GHASH_BLOCKS.invokeExact(data, off, blocks, state, subH);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
