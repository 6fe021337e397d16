package dev.ztna.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.loop.ServerConfig;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: the server's key log ({@code --keylog-file}) lets Wireshark decrypt a capture. The
 * Agent talks to the relay through a small UDP proxy that writes every datagram into a pcap file
 * (raw IPv4, as on loopback); tshark, given only the server's key log, must show the relayed packet
 * as the payload of a QUIC DATAGRAM frame in both directions, and nothing without it. Skipped when
 * {@code tshark} is not installed ({@code apt-get install tshark}).
 */
class KeyLogWiresharkTest {

  private static boolean tsharkPresent() {
    try {
      Process p = new ProcessBuilder("tshark", "-v").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Test
  void tsharkDecryptsRelayedDatagramWithServerKeyLog(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(tsharkPresent(), "tshark not installed");
    Path keys = dir.resolve("server-keys.log");
    Path pcap = dir.resolve("agent.pcap");
    long seed = 1213L;
    System.out.println("KeyLogWiresharkTest seed " + seed);
    int a = E2e.ipv4(10, 1, 0, 1);
    int c = E2e.ipv4(10, 1, 0, 2);
    byte[] up = E2e.ipv4Packet(a, c, 7, 120, seed);
    byte[] down = E2e.ipv4Packet(c, a, 8, 130, seed + 1);
    int serverPort;
    // Without Retry: after a Retry, quiche (through Netty 4.2.7) sends a new ClientHello with a new
    // random in the same CRYPTO offsets (RFC 9000 §17.2.5.2 asks for the same message), and
    // Wireshark 4.0 takes that for a retransmission and keeps the first random, which matches no
    // key log line. Our key log names the ClientHello the server actually answered.
    try (E2e.Relay relay =
        new E2e.Relay(b -> b.keyLogFile(keys).retryMode(ServerConfig.RetryMode.NEVER))) {
      serverPort = relay.address().getPort();
      try (PcapProxy proxy = new PcapProxy(relay.address(), pcap);
          QuichePeer connector = QuichePeer.connect("connector", relay.address());
          QuichePeer agent = QuichePeer.connect("agent", proxy.address())) {
        E2e.registerConnector(relay, connector, "svc-pcap");
        E2e.registerAgent(relay, agent, "svc-pcap");
        E2e.pingPong(agent, connector, up);
        E2e.pingPong(connector, agent, down);
      }
    }
    // Kept for inspection: target/keylog-wireshark/{agent.pcap,server-keys.log}.
    Path keep = Path.of("target", "keylog-wireshark");
    Files.createDirectories(keep);
    Files.copy(pcap, keep.resolve("agent.pcap"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(keys, keep.resolve("server-keys.log"), StandardCopyOption.REPLACE_EXISTING);
    List<String> decrypted = datagrams(pcap, serverPort, keys);
    String upHex = HexFormat.of().formatHex(up);
    String downHex = HexFormat.of().formatHex(down);
    assertTrue(decrypted.contains(upHex), "Agent's packet in a DATAGRAM frame: " + decrypted);
    assertTrue(decrypted.contains(downHex), "relayed packet in a DATAGRAM frame: " + decrypted);
    // Control: without the key log the same capture shows no DATAGRAM frame.
    Path empty = dir.resolve("empty.log");
    Files.writeString(empty, "");
    assertEquals(List.of(), datagrams(pcap, serverPort, empty));
  }

  /** DATAGRAM frame payloads (hex) that tshark decrypts from {@code pcap} with {@code keyLog}. */
  private static List<String> datagrams(Path pcap, int port, Path keyLog) throws Exception {
    Process p =
        new ProcessBuilder(
                "tshark",
                "-n",
                "-r",
                pcap.toString(),
                "-o",
                "tls.keylog_file:" + keyLog,
                "-d",
                "udp.port==" + port + ",quic",
                "-Y",
                "quic.dg",
                "-T",
                "fields",
                "-e",
                "quic.dg")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "tshark finished");
    assertEquals(0, p.exitValue(), "tshark exit code; output " + out);
    List<String> result = new ArrayList<>();
    for (String line : out.split("\n")) {
      for (String field : line.split(",")) {
        String hex = field.replace(":", "").trim();
        if (!hex.isEmpty()) {
          result.add(hex);
        }
      }
    }
    return result;
  }

  /**
   * Forwards one client's datagrams to the server and back, writing each into a pcap file (link
   * type RAW: IPv4 + UDP headers, as a capture on loopback would show them).
   */
  static final class PcapProxy implements AutoCloseable {
    private final DatagramSocket front;
    private final DatagramSocket back;
    private final InetSocketAddress server;
    private final DataOutputStream out;
    private final List<Thread> threads = new ArrayList<>();
    private volatile InetSocketAddress client;
    private volatile boolean closed;

    PcapProxy(InetSocketAddress server, Path file) throws IOException {
      this.server = server;
      this.front = new DatagramSocket(new InetSocketAddress(server.getAddress(), 0));
      this.back = new DatagramSocket(new InetSocketAddress(server.getAddress(), 0));
      back.connect(server);
      OutputStream os = Files.newOutputStream(file);
      out = new DataOutputStream(new java.io.BufferedOutputStream(os));
      out.writeInt(0xa1b2c3d4); // pcap magic, microsecond timestamps, big-endian
      out.writeShort(2);
      out.writeShort(4);
      out.writeInt(0);
      out.writeInt(0);
      out.writeInt(65535);
      out.writeInt(101); // LINKTYPE_RAW
      threads.add(pump(true));
      threads.add(pump(false));
      threads.forEach(Thread::start);
    }

    InetSocketAddress address() {
      return (InetSocketAddress) front.getLocalSocketAddress();
    }

    private Thread pump(boolean upstream) {
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[65535];
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                while (!closed) {
                  try {
                    p.setLength(buf.length);
                    if (upstream) {
                      front.receive(p);
                      client = (InetSocketAddress) p.getSocketAddress();
                      record(client, server, buf, p.getLength());
                      back.send(new DatagramPacket(buf, p.getLength()));
                    } else {
                      back.receive(p);
                      InetSocketAddress to = client;
                      if (to != null) {
                        record(server, to, buf, p.getLength());
                        front.send(new DatagramPacket(buf, p.getLength(), to));
                      }
                    }
                  } catch (SocketException e) {
                    return; // closed
                  } catch (IOException e) {
                    throw new AssertionError(e);
                  }
                }
              },
              upstream ? "pcap-up" : "pcap-down");
      t.setDaemon(true);
      return t;
    }

    private synchronized void record(
        InetSocketAddress from, InetSocketAddress to, byte[] payload, int len) throws IOException {
      long micros = TimeUnit.NANOSECONDS.toMicros(System.currentTimeMillis() * 1_000_000L);
      int total = 20 + 8 + len;
      out.writeInt((int) (micros / 1_000_000));
      out.writeInt((int) (micros % 1_000_000));
      out.writeInt(total);
      out.writeInt(total);
      byte[] ip = new byte[20];
      ip[0] = 0x45;
      ip[2] = (byte) (total >> 8);
      ip[3] = (byte) total;
      ip[6] = 0x40; // don't fragment
      ip[8] = 64;
      ip[9] = 17; // UDP
      System.arraycopy(from.getAddress().getAddress(), 0, ip, 12, 4);
      System.arraycopy(to.getAddress().getAddress(), 0, ip, 16, 4);
      int sum = 0;
      for (int i = 0; i < 20; i += 2) {
        sum += ((ip[i] & 0xff) << 8) | (ip[i + 1] & 0xff);
      }
      sum = (sum & 0xffff) + (sum >> 16);
      sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
      ip[10] = (byte) (sum >> 8);
      ip[11] = (byte) sum;
      out.write(ip);
      out.writeShort(from.getPort());
      out.writeShort(to.getPort());
      out.writeShort(8 + len);
      out.writeShort(0); // no UDP checksum (allowed over IPv4)
      out.write(payload, 0, len);
    }

    @Override
    public void close() throws IOException {
      closed = true;
      front.close();
      back.close();
      for (Thread t : threads) {
        try {
          t.join(5_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      synchronized (this) {
        out.close();
      }
      assertFalse(threads.stream().anyMatch(Thread::isAlive), "proxy threads stopped");
    }
  }
}
