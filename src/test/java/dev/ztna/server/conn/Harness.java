package dev.ztna.server.conn;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.certs.ServerCredentials.KeyType;
import dev.ztna.server.certs.TestCredentials;
import dev.ztna.server.tls.TlsServerConfig;
import dev.ztna.server.wire.PacketHeaderFlyweight;
import dev.ztna.server.wire.TransportParameters;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import tech.kwik.agent15.TlsConstants;
import tech.kwik.agent15.TlsConstants.NamedGroup;

/**
 * An in-memory network between one {@link TestClient} and one {@link QuicConnection} with a virtual
 * clock, seeded loss, reordering and duplication, and a recording {@link ConnectionListener}.
 */
final class Harness implements ConnectionListener {
  static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.1", 50000);
  static final InetSocketAddress CLIENT2 = new InetSocketAddress("192.0.2.1", 50001);

  static ServerCredentials credentials(KeyType type) {
    return TestCredentials.of(type);
  }

  static ConnectionConfig.Builder config(ServerCredentials creds) {
    return config(new TlsServerConfig(creds));
  }

  static ConnectionConfig.Builder config(TlsServerConfig tls) {
    SecureRandom sr = new SecureRandom();
    return ConnectionConfig.builder(
        tls, new RandomConnectionIdGenerator(8, sr), new StatelessResetTokens(new byte[32]));
  }

  final Random random;
  final ConnectionConfig cfg;
  TestClient client;
  QuicConnection conn;
  long now = 1_000_000_000L;
  InetSocketAddress clientAddr = CLIENT;

  double lossToClient;
  double lossToServer;
  double duplicate;
  boolean reorder;

  // Listener records.
  final Set<String> routed = new HashSet<>();
  int issued;
  int retired;
  int established;
  int closedCalls;
  long closedCode = -1;
  boolean closedApp;
  boolean closedByPeer;
  String closedReason;
  final ArrayList<byte[]> serverReceivedDatagrams = new ArrayList<>();
  final List<InetSocketAddress> addressChanges = new ArrayList<>();
  final List<InetSocketAddress> peerAddressChanges = new ArrayList<>();

  // Traffic records.
  long toServerBytes;
  long toClientBytes;
  final ArrayList<byte[]> serverDatagrams = new ArrayList<>();
  final ArrayList<InetSocketAddress> serverDestinations = new ArrayList<>();
  byte[] out = new byte[2048];

  Harness(long seed, ConnectionConfig cfg) {
    this.random = new Random(seed);
    this.cfg = cfg;
  }

  Harness(long seed) {
    this(seed, config(credentials(KeyType.EC_P256)).build());
  }

  TestClient newClient(TlsConstants.CipherSuite cs, String alpn, TransportParameters tp) {
    client = new TestClient(random, cs, alpn, 8, tp, NamedGroup.x25519);
    return client;
  }

  /** Sends the client's first flight and creates the server connection from it. */
  void start(boolean retry) {
    if (client == null) {
      newClient(TlsConstants.CipherSuite.TLS_AES_128_GCM_SHA256, "ztna-v1", null);
    }
    List<byte[]> first = client.flush();
    byte[] d = first.get(0);
    if (retry) {
      byte[] retryScid = new byte[8];
      random.nextBytes(retryScid);
      client.onRetry(retryScid);
      client.retransmitCrypto();
      first = client.flush();
      d = first.get(0);
    }
    PacketHeaderFlyweight h = new PacketHeaderFlyweight();
    if (h.wrap(new UnsafeBuffer(d), 0, d.length, 8) != PacketHeaderFlyweight.OK) {
      throw new IllegalStateException("bad client Initial");
    }
    byte[] dcid = Arrays.copyOfRange(d, h.dcidOffset(), h.dcidOffset() + h.dcidLength());
    byte[] scid = Arrays.copyOfRange(d, h.scidOffset(), h.scidOffset() + h.scidLength());
    byte[] odcid = retry ? client.originalDcid : dcid;
    conn =
        QuicConnection.accept(
            cfg,
            this,
            dcid,
            0,
            dcid.length,
            scid,
            0,
            scid.length,
            odcid,
            0,
            odcid.length,
            retry,
            clientAddr,
            retry,
            now);
    toServer(d);
  }

  long lastToServerLength;

  void toServer(byte[] d) {
    toServerBytes += d.length;
    lastToServerLength = d.length;
    byte[] copy = d.clone();
    conn.onDatagram(copy, 0, copy.length, clientAddr, now);
  }

