package dev.ztna.server.perf;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A raw UDP sender of client Initials (plain {@link DatagramChannel}, no QUIC library): every
 * datagram is one well-formed QUIC v1 long-header Initial of 1200 bytes with a random 8-byte DCID,
 * an 8-byte SCID, no token and a Length field covering the rest of the datagram; the "protected"
 * packet number and payload are random bytes (they never decrypt). A server with stateless Retry
 * answers such a token-less Initial with a Retry before it tries to decrypt anything (RFC 9000
 * §8.1.2), so this measures the stateless Retry path alone.
 *
 * <p>Sends from K sockets (round-robin, each connected to the target) at an offered rate R per
 * second (R = 0: flat out, as fast as the sockets take them) for S seconds, or until N Retries have
 * been received, on one thread that also drains the replies. A reply counts as a Retry if its first
 * byte is a long header of type Retry ({@code (b & 0xf0) == 0xf0}) and as a Retry for this sender
 * if its DCID is the SCID we sent; anything else is counted as "other". After the send window it
 * keeps receiving for 500 ms.
 *
 * <p>Usage: {@code InitialFlood PORT [--rate R] [--seconds S] [--sockets K] [--until-retries N]
 * [--max-seconds S] [--label L]}. Prints one line {@code FLOOD label rate R secs S sent N send_full
 * F offered_per_s X retries N retries_per_s Y ratio Z other O ...}, with the change in the kernel's
 * system-wide UDP {@code RcvbufErrors} ({@code /proc/net/snmp}) over the run.
 */
public final class InitialFlood {
  private InitialFlood() {}

  static final int SIZE = 1200;
  private static final int CID_LENGTH = 8;

  /** Writes the fixed parts of an Initial into {@code p}; returns the DCID offset. */
  static int template(byte[] p, SplittableRandom rnd, long scid) {
    for (int i = 0; i < p.length; i++) {
      p[i] = (byte) rnd.nextInt();
    }
    int pos = 0;
    p[pos++] = (byte) 0xc3; // long header, fixed bit, type Initial (0), 4-byte packet number
    p[pos++] = 0;
    p[pos++] = 0;
    p[pos++] = 0;
    p[pos++] = 1; // version 1
    p[pos++] = CID_LENGTH;
    int dcidOffset = pos;
    pos += CID_LENGTH;
    p[pos++] = CID_LENGTH;
    for (int i = 0; i < CID_LENGTH; i++) {
      p[pos++] = (byte) (scid >>> (56 - 8 * i));
    }
    p[pos++] = 0; // token length 0
    int length = SIZE - pos - 2; // 2-byte varint Length: packet number + payload to the end
    p[pos++] = (byte) (0x40 | (length >>> 8));
    p[pos++] = (byte) length;
    return dcidOffset;
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    long rate = 0;
    double seconds = 5;
    int k = 4;
    long untilRetries = 0;
    double maxSeconds = 300;
    String label = "target";
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--rate" -> rate = Long.parseLong(args[++i]);
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--sockets" -> k = Integer.parseInt(args[++i]);
        case "--until-retries" -> untilRetries = Long.parseLong(args[++i]);
        case "--max-seconds" -> maxSeconds = Double.parseDouble(args[++i]);
        case "--label" -> label = args[++i];
        default -> throw new IllegalArgumentException(args[i]);
      }
    }
    InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
    long seed = System.nanoTime();
    SplittableRandom rnd = new SplittableRandom(seed);
    DatagramChannel[] ch = new DatagramChannel[k];
    ByteBuffer[] tx = new ByteBuffer[k];
    long[] scid = new long[k];
    int dcidOffset = 0;
    for (int i = 0; i < k; i++) {
      ch[i] = DatagramChannel.open();
      ch[i].setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
      ch[i].setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
      ch[i].bind(new InetSocketAddress("127.0.0.1", 0));
      ch[i].connect(target);
      ch[i].configureBlocking(false);
      scid[i] = rnd.nextLong();
      byte[] p = new byte[SIZE];
      dcidOffset = template(p, rnd, scid[i]);
      tx[i] = ByteBuffer.allocateDirect(SIZE);
      tx[i].put(p).flip();
    }
    ByteBuffer rx = ByteBuffer.allocateDirect(65536);
    long sent = 0;
    long sendFull = 0;
    long retries = 0;
    long foreign = 0;
    long other = 0;
    long rcvbuf0 = RelayPair.rcvbufErrors();
    long t0 = System.nanoTime();
    long end = untilRetries > 0 ? t0 + (long) (maxSeconds * 1e9) : t0 + (long) (seconds * 1e9);
    long drainEnd = Long.MAX_VALUE;
    long sendEnd = 0;
    int next = 0;
    for (long now = t0; now < drainEnd; now = System.nanoTime()) {
      boolean sending = now < end && (untilRetries == 0 || retries < untilRetries);
      if (sending) {
        long due = rate == 0 ? sent + 64 : (long) ((now - t0) * (double) rate / 1e9);
        for (int b = 0; b < 64 && sent < due; b++) {
          ByteBuffer buf = tx[next];
          buf.putLong(dcidOffset, rnd.nextLong());
          buf.clear();
          int n;
          try {
            n = ch[next].write(buf);
          } catch (java.io.IOException e) {
            n = 0; // e.g. ECONNREFUSED from an earlier ICMP: the target is down
          }
          next = next + 1 == k ? 0 : next + 1;
          if (n == 0) {
            sendFull++;
            break;
          }
          sent++;
        }
      } else if (drainEnd == Long.MAX_VALUE) {
        sendEnd = now;
        drainEnd = now + 500_000_000L;
      }
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < 64; j++) {
          rx.clear();
          int n;
          try {
            n = ch[i].read(rx);
          } catch (java.io.IOException e) {
            n = -1;
          }
          if (n <= 0) {
            break;
          }
          int fb = rx.get(0) & 0xff;
          if ((fb & 0xf0) == 0xf0 && n > 6 + CID_LENGTH && rx.get(5) == CID_LENGTH) {
            if (rx.getLong(6) == scid[i]) {
              retries++;
            } else {
              foreign++;
            }
          } else {
            other++;
          }
        }
      }
    }
    double secs = (sendEnd - t0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "FLOOD %s rate %d secs %.2f sent %d send_full %d offered_per_s %.0f retries %d"
            + " retries_per_s %.0f ratio %.4f other %d foreign_retry %d sockets %d"
            + " udp_rcvbuf_errors %d seed %d%n",
        label,
        rate,
        secs,
        sent,
        sendFull,
        sent / secs,
        retries,
        retries / secs,
        sent == 0 ? 0.0 : (double) retries / sent,
        other,
        foreign,
        k,
        RelayPair.rcvbufErrors() - rcvbuf0,
        seed);
    for (DatagramChannel c : ch) {
      c.close();
    }
  }
}
