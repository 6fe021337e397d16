package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.tls.TlsServerHandshake;
import dev.ztna.server.wire.FrameReader;
import dev.ztna.server.wire.FrameType;
import dev.ztna.server.wire.FrameWriter;
import dev.ztna.server.wire.PacketHeaderFlyweight;
import dev.ztna.server.wire.TransportError;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The frame dispatcher alone, with a recording {@link FrameDispatcher.Host}: what each packet's
 * frames return (ack-eliciting, probing), which frames close with which error, and what reaches the
 * connection. The parts no frame of these tests reaches are absent (null).
 */
class FrameDispatcherTest {
  private static final int APP = PacketNumberSpace.APPLICATION;
  private static final int SHORT = PacketHeaderFlyweight.TYPE_SHORT;
  private static final int INITIAL_TYPE = PacketHeaderFlyweight.TYPE_INITIAL;
  private static final InetSocketAddress FROM = new InetSocketAddress("192.0.2.1", 4433);

  /** Records what the dispatcher asks of the connection. */
  static final class Host implements FrameDispatcher.Host {
    long closeCode = -1;
    long closeFrameType = -1;
    boolean closing;
    boolean draining;
    long peerCloseCode = -1;
    boolean peerCloseApplication;
    final List<byte[]> datagrams = new ArrayList<>();
    final List<Long> pathResponses = new ArrayList<>();

    @Override
    public void closeTransport(long code, long frameType, String reason, long now) {
      closeCode = code;
      closeFrameType = frameType;
      closing = true;
    }

    @Override
    public boolean closingOrClosed() {
      return closing;
    }

    @Override
    public boolean draining() {
      return draining;
    }

    @Override
    public void onPeerClose(long errorCode, boolean application, long now) {
      peerCloseCode = errorCode;
      peerCloseApplication = application;
      draining = true;
    }

    @Override
    public void onDatagramFrame(DirectBuffer buffer, int offset, int length) {
      byte[] b = new byte[length];
      buffer.getBytes(offset, b);
      datagrams.add(b);
    }

    @Override
    public void onPathResponse(long data) {
      pathResponses.add(data);
    }

    @Override
    public void onLocalCidRetired(int slot) {}

    @Override
    public TlsServerHandshake tls() {
      return null;
    }
  }

  private final UnsafeBuffer packet = new UnsafeBuffer(new byte[1500]);
  private Host host;
  private FrameDispatcher frames;
  private int length;

  @BeforeEach
  void setUp() {
    ConnectionConfig cfg =
        Harness.config(Harness.credentials(ServerCredentials.KeyType.EC_P256))
            .maxDatagramFrameSize(1200)
            .build();
    host = new Host();
    frames = new FrameDispatcher(cfg, null, null, null, null, new CryptoStreams(), host);
    frames.bind(
        new FrameReader(),
        new long[FrameReader.MAX_ACK_RANGES],
        new long[FrameReader.MAX_ACK_RANGES],
        packet);
    length = 0;
  }

  private int dispatch(int space, int type) {
    return frames.dispatch(space, type, 0, length, FROM, 0, -1, 1200, 0);
  }

  @Test
  void paddingAloneIsNotAckEliciting() {
    length += FrameWriter.writePadding(packet, length, 20);
    assertEquals(0, dispatch(APP, SHORT));
    assertFalse(host.closing);
  }

  @Test
  void pingIsAckElicitingAndNonProbing() {
    length += FrameWriter.writePing(packet, length);
    assertEquals(2, dispatch(APP, SHORT));
  }

  @Test
  void aPathResponseWithPaddingIsAProbingPacket() {
    length += FrameWriter.writePathResponse(packet, length, 0x0102030405060708L);
    length += FrameWriter.writePadding(packet, length, 10);
    assertEquals(1, dispatch(APP, SHORT)); // RFC 9000 §9.1: probing frames only
    assertEquals(List.of(0x0102030405060708L), host.pathResponses);
  }

