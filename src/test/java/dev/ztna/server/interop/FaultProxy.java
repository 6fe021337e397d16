package dev.ztna.server.interop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A userspace UDP fault-injection proxy for tests (stands in for {@code tc netem}, which these
 * machines lack).
 *
 * <p>Clients send to {@link #clientFacingAddress()}; for every distinct client source address the
 * proxy opens its own upstream socket toward the server (so the server sees one proxy port per
 * client, like a NAT). {@link #rebind(InetSocketAddress)} moves one client's upstream socket to a
 * fresh port mid-connection (NAT rebinding, RFC 9000 §9.3): the server then sees a new source port
 * while the client notices nothing. The old upstream socket is closed, so whatever the server still
 * sends to the old port is lost, as after a real NAT rebinding.
 *
 * <p>Faults are configured per {@link Direction} through {@link #policy(Direction)} at any time
 * from any thread. Every random choice comes from a per-direction {@link Random} derived from the
 * seed given to the constructor (printed on start), so for the same sequence of datagrams in one
 * direction the same faults happen, whatever the other direction does. The order in which a
 * datagram meets the faults is: blackhole, drop-after-N, drop predicate, random loss, corruption,
 * reordering, duplication.
 *
 * <p>All socket I/O runs on one daemon thread that blocks in a {@link Selector} with a bounded wait
 * (no busy spinning). Every socket asks for 4 MiB send and receive buffers. {@link #close()} stops
 * the thread and closes every socket.
 */
public final class FaultProxy implements AutoCloseable {

  /** Which way a datagram travels. */
  enum Direction {
    CLIENT_TO_SERVER,
    SERVER_TO_CLIENT
  }

  static final int SOCKET_BUFFER_BYTES = 4 << 20;

  /** Only the first this many bytes of a datagram are candidates for corruption. */
  static final int CORRUPTION_WINDOW = 50;

  /** A datagram held back for reordering is released after this long even if nothing follows. */
  static final long MAX_HOLD_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private static final long MAX_SELECT_WAIT_MS = 100;

  private final InetSocketAddress server;
  private final long seed;
  private final Selector selector;
  private final DatagramChannel clientSide;
  private final InetSocketAddress clientFacingAddress;
  private final Map<InetSocketAddress, Session> sessions = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final Policy[] policies = new Policy[2];
  private final Stats[] stats = {new Stats(), new Stats()};
  private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(65_536);
  private final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(65_536);
  private final Thread thread;
  private volatile boolean closed;
  private volatile Throwable failure;

  /** Starts a proxy toward {@code server} on 127.0.0.1 with an ephemeral client-facing port. */
  public FaultProxy(InetSocketAddress server, long seed) throws IOException {
    this.server = server;
    this.seed = seed;
    policies[0] = new Policy(new Random(seed));
    policies[1] = new Policy(new Random(seed ^ 0x5DEECE66DL * 31));
    selector = Selector.open();
    clientSide = openChannel();
    clientSide.register(selector, SelectionKey.OP_READ, null);
    clientFacingAddress = (InetSocketAddress) clientSide.getLocalAddress();
    System.out.println(
        "FaultProxy seed=" + seed + " listening on " + clientFacingAddress + " -> " + server);
    thread = new Thread(this::run, "fault-proxy-" + clientFacingAddress.getPort());
    thread.setDaemon(true);
    thread.start();
  }

  private static int idx(Direction d) {
    return d == Direction.CLIENT_TO_SERVER ? 0 : 1;
  }

  /** Where clients must send to. */
  public InetSocketAddress clientFacingAddress() {
    return clientFacingAddress;
  }

  InetSocketAddress serverAddress() {
    return server;
  }

  long seed() {
    return seed;
  }

  /** The live fault policy of one direction (thread-safe, takes effect for the next datagram). */
  Policy policy(Direction direction) {
    return policies[idx(direction)];
  }

  public Policy clientToServer() {
    return policy(Direction.CLIENT_TO_SERVER);
  }

  public Policy serverToClient() {
    return policy(Direction.SERVER_TO_CLIENT);
  }

  /** The counters of one direction. */
  Stats stats(Direction direction) {
    return stats[idx(direction)];
  }

  Stats clientToServerStats() {
    return stats(Direction.CLIENT_TO_SERVER);
  }

  Stats serverToClientStats() {
    return stats(Direction.SERVER_TO_CLIENT);
  }

  /**
   * Bytes of UDP payload the server sent toward clients (everything that reached the proxy from the
   * server, before any fault).
   */
  long serverSentBytes() {
    return serverToClientStats().receivedBytes();
  }

  /** Bytes of UDP payload sent by clients that the proxy delivered to the server (after faults). */
  long clientBytesDeliveredToServer() {
    return clientToServerStats().forwardedBytes();
  }

  /** The client source addresses seen so far. */
  public List<InetSocketAddress> clients() {
    return new ArrayList<>(sessions.keySet());
  }

  /** The address the server currently sees for {@code client}, or null if none yet. */
  public InetSocketAddress upstreamAddressOf(InetSocketAddress client) {
    Session s = sessions.get(client);
    return s == null ? null : s.upstreamAddress;
  }

  /** The only client seen so far (fails if there is not exactly one). */
  public InetSocketAddress onlyClient() {
    List<InetSocketAddress> all = clients();
    if (all.size() != 1) {
      throw new IllegalStateException("expected exactly one client, have " + all);
    }
    return all.get(0);
  }

  /**
   * NAT rebinding: replaces the upstream socket of {@code client} with one on a fresh port and
   * closes the old one. Returns the new address the server will see.
   */
  public InetSocketAddress rebind(InetSocketAddress client) {
    CompletableFuture<InetSocketAddress> result = new CompletableFuture<>();
    submit(
        () -> {
          Session s = sessions.get(client);
          if (s == null) {
            result.completeExceptionally(new IllegalStateException("unknown client " + client));
            return;
          }
          try {
            s.rebind();
            result.complete(s.upstreamAddress);
          } catch (IOException e) {
            result.completeExceptionally(e);
          }
        });
    try {
      return result.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("rebind failed", e);
    }
  }

  /** {@link #rebind(InetSocketAddress)} for the only client. */
  public InetSocketAddress rebindOnlyClient() {
    return rebind(onlyClient());
  }

  /** The first exception the I/O thread died of, if any. */
  public Throwable failure() {
    return failure;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    selector.wakeup();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeQuietly(clientSide);
    for (Session s : sessions.values()) {
      closeQuietly(s.upstream);
    }
    try {
      selector.close();
    } catch (IOException ignored) {
      // best effort
    }
  }

  // ---------------------------------------------------------------- I/O thread

  private void submit(Runnable task) {
    if (closed) {
      throw new IllegalStateException("proxy closed");
    }
    tasks.add(task);
    selector.wakeup();
  }

  private void run() {
    try {
      while (!closed) {
        long wait = MAX_SELECT_WAIT_MS;
        long now = System.nanoTime();
        for (Session s : sessions.values()) {
          for (Held h : s.held) {
            if (h != null) {
              long ms = TimeUnit.NANOSECONDS.toMillis(h.releaseAtNanos - now) + 1;
              wait = Math.max(1, Math.min(wait, ms));
            }
          }
        }
        selector.select(wait);
        Runnable task;
        while ((task = tasks.poll()) != null) {
          task.run();
        }
        var it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          if (!key.isValid()) {
            continue;
          }
          Session session = (Session) key.attachment();
          if (session == null) {
            drainClientSide();
          } else if (key.channel() == session.upstream) {
            drainUpstream(session);
          }
        }
        releaseExpiredHeld(System.nanoTime());
      }
    } catch (ClosedSelectorException e) {
      // closing
    } catch (Throwable t) {
      if (!closed) {
        failure = t;
        System.out.println("FaultProxy I/O thread failed: " + t);
        t.printStackTrace(System.out);
      }
    }
  }

  private void drainClientSide() throws IOException {
    for (int i = 0; i < 256; i++) {
      receiveBuffer.clear();
      InetSocketAddress from = (InetSocketAddress) clientSide.receive(receiveBuffer);
      if (from == null) {
        return;
      }
      Session s = sessions.get(from);
      if (s == null) {
        s = new Session(from);
        sessions.put(from, s);
      }
      handle(Direction.CLIENT_TO_SERVER, s, copy(receiveBuffer));
    }
  }

  private void drainUpstream(Session s) throws IOException {
    DatagramChannel ch = s.upstream;
    for (int i = 0; i < 256; i++) {
      receiveBuffer.clear();
      InetSocketAddress from;
      try {
        from = (InetSocketAddress) ch.receive(receiveBuffer);
      } catch (IOException e) {
        return; // e.g. ICMP port unreachable surfaced on the socket
      }
      if (from == null) {
        return;
      }
      if (!from.equals(server)) {
        continue; // not from the server: a NAT would not forward it either
      }
      handle(Direction.SERVER_TO_CLIENT, s, copy(receiveBuffer));
    }
  }

  private static byte[] copy(ByteBuffer buf) {
    buf.flip();
    byte[] data = new byte[buf.remaining()];
    buf.get(data);
    return data;
  }

  private void handle(Direction dir, Session s, byte[] data) {
    Stats st = stats[idx(dir)];
    st.received.incrementAndGet();
    st.receivedBytes.addAndGet(data.length);
    Policy p = policies[idx(dir)];
    Decision d = p.decide(data);
    switch (d.drop) {
      case NONE:
        break;
      case BLACKHOLE:
        st.droppedBlackhole.incrementAndGet();
        drop(st, data);
        return;
      case AFTER_N:
        st.droppedAfterN.incrementAndGet();
        drop(st, data);
        return;
      case PREDICATE:
        st.droppedByPredicate.incrementAndGet();
        drop(st, data);
        return;
      case LOSS:
        st.droppedLoss.incrementAndGet();
        drop(st, data);
        return;
    }
    if (d.corruptIndex >= 0) {
      data[d.corruptIndex] ^= d.corruptMask;
      st.corrupted.incrementAndGet();
    }
    int di = idx(dir);
    Held previous = s.held[di];
    if (previous != null) {
      s.held[di] = null;
      send(dir, s, data, d.duplicate);
      send(dir, s, previous.data, previous.duplicate);
      return;
    }
    if (d.hold) {
      st.reordered.incrementAndGet();
      s.held[di] = new Held(data, d.duplicate, System.nanoTime() + MAX_HOLD_NANOS);
      return;
    }
    send(dir, s, data, d.duplicate);
  }

  private static void drop(Stats st, byte[] data) {
    st.dropped.incrementAndGet();
    st.droppedBytes.addAndGet(data.length);
  }

  private void releaseExpiredHeld(long now) {
    for (Session s : sessions.values()) {
      for (Direction dir : Direction.values()) {
        Held h = s.held[idx(dir)];
        if (h != null && now - h.releaseAtNanos >= 0) {
          s.held[idx(dir)] = null;
          send(dir, s, h.data, h.duplicate);
        }
      }
    }
  }

  private void send(Direction dir, Session s, byte[] data, boolean duplicate) {
    Stats st = stats[idx(dir)];
    int copies = duplicate ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      sendBuffer.clear();
      sendBuffer.put(data).flip();
      int sent;
      try {
        if (dir == Direction.CLIENT_TO_SERVER) {
          sent = s.upstream.send(sendBuffer, server);
        } else {
          sent = clientSide.send(sendBuffer, s.client);
        }
      } catch (IOException e) {
        sent = 0;
      }
      if (sent == 0) {
        st.sendFailures.incrementAndGet();
        continue;
      }
      st.forwarded.incrementAndGet();
      st.forwardedBytes.addAndGet(data.length);
      if (i == 1) {
        st.duplicated.incrementAndGet();
        st.duplicatedBytes.addAndGet(data.length);
      }
    }
  }

  private DatagramChannel openChannel() throws IOException {
    DatagramChannel ch = DatagramChannel.open();
    try {
      ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
      ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
      ch.bind(new InetSocketAddress("127.0.0.1", 0));
      ch.configureBlocking(false);
      return ch;
    } catch (IOException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  private static void closeQuietly(DatagramChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // best effort
    }
  }

  /** One client source address and its upstream socket; touched by the I/O thread only. */
  private final class Session {
    final InetSocketAddress client;
    final Held[] held = new Held[2];
    volatile DatagramChannel upstream;
    volatile InetSocketAddress upstreamAddress;

    Session(InetSocketAddress client) throws IOException {
      this.client = client;
      open();
    }

    private void open() throws IOException {
      DatagramChannel ch = openChannel();
      try {
        ch.register(selector, SelectionKey.OP_READ, this);
      } catch (IOException e) {
        closeQuietly(ch);
        throw e;
      }
      upstream = ch;
      upstreamAddress = (InetSocketAddress) ch.getLocalAddress();
    }

    void rebind() throws IOException {
      DatagramChannel old = upstream;
      open();
      SelectionKey key = old.keyFor(selector);
      if (key != null) {
        key.cancel();
      }
      closeQuietly(old);
    }
  }

  private static final class Held {
    final byte[] data;
    final boolean duplicate;
    final long releaseAtNanos;

    Held(byte[] data, boolean duplicate, long releaseAtNanos) {
      this.data = data;
      this.duplicate = duplicate;
      this.releaseAtNanos = releaseAtNanos;
    }
  }

  enum DropCause {
    NONE,
    BLACKHOLE,
    AFTER_N,
    PREDICATE,
    LOSS
  }

  static final class Decision {
    DropCause drop = DropCause.NONE;
    int corruptIndex = -1;
    byte corruptMask;
    boolean hold;
    boolean duplicate;
  }

  /**
   * The faults applied to one direction. Setters are thread-safe and return {@code this}; a
   * probability of 0 turns that fault off (and then draws no random numbers).
   */
  public static final class Policy {
    private final Random random;
    private boolean blackhole;
    private long dropAfter = -1;
    private long seenSinceDropAfter;
    private Predicate<byte[]> dropIf;
    private double lossProbability;
    private int maxLossBurst = Integer.MAX_VALUE;
    private int currentLossBurst;
    private double corruptProbability;
    private double duplicateProbability;
    private double reorderProbability;

    Policy(Random random) {
      this.random = random;
    }

    /**
     * Drops each datagram with probability {@code probability}, but never more than {@code
     * maxBurst} in a row (the next one after a full burst always passes the loss stage).
     */
    public synchronized Policy loss(double probability, int maxBurst) {
      checkProbability(probability);
      if (maxBurst < 1) {
        throw new IllegalArgumentException("maxBurst must be >= 1");
      }
      lossProbability = probability;
      maxLossBurst = maxBurst;
      currentLossBurst = 0;
      return this;
    }

    /** Drops each datagram with {@code probability}, no burst limit. */
    public synchronized Policy loss(double probability) {
      return loss(probability, Integer.MAX_VALUE);
    }

    /** Flips one random byte among the first 50 of each datagram with {@code probability}. */
    public synchronized Policy corrupt(double probability) {
      checkProbability(probability);
      corruptProbability = probability;
      return this;
    }

    /** Drops every datagram while on. */
    synchronized Policy blackhole(boolean on) {
      blackhole = on;
      return this;
    }

    /**
     * Lets the next {@code n} datagrams through (counting from this call) and drops all later ones;
     * a negative {@code n} turns this off.
     */
    synchronized Policy dropAfter(long n) {
      dropAfter = n;
      seenSinceDropAfter = 0;
      return this;
    }

    /** Drops every datagram the predicate accepts (called on the proxy thread); null for none. */
    synchronized Policy dropIf(Predicate<byte[]> predicate) {
      dropIf = predicate;
      return this;
    }

    /** Sends each forwarded datagram twice with {@code probability}. */
    public synchronized Policy duplicate(double probability) {
      checkProbability(probability);
      duplicateProbability = probability;
      return this;
    }

    /**
     * With {@code probability}, holds a datagram back and sends it right after the next one of the
     * same client in this direction (or after 200 ms if none comes).
     */
    public synchronized Policy reorder(double probability) {
      checkProbability(probability);
      reorderProbability = probability;
      return this;
    }

    /** Turns every fault off. */
    public synchronized Policy clear() {
      blackhole = false;
      dropAfter = -1;
      dropIf = null;
      lossProbability = 0;
      maxLossBurst = Integer.MAX_VALUE;
      currentLossBurst = 0;
      corruptProbability = 0;
      duplicateProbability = 0;
      reorderProbability = 0;
      return this;
    }

    private static void checkProbability(double p) {
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException("probability out of [0,1]: " + p);
      }
    }

    synchronized Decision decide(byte[] data) {
      Decision d = new Decision();
      if (blackhole) {
        d.drop = DropCause.BLACKHOLE;
        return d;
      }
      if (dropAfter >= 0) {
        seenSinceDropAfter++;
        if (seenSinceDropAfter > dropAfter) {
          d.drop = DropCause.AFTER_N;
          return d;
        }
      }
      if (dropIf != null && dropIf.test(data)) {
        d.drop = DropCause.PREDICATE;
        return d;
      }
      if (lossProbability > 0) {
        boolean lose = random.nextDouble() < lossProbability;
        if (lose && currentLossBurst < maxLossBurst) {
          currentLossBurst++;
          d.drop = DropCause.LOSS;
          return d;
        }
        currentLossBurst = 0;
      }
      if (corruptProbability > 0 && data.length > 0 && random.nextDouble() < corruptProbability) {
        d.corruptIndex = random.nextInt(Math.min(CORRUPTION_WINDOW, data.length));
        d.corruptMask = (byte) (1 + random.nextInt(255));
      }
      if (reorderProbability > 0 && random.nextDouble() < reorderProbability) {
        d.hold = true;
      }
      if (duplicateProbability > 0 && random.nextDouble() < duplicateProbability) {
        d.duplicate = true;
      }
      return d;
    }
  }

  /** Counters of one direction; safe to read from any thread. */
  static final class Stats {
    final AtomicLong received = new AtomicLong();
    final AtomicLong receivedBytes = new AtomicLong();
    final AtomicLong forwarded = new AtomicLong();
    final AtomicLong forwardedBytes = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong droppedBytes = new AtomicLong();
    final AtomicLong droppedLoss = new AtomicLong();
    final AtomicLong droppedBlackhole = new AtomicLong();
    final AtomicLong droppedAfterN = new AtomicLong();
    final AtomicLong droppedByPredicate = new AtomicLong();
    final AtomicLong corrupted = new AtomicLong();
    final AtomicLong duplicated = new AtomicLong();
    final AtomicLong duplicatedBytes = new AtomicLong();
    final AtomicLong reordered = new AtomicLong();
    final AtomicLong sendFailures = new AtomicLong();

    /** Datagrams that reached the proxy in this direction (before faults). */
    long received() {
      return received.get();
    }

    long receivedBytes() {
      return receivedBytes.get();
    }

    /** Datagrams sent on by the proxy (duplicates count twice). */
    long forwarded() {
      return forwarded.get();
    }

    long forwardedBytes() {
      return forwardedBytes.get();
    }

    long dropped() {
      return dropped.get();
    }

    long droppedBytes() {
      return droppedBytes.get();
    }

    long corrupted() {
      return corrupted.get();
    }

    long duplicated() {
      return duplicated.get();
    }

    long duplicatedBytes() {
      return duplicatedBytes.get();
    }

    /** Datagrams held back to be sent after their successor. */
    long reordered() {
      return reordered.get();
    }

    long sendFailures() {
      return sendFailures.get();
    }

    @Override
    public String toString() {
      return "received="
          + received
          + "/"
          + receivedBytes
          + "B forwarded="
          + forwarded
          + "/"
          + forwardedBytes
          + "B dropped="
          + dropped
          + "/"
          + droppedBytes
          + "B (loss="
          + droppedLoss
          + " blackhole="
          + droppedBlackhole
          + " afterN="
          + droppedAfterN
          + " predicate="
          + droppedByPredicate
          + ") corrupted="
          + corrupted
          + " duplicated="
          + duplicated
          + " reordered="
          + reordered
          + " sendFailures="
          + sendFailures;
    }
  }
}