  /**
   * One exchange: server output to the client, client output to the server. Returns datagrams
   * moved.
   */
  int step() {
    int moved = 0;
    List<byte[]> toClient = new ArrayList<>();
    int n;
    while ((n = conn.pollDatagram(out, 0, now)) > 0) {
      byte[] d = Arrays.copyOf(out, n);
      serverDatagrams.add(d);
      serverDestinations.add(conn.pollDestination());
      toClientBytes += n;
      moved++;
      if (random.nextDouble() < lossToClient) {
        continue;
      }
      toClient.add(d);
      if (random.nextDouble() < duplicate) {
        toClient.add(d);
      }
    }
    if (reorder) {
      java.util.Collections.shuffle(toClient, random);
    }
    for (byte[] d : toClient) {
      client.receive(d);
    }
    List<byte[]> toSrv = client.flush();
    if (reorder) {
      java.util.Collections.shuffle(toSrv, random);
    }
    for (byte[] d : toSrv) {
      moved++;
      if (random.nextDouble() < lossToServer) {
        continue;
      }
      toServer(d);
      if (random.nextDouble() < duplicate) {
        toServer(d);
      }
    }
    return moved;
  }

  /** Drains the server's output; the client hears it but stays silent. */
  int step0() {
    int moved = 0;
    int n;
    while ((n = conn.pollDatagram(out, 0, now)) > 0) {
      byte[] d = Arrays.copyOf(out, n);
      serverDatagrams.add(d);
      serverDestinations.add(conn.pollDestination());
      toClientBytes += n;
      moved++;
    }
    return moved;
  }

  /** Advances the clock to the connection's next deadline and fires it. */
  void advance() {
    long t = conn.nextTimeoutNanos();
    if (t == Long.MAX_VALUE) {
      now += 1_000_000_000L;
    } else {
      now = Math.max(now + 1, t);
    }
    conn.onTimeout(now);
  }

  /**
   * The client's probe timeout during the handshake, as this harness emulates it: when the server
   * has no earlier deadline, time only moves this far before the client retransmits.
   */
  static final long CLIENT_PTO_NANOS = 1_000_000_000L;

  /**
   * Advances the clock as a real handshake would: to the connection's next deadline, or to the
   * client's own PTO if that comes first (then the server's timers do not fire; the caller lets the
   * client retransmit). Without this, a server blocked by the anti-amplification limit (RFC 9002
   * §6.2.2.1: no PTO armed until the client sends again) would jump straight to its idle timeout
   * although a real client probes within about a second.
   */
  void advanceUntilClientPto() {
    long t = conn.nextTimeoutNanos();
    if (t > now + CLIENT_PTO_NANOS) {
      now += CLIENT_PTO_NANOS;
      return;
    }
    now = Math.max(now + 1, t);
    conn.onTimeout(now);
  }

  /** Runs exchanges, advancing time when idle, until {@code done} or {@code maxRounds}. */
  boolean runUntil(BooleanSupplier done, int maxRounds) {
    for (int i = 0; i < maxRounds; i++) {
      if (done.getAsBoolean()) {
        return true;
      }
      if (step() == 0) {
        if (done.getAsBoolean()) {
          return true;
        }
        if (!client.isHandshakeComplete() || !client.handshakeDone) {
          client.retransmitCrypto(); // emulates the client's own PTO
          advanceUntilClientPto();
        } else {
          advance();
        }
      }
    }
    return done.getAsBoolean();
  }

  boolean handshake() {
    return runUntil(
        () -> conn.isEstablished() && client.isHandshakeComplete() && client.handshakeDone, 400);
  }

  /** Lets ACKs settle without advancing time beyond pending ACK deadlines. */
  void settle() {
    for (int i = 0; i < 20; i++) {
      if (step() == 0) {
        long t = conn.nextTimeoutNanos();
        if (t != Long.MAX_VALUE && t <= now + 100_000_000L) {
          now = Math.max(now, t);
          conn.onTimeout(now);
        } else {
          return;
        }
      }
    }
  }

  // ConnectionListener

  @Override
  public void onLocalCidIssued(QuicConnection c, byte[] cid, int off, int len) {
    issued++;
    routed.add(hex(cid, off, len));
  }

  @Override
  public void onLocalCidRetired(QuicConnection c, byte[] cid, int off, int len) {
    retired++;
    if (!routed.remove(hex(cid, off, len))) {
      throw new AssertionError("retired a CID that was not routed");
    }
  }

  @Override
  public void onEstablished(QuicConnection c) {
    established++;
  }

  boolean countOnly;
  long datagramCount;

  @Override
  public void onDatagram(QuicConnection c, DirectBuffer data, int off, int len) {
    datagramCount++;
    if (countOnly) {
      return;
    }
    byte[] b = new byte[len];
    data.getBytes(off, b);
    serverReceivedDatagrams.add(b);
  }

  @Override
  public void onAddressChanged(QuicConnection c, InetSocketAddress newPeer) {
    addressChanges.add(newPeer);
  }

  @Override
  public void onPeerAddressChanged(QuicConnection c, InetSocketAddress newPeer) {
    peerAddressChanges.add(newPeer);
  }

  @Override
  public void onClosed(
      QuicConnection c, long errorCode, boolean application, boolean byPeer, String reason) {
    closedCalls++;
    closedCode = errorCode;
    closedApp = application;
    closedByPeer = byPeer;
    closedReason = reason;
  }

  static String hex(byte[] b, int off, int len) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < len; i++) {
      sb.append(String.format("%02x", b[off + i]));
    }
    return sb.toString();
  }
}