  @Test
  void aDatagramReachesTheConnectionUnchanged() {
    UnsafeBuffer payload = new UnsafeBuffer(new byte[] {9, 8, 7});
    length += FrameWriter.writeDatagram(packet, length, payload, 0, 3, true);
    assertEquals(2, dispatch(APP, SHORT));
    assertEquals(1, host.datagrams.size());
    assertEquals(9, host.datagrams.get(0)[0]);
    assertEquals(3, host.datagrams.get(0).length);
  }

  @Test
  void aDatagramLargerThanAdvertisedIsAProtocolViolation() {
    UnsafeBuffer payload = new UnsafeBuffer(new byte[1300]);
    length += FrameWriter.writeDatagram(packet, length, payload, 0, 1300, true);
    assertEquals(-1, dispatch(APP, SHORT));
    assertEquals(TransportError.PROTOCOL_VIOLATION, host.closeCode);
    assertTrue(host.datagrams.isEmpty());
  }

  @Test
  void aPacketWithoutFramesIsAProtocolViolation() {
    assertEquals(-1, dispatch(APP, SHORT));
    assertEquals(TransportError.PROTOCOL_VIOLATION, host.closeCode);
  }

  @Test
  void aTruncatedFrameIsAFrameEncodingError() {
    length += FrameWriter.writePathResponse(packet, length, 1);
    length -= 3;
    assertEquals(-1, dispatch(APP, SHORT));
    assertEquals(TransportError.FRAME_ENCODING_ERROR, host.closeCode);
  }

  @Test
  void aDatagramInAnInitialPacketIsNotAllowed() {
    UnsafeBuffer payload = new UnsafeBuffer(new byte[4]);
    length += FrameWriter.writeDatagram(packet, length, payload, 0, 4, true);
    assertEquals(-1, dispatch(PacketNumberSpace.INITIAL, INITIAL_TYPE));
    assertEquals(TransportError.PROTOCOL_VIOLATION, host.closeCode);
    assertTrue(host.datagrams.isEmpty());
  }

  @Test
  void framesOnlyAServerSendsCloseTheConnection() {
    length += FrameWriter.writeHandshakeDone(packet, length);
    assertEquals(-1, dispatch(APP, SHORT));
    assertEquals(TransportError.PROTOCOL_VIOLATION, host.closeCode);
    assertEquals(FrameType.HANDSHAKE_DONE, host.closeFrameType);
  }

  @Test
  void thePeersCloseDrainsAndStopsTheRestOfThePacket() {
    length += FrameWriter.writeConnectionClose(packet, length, true, 0x102, 0, "bye", 16);
    UnsafeBuffer payload = new UnsafeBuffer(new byte[4]);
    length += FrameWriter.writeDatagram(packet, length, payload, 0, 4, true);
    assertEquals(0, dispatch(APP, SHORT));
    assertEquals(0x102, host.peerCloseCode);
    assertTrue(host.peerCloseApplication);
    assertTrue(host.datagrams.isEmpty(), "nothing after the CONNECTION_CLOSE is processed");
    assertFalse(host.closing);
  }

  @Test
  void cryptoAfterTheHandshakeIsAnUnexpectedMessage() {
    // RFC 9001 §6: no KeyUpdate in QUIC; no post-handshake authentication was requested.
    UnsafeBuffer data = new UnsafeBuffer(new byte[8]);
    length += FrameWriter.writeCrypto(packet, length, 0, data, 0, 8);
    assertEquals(-1, dispatch(APP, SHORT));
    assertEquals(
        TransportError.cryptoError(dev.ztna.server.tls.TlsAlert.UNEXPECTED_MESSAGE),
        host.closeCode);
    assertEquals(FrameType.CRYPTO, host.closeFrameType);
    assertNull(host.tls());
  }

  @Test
  void cryptoPastTheReassemblyBufferIsCryptoBufferExceeded() {
    UnsafeBuffer data = new UnsafeBuffer(new byte[8]);
    length += FrameWriter.writeCrypto(packet, length, CryptoStreams.BUFFER, data, 0, 8);
    assertEquals(-1, dispatch(APP, SHORT));
    assertEquals(TransportError.CRYPTO_BUFFER_EXCEEDED, host.closeCode);
  }
}
