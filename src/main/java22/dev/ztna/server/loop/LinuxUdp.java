package dev.ztna.server.loop;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The Linux UDP system calls the batched I/O needs, bound through the Foreign Function &amp; Memory
 * API (final in JDK 22): {@code socket}, {@code setsockopt}, {@code bind}, {@code getsockname},
 * {@code recvmmsg}, {@code sendmmsg}, {@code close}. Pointers are passed as {@code long} addresses
 * of preallocated native memory (the x86-64 and AArch64 calling conventions pass both in one
 * integer register), so a call boxes nothing. {@code errno} is read through {@code
 * __errno_location()} right after a call returned -1, not with {@code
 * Linker.Option.captureCallState}: that option costs 40 bytes of allocation per call until C2 has
 * compiled the caller (measured on JDK 25 with {@code -XX:TieredStopAtLevel=1}), which a loaded
 * machine can delay past any warm-up; between the failed call and the read this thread makes no
 * other libc call. Constants are those of the Linux UAPI headers, equal on x86-64 and AArch64.
 */
final class LinuxUdp {
  static final int SOCK_DGRAM = 2;
  static final int SOCK_NONBLOCK = 0x800;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int SOL_SOCKET = 1;
  static final int SO_SNDBUF = 7;
  static final int SO_RCVBUF = 8;
  static final int IPPROTO_IPV6 = 41;
  static final int IPV6_V6ONLY = 26;
  static final int MSG_DONTWAIT = 0x40;
  static final int MSG_TRUNC = 0x20;
  static final int EINTR = 4;
  static final int EAGAIN = 11;

  /** {@code sizeof(struct mmsghdr)} on LP64: a 56-byte {@code msghdr} and {@code msg_len}. */
  static final int MMSGHDR_BYTES = 64;

  static final int MSG_NAME = 0;
  static final int MSG_NAMELEN = 8;
  static final int MSG_IOV = 16;
  static final int MSG_IOVLEN = 24;
  static final int MSG_CONTROL = 32;
  static final int MSG_CONTROLLEN = 40;
  static final int MSG_FLAGS = 48;
  static final int MSG_LEN = 56;

  /** {@code sizeof(struct iovec)}: base and length. */
  static final int IOVEC_BYTES = 16;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  private static final ValueLayout.OfLong PTR = ValueLayout.JAVA_LONG;

  private static final MethodHandle SOCKET = call("socket", INT, INT, INT, INT);
  private static final MethodHandle SETSOCKOPT = call("setsockopt", INT, INT, INT, INT, PTR, INT);
  private static final MethodHandle BIND = call("bind", INT, INT, PTR, INT);
  private static final MethodHandle GETSOCKNAME = call("getsockname", INT, INT, PTR, PTR);
  private static final MethodHandle RECVMMSG = call("recvmmsg", INT, INT, PTR, INT, INT, PTR);
  private static final MethodHandle SENDMMSG = call("sendmmsg", INT, INT, PTR, INT, INT);
  private static final MethodHandle CLOSE = call("close", INT, INT);
  private static final MethodHandle ERRNO_LOCATION =
      call("__errno_location", FunctionDescriptor.of(PTR));

  /** All of memory, to read errno at the address {@code __errno_location()} returns. */
  private static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

