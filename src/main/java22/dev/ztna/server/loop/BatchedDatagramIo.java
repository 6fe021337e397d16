package dev.ztna.server.loop;

import dev.ztna.server.loop.ServerCounters.Counter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --io batched}: one socket per listen address read with {@code recvmmsg(2)} and written
 * with {@code sendmmsg(2)} through the FFM API (JDK 22+, Linux). Each socket has a receive ring and
 * a send ring of {@code struct mmsghdr} slots in native memory, set up once: a duty cycle costs one
 * {@code recvmmsg} per socket for up to {@link #SLOTS} datagrams and one {@code sendmmsg} per
 * socket for everything queued. Senders are decoded from the rings' {@code sockaddr} slots and
 * interned ({@link SockaddrCodec}, {@link AddressCache}), so receiving from any number of
 * interleaving peers allocates nothing and needs no socket per connection.
 *
 * <p>{@link #send} queues (counted as sent when the kernel takes it at {@link #flush}); a full
 * kernel buffer drops the rest of the batch into {@code drop_send_buffer_full}, another error the
 * one datagram into {@code drop_send_error}. A datagram larger than a slot ({@link #SLOT_BYTES})
 * cannot arrive (the slot is the largest UDP payload); a truncated one would be counted in {@code
 * receive_errors} and dropped.
 *
 * <p>Loaded by name from {@link DatagramIos} (this class is in {@code META-INF/versions/22}).
 */
public final class BatchedDatagramIo implements DatagramIo {
  /** Datagrams per system call and ring. */
  static final int SLOTS = 64;

  /** Bytes per datagram slot: the largest UDP payload. */
  static final int SLOT_BYTES = 65_536;

  private static final int NAME_STRIDE = 32;
  private static final Logger LOG = LoggerFactory.getLogger(BatchedDatagramIo.class);

  private final Arena arena = Arena.ofShared();
  private final LinuxUdp udp = new LinuxUdp();
  private final AddressCache senders = new AddressCache(1 << 18);
  private final SockaddrCodec codec = new SockaddrCodec(senders);
  private final List<UdpEndpoint> endpoints = new ArrayList<>();
  private final List<Socket> sockets = new ArrayList<>();
  private final ServerCounters counters;
  private boolean closed;

  /** One socket and its two rings. */
  private final class Socket {
    final UdpEndpoint endpoint;
    final int fd;
    final boolean ipv6;
    final Ring rx = new Ring();
    final Ring tx = new Ring();
    int rxNext;
    int rxCount;
    int txCount;

    Socket(UdpEndpoint endpoint, int fd, boolean ipv6) {
      this.endpoint = endpoint;
      this.fd = fd;
      this.ipv6 = ipv6;
    }
  }

  /** {@link #SLOTS} mmsghdr, iovec, sockaddr and data slots, linked once. */
  private final class Ring {
    final MemorySegment headers = arena.allocate((long) SLOTS * LinuxUdp.MMSGHDR_BYTES, 8);
    final MemorySegment iovecs = arena.allocate((long) SLOTS * LinuxUdp.IOVEC_BYTES, 8);
    final MemorySegment names = arena.allocate((long) SLOTS * NAME_STRIDE, 8);
    final MemorySegment data = arena.allocate((long) SLOTS * SLOT_BYTES, 64);
    final ByteBuffer header = headers.asByteBuffer().order(ByteOrder.nativeOrder());
    final ByteBuffer name = names.asByteBuffer().order(ByteOrder.nativeOrder());
    final ByteBuffer bytes = data.asByteBuffer();
    final ByteBuffer iovec = iovecs.asByteBuffer().order(ByteOrder.nativeOrder());

    Ring() {
      for (int i = 0; i < SLOTS; i++) {
        int h = i * LinuxUdp.MMSGHDR_BYTES;
        header.putLong(h + LinuxUdp.MSG_NAME, names.address() + (long) i * NAME_STRIDE);
        header.putInt(h + LinuxUdp.MSG_NAMELEN, NAME_STRIDE);
        header.putLong(h + LinuxUdp.MSG_IOV, iovecs.address() + (long) i * LinuxUdp.IOVEC_BYTES);
        header.putLong(h + LinuxUdp.MSG_IOVLEN, 1);
        header.putLong(h + LinuxUdp.MSG_CONTROL, 0);
        header.putLong(h + LinuxUdp.MSG_CONTROLLEN, 0);
        iovec.putLong(i * LinuxUdp.IOVEC_BYTES, data.address() + (long) i * SLOT_BYTES);
        iovec.putLong(i * LinuxUdp.IOVEC_BYTES + 8, SLOT_BYTES);
      }
    }
  }

  private BatchedDatagramIo(ServerCounters counters) {
    this.counters = counters;
  }

  /** Binds every address in {@code listen}; called reflectively by {@link DatagramIos}. */
  public static DatagramIo open(List<InetSocketAddress> listen, ServerCounters counters)
      throws IOException {
    LinuxUdp.checkPlatform();
    BatchedDatagramIo io = new BatchedDatagramIo(counters);
    try {
      for (InetSocketAddress address : listen) {
        io.bind(address);
      }
    } catch (IOException | RuntimeException e) {
      io.close();
      throw e;
    }
    return io;
  }

  private void bind(InetSocketAddress address) throws IOException {
    int fd = udp.open(address, UdpEndpoint.SOCKET_BUFFER_BYTES, codec, arena);
    UdpEndpoint endpoint;
    try {
      endpoint = UdpEndpoint.ofNative(udp.localAddress(fd, codec, arena));
    } catch (IOException | RuntimeException e) {
      udp.close(fd);
      throw e;
    }
    endpoints.add(endpoint);
    sockets.add(new Socket(endpoint, fd, address.getAddress() instanceof Inet6Address));
  }

  /**
   * The start-up self-test: two loopback sockets, a batch of three datagrams from one to the other,
   * each received intact from the right sender (the same interned object every time) in one {@code
   * recvmmsg}.
   *
   * @return null when it passed, otherwise what went wrong
   */
  public static String selfTest() throws IOException {
    InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
    ServerCounters counters = new ServerCounters();
    try (DatagramIo io = open(List.of(loopback, loopback), counters)) {
      UdpEndpoint a = io.endpoints().get(0);
      UdpEndpoint b = io.endpoints().get(1);
      byte[] tx = new byte[1200];
      for (int i = 0; i < 3; i++) {
        Arrays.fill(tx, (byte) (i + 1));
        if (!io.send(a, null, b.localAddress(), tx, 100 + i)) {
          return "could not queue a datagram";
        }
      }
      io.flush();
      if (counters.get(Counter.DATAGRAMS_SENT) != 3) {
        return "sendmmsg sent " + counters.get(Counter.DATAGRAMS_SENT) + " of 3";
      }
      byte[] rx = new byte[SLOT_BYTES];
      InetSocketAddress[] from = new InetSocketAddress[3];
      String[] wrong = new String[1];
      int[] got = new int[1];
      long deadline = System.nanoTime() + 1_000_000_000L;
      while (got[0] < 3 && System.nanoTime() < deadline) {
        io.receive(
            b,
            rx,
            (endpoint, sender, len) -> {
              int i = got[0]++;
              if (i < 3) {
                from[i] = sender;
                if (len != 100 + i || rx[0] != i + 1 || rx[len - 1] != i + 1) {
                  wrong[0] = "datagram " + i + " arrived as " + len + " bytes of " + rx[0];
                }
              }
              return true;
            },
            SLOTS);
      }
      if (wrong[0] != null) {
        return wrong[0];
      }
      if (got[0] != 3) {
        return "recvmmsg delivered " + got[0] + " of 3 datagrams";
      }
      if (!a.localAddress().equals(from[0]) || from[0] != from[1] || from[1] != from[2]) {
        return "sender decoded as " + Arrays.toString(from) + ", sent from " + a.localAddress();
      }
      return null;
    }
  }

  @Override
  public String name() {
    return "batched";
  }

  @Override
  public List<UdpEndpoint> endpoints() {
    return endpoints;
  }

  private Socket socket(UdpEndpoint endpoint) {
    for (int i = 0; i < sockets.size(); i++) {
      Socket s = sockets.get(i);
      if (s.endpoint == endpoint) {
        return s;
      }
    }
    throw new IllegalArgumentException("not one of this I/O's endpoints: " + endpoint);
  }

  @Override
  public int receive(UdpEndpoint endpoint, byte[] rx, Receiver receiver, int max) {
    Socket s = socket(endpoint);
    Ring ring = s.rx;
    int delivered = 0;
    while (delivered < max) {
      if (s.rxNext == s.rxCount && !fill(s)) {
        break;
      }
      int i = s.rxNext++;
      int h = i * LinuxUdp.MMSGHDR_BYTES;
      int len = ring.header.getInt(h + LinuxUdp.MSG_LEN);
      if ((ring.header.getInt(h + LinuxUdp.MSG_FLAGS) & LinuxUdp.MSG_TRUNC) != 0) {
        counters.increment(Counter.RECEIVE_ERRORS);
        continue;
      }
      InetSocketAddress from =
          codec.decode(ring.name, i * NAME_STRIDE, ring.header.getInt(h + LinuxUdp.MSG_NAMELEN));
      if (from == null) {
        counters.increment(Counter.RECEIVE_ERRORS);
        continue;
      }
      ring.bytes.get(i * SLOT_BYTES, rx, 0, len);
      delivered++;
      if (!receiver.onDatagram(endpoint, from, len)) {
        break;
      }
    }
    return delivered;
  }

  /** One recvmmsg into the whole ring; false when nothing was waiting (or it failed). */
  private boolean fill(Socket s) {
    Ring ring = s.rx;
    for (int i = 0; i < SLOTS; i++) {
      ring.header.putInt(i * LinuxUdp.MMSGHDR_BYTES + LinuxUdp.MSG_NAMELEN, NAME_STRIDE);
    }
    s.rxNext = 0;
    s.rxCount = 0;
    int n = udp.recvmmsg(s.fd, ring.headers.address(), SLOTS);
    if (n < 0) {
      int errno = udp.errno();
      if (errno != LinuxUdp.EAGAIN && errno != LinuxUdp.EINTR) {
        counters.increment(Counter.RECEIVE_ERRORS);
        LOG.debug("recvmmsg on {} failed: {}", s.endpoint, LinuxUdp.name(errno));
      }
      return false;
    }
    s.rxCount = n;
    return n > 0;
  }

  @Override
  public boolean send(
      UdpEndpoint endpoint, ServerConnection connection, InetSocketAddress to, byte[] tx, int len) {
    Socket s = socket(endpoint);
    if (s.txCount == SLOTS) {
      flush(s);
    }
    Ring ring = s.tx;
    int i = s.txCount;
    int nameLength = codec.encode(to, s.ipv6, ring.name, i * NAME_STRIDE);
    if (nameLength < 0 || len > SLOT_BYTES) {
      counters.increment(Counter.DROP_SEND_ERROR);
      LOG.debug("cannot send {} bytes to {} from {}", len, to, endpoint);
      return false;
    }
    int h = i * LinuxUdp.MMSGHDR_BYTES;
    ring.header.putInt(h + LinuxUdp.MSG_NAMELEN, nameLength);
    ring.iovec.putLong(i * LinuxUdp.IOVEC_BYTES + 8, len);
    ring.bytes.put(i * SLOT_BYTES, tx, 0, len);
    s.txCount = i + 1;
    return true;
  }

  @Override
  public void flush() {
    for (int i = 0; i < sockets.size(); i++) {
      Socket s = sockets.get(i);
      if (s.txCount > 0) {
        flush(s);
      }
    }
  }

  /** sendmmsg until the ring is empty: partial sends continue, a full buffer drops the rest. */
  private void flush(Socket s) {
    Ring ring = s.tx;
    int next = 0;
    while (next < s.txCount) {
      int n =
          udp.sendmmsg(
              s.fd,
              ring.headers.address() + (long) next * LinuxUdp.MMSGHDR_BYTES,
              s.txCount - next);
      if (n > 0) {
        for (int i = next; i < next + n; i++) {
          counters.add(Counter.BYTES_SENT, ring.iovec.getLong(i * LinuxUdp.IOVEC_BYTES + 8));
        }
        counters.add(Counter.DATAGRAMS_SENT, n);
        next += n;
        continue;
      }
      int errno = n < 0 ? udp.errno() : LinuxUdp.EAGAIN;
      if (errno == LinuxUdp.EINTR) {
        continue;
      }
      if (errno == LinuxUdp.EAGAIN) {
        counters.add(Counter.DROP_SEND_BUFFER_FULL, s.txCount - next);
        break;
      }
      // The first datagram of the rest failed (e.g. EMSGSIZE, ENETUNREACH): drop it, go on.
      counters.increment(Counter.DROP_SEND_ERROR);
      LOG.debug("sendmmsg on {} failed: {}", s.endpoint, LinuxUdp.name(errno));
      next++;
    }
    s.txCount = 0;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Socket s : sockets) {
      try {
        udp.close(s.fd);
      } catch (RuntimeException e) {
        LOG.warn("closing {} failed", s.endpoint, e);
      }
    }
    arena.close();
  }

  @Override
  public String toString() {
    return "batched" + endpoints;
  }
}