  /** Throws unless this is Linux on x86-64 or AArch64 (the layouts above). */
  static void checkPlatform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (!os.startsWith("linux")) {
      throw new UnsupportedOperationException("recvmmsg/sendmmsg need Linux, this is " + os);
    }
    if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
      throw new UnsupportedOperationException(
          "struct layouts known for amd64/aarch64, not " + arch);
    }
  }

  private static MethodHandle call(String name, ValueLayout ret, ValueLayout... args) {
    return call(name, FunctionDescriptor.of(ret, args));
  }

  private static MethodHandle call(String name, FunctionDescriptor descriptor) {
    MemorySegment symbol =
        SymbolLookup.libraryLookup("libc.so.6", Arena.global())
            .find(name)
            .or(() -> LINKER.defaultLookup().find(name))
            .orElseThrow(() -> new UnsupportedOperationException("no " + name + " in libc"));
    return LINKER.downcallHandle(symbol, descriptor);
  }

  /** This thread's errno: read it right after a call returned -1. */
  int errno() {
    try {
      return MEMORY.get(INT, (long) ERRNO_LOCATION.invokeExact());
    } catch (Throwable t) {
      throw new IllegalStateException("__errno_location", t);
    }
  }

  /**
   * recvmmsg(fd, msgvec, n, MSG_DONTWAIT, NULL): datagrams received, or -1 (see {@link #errno}).
   */
  int recvmmsg(int fd, long msgvec, int n) {
    try {
      return (int) RECVMMSG.invokeExact(fd, msgvec, n, MSG_DONTWAIT, 0L);
    } catch (Throwable t) {
      throw new IllegalStateException("recvmmsg", t);
    }
  }

  /** sendmmsg(fd, msgvec, n, MSG_DONTWAIT): datagrams sent, or -1 (see {@link #errno}). */
  int sendmmsg(int fd, long msgvec, int n) {
    try {
      return (int) SENDMMSG.invokeExact(fd, msgvec, n, MSG_DONTWAIT);
    } catch (Throwable t) {
      throw new IllegalStateException("sendmmsg", t);
    }
  }

  /**
   * A non-blocking UDP socket bound to {@code address} (an IPv6 one dual-stack, as the JDK's
   * channels are), with {@code bufferBytes} of kernel buffers each way.
   *
   * @return the descriptor; its bound address is then {@link #localAddress}
   */
  int open(InetSocketAddress address, int bufferBytes, SockaddrCodec codec, Arena arena)
      throws IOException {
    boolean v6 = address.getAddress() instanceof Inet6Address;
    int fd;
    try {
      fd =
          (int)
              SOCKET.invokeExact(
                  v6 ? SockaddrCodec.AF_INET6 : SockaddrCodec.AF_INET,
                  SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  0);
    } catch (Throwable t) {
      throw new IllegalStateException("socket", t);
    }
    if (fd < 0) {
      throw new IOException("socket() failed: errno " + errno());
    }
    try {
      MemorySegment scratch = arena.allocate(64, 8);
      ByteBuffer view = scratch.asByteBuffer().order(ByteOrder.nativeOrder());
      setInt(fd, SOL_SOCKET, SO_RCVBUF, bufferBytes, scratch);
      setInt(fd, SOL_SOCKET, SO_SNDBUF, bufferBytes, scratch);
      if (v6) {
        setInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0, scratch);
      }
      int len = codec.encode(address, v6, view, 0);
      int rc = (int) BIND.invokeExact(fd, scratch.address(), len);
      if (rc != 0) {
        int e = errno();
        throw new IOException("bind " + address + " failed: " + name(e));
      }
      return fd;
    } catch (IOException | RuntimeException e) {
      close(fd);
      throw e;
    } catch (Throwable t) {
      close(fd);
      throw new IllegalStateException("bind", t);
    }
  }

  /** The address {@code fd} is bound to (with the port the kernel chose for port 0). */
  InetSocketAddress localAddress(int fd, SockaddrCodec codec, Arena arena) throws IOException {
    MemorySegment name = arena.allocate(SockaddrCodec.SOCKADDR_IN6_BYTES + 4, 8);
    MemorySegment len = arena.allocate(4, 4);
    len.set(INT, 0, SockaddrCodec.SOCKADDR_IN6_BYTES + 4);
    int rc;
    try {
      rc = (int) GETSOCKNAME.invokeExact(fd, name.address(), len.address());
    } catch (Throwable t) {
      throw new IllegalStateException("getsockname", t);
    }
    if (rc != 0) {
      throw new IOException("getsockname failed: " + name(errno()));
    }
    InetSocketAddress local =
        codec.decode(name.asByteBuffer().order(ByteOrder.nativeOrder()), 0, len.get(INT, 0));
    if (local == null) {
      throw new IOException("getsockname returned an unknown address family");
    }
    return local;
  }

  private void setInt(int fd, int level, int option, int value, MemorySegment scratch)
      throws Throwable {
    scratch.set(INT, 32, value);
    int rc = (int) SETSOCKOPT.invokeExact(fd, level, option, scratch.address() + 32, 4);
    if (rc != 0) {
      throw new IOException("setsockopt(" + level + ", " + option + ") failed: " + name(errno()));
    }
  }

  void close(int fd) {
    try {
      int rc = (int) CLOSE.invokeExact(fd);
      if (rc != 0) {
        throw new IllegalStateException("close(" + fd + ") failed: " + name(errno()));
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("close", t);
    }
  }

  /** errno with its name for the common ones, for log lines. */
  static String name(int errno) {
    switch (errno) {
      case 1:
        return "EPERM";
      case 13:
        return "EACCES";
      case 97:
        return "EAFNOSUPPORT";
      case 98:
        return "EADDRINUSE";
      case 99:
        return "EADDRNOTAVAIL";
      case 22:
        return "EINVAL";
      case 38:
        return "ENOSYS";
      default:
        return "errno " + errno;
    }
  }
}
