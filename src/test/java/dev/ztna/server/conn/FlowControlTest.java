package dev.ztna.server.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FlowControlTest {
  // Windows: connection 10 000, streams 1 000; 4 bidi and 2 uni streams.
  private final FlowControl fc = new FlowControl(10_000, 1_000, 1_000, 4, 2);

  private static long bidi(long index) {
    return index << 2;
  }

  private static long uni(long index) {
    return (index << 2) | 2;
  }

  @Test
  void serverInitiatedStreamsAreStateErrors() {
    assertEquals(ConnErrors.STREAM_STATE_ERROR, fc.onStreamData(1, 0, 10, false));
    assertEquals(ConnErrors.STREAM_STATE_ERROR, fc.onStreamData(3, 0, 10, false));
    assertEquals(ConnErrors.STREAM_STATE_ERROR, fc.onStreamReset(7, 0));
    assertEquals(0x05, ConnErrors.transportErrorCode(ConnErrors.STREAM_STATE_ERROR));
  }

  @Test
  void streamLimit() {
    assertEquals(ConnErrors.OK, fc.onStreamData(bidi(3), 0, 1, false));
    assertEquals(ConnErrors.STREAM_LIMIT_ERROR, fc.onStreamData(bidi(4), 0, 1, false));
    assertEquals(ConnErrors.OK, fc.onStreamData(uni(1), 0, 1, false));
    assertEquals(ConnErrors.STREAM_LIMIT_ERROR, fc.onStreamData(uni(2), 0, 0, true));
    assertEquals(ConnErrors.STREAM_LIMIT_ERROR, fc.onStreamReset(uni(2), 0));
  }

  @Test
  void streamFlowControl() {
    assertEquals(ConnErrors.OK, fc.onStreamData(bidi(0), 0, 400, false));
    assertEquals(-1, fc.streamMaxDataUpdate());
    assertEquals(ConnErrors.FLOW_CONTROL_ERROR, fc.onStreamData(bidi(0), 900, 101, false));
    assertEquals(ConnErrors.OK, fc.onStreamData(bidi(0), 400, 101, false)); // 501: half consumed
    assertEquals(1_501, fc.streamMaxDataUpdate());
    assertEquals(1_501, fc.maxStreamData(bidi(0)));
    assertEquals(ConnErrors.OK, fc.onStreamData(bidi(0), 1_400, 101, false));
    assertEquals(ConnErrors.OK, fc.onStreamData(bidi(0), 100, 100, false)); // old data: no update
    assertEquals(-1, fc.streamMaxDataUpdate());
  }

  @Test
  void connectionFlowControlAndMaxData() {
    FlowControl c = new FlowControl(1_000, 1_000, 1_000, 4, 4);
    assertEquals(ConnErrors.OK, c.onStreamData(bidi(0), 0, 400, false));
    assertFalse(c.maxDataUpdateWanted());
    assertEquals(ConnErrors.OK, c.onStreamData(bidi(1), 0, 200, false));
    assertTrue(c.maxDataUpdateWanted());
    assertEquals(1_600, c.commitMaxDataUpdate());
    assertFalse(c.maxDataUpdateWanted());
    assertEquals(ConnErrors.OK, c.onStreamData(bidi(2), 0, 900, false));
    assertEquals(ConnErrors.FLOW_CONTROL_ERROR, c.onStreamData(bidi(3), 0, 200, false));
  }

  @Test
  void finalSizeRules() {
    assertEquals(ConnErrors.OK, fc.onStreamData(bidi(0), 0, 100, false));
    assertEquals(ConnErrors.FINAL_SIZE_ERROR, fc.onStreamData(bidi(0), 0, 50, true));
    assertEquals(ConnErrors.FINAL_SIZE_ERROR, fc.onStreamReset(bidi(0), 99));
    assertEquals(ConnErrors.OK, fc.onStreamData(bidi(1), 0, 10, false));
    assertEquals(
        ConnErrors.OK, fc.onStreamData(bidi(1), 50, 0, true)); // final size 50, hole 10..50
    assertEquals(50 + 100, fc.bytesReceived()); // the final size counts, holes included
    assertEquals(1, fc.closedStreams(true));
    // Retransmitted hole data on the closed stream is ignored.
    assertEquals(ConnErrors.OK, fc.onStreamData(bidi(1), 10, 40, false));
    assertEquals(150, fc.bytesReceived());
  }

  @Test
  void finalSizeKnownOnOpenStream() {
    // RESET_STREAM closes; FIN before the data arrives also closes (data is discarded anyway).
    assertEquals(ConnErrors.OK, fc.onStreamReset(uni(0), 300));
    assertEquals(300, fc.bytesReceived());
    assertEquals(ConnErrors.OK, fc.onStreamReset(uni(0), 300));
    assertEquals(ConnErrors.FLOW_CONTROL_ERROR, fc.onStreamReset(uni(1), 1_001));
  }

  @Test
  void closedStreamsReturnStreamCredit() {
    for (int i = 0; i < 2; i++) {
      assertEquals(ConnErrors.OK, fc.onStreamData(bidi(i), 0, 10, true));
    }
    assertTrue(fc.maxStreamsUpdateWanted(true));
    assertFalse(fc.maxStreamsUpdateWanted(false));
    assertEquals(6, fc.commitMaxStreamsUpdate(true));
    assertEquals(ConnErrors.OK, fc.onStreamData(bidi(5), 0, 10, false));
    assertEquals(ConnErrors.STREAM_LIMIT_ERROR, fc.onStreamData(bidi(6), 0, 10, false));
    assertEquals(1, fc.openStreams(true));
  }

  @Test
  void stuckStreamBoundsTheLimit() {
    FlowControl c = new FlowControl(1L << 40, 1_000, 1_000, 2, 0);
    assertEquals(ConnErrors.OK, c.onStreamData(bidi(0), 0, 1, false)); // held open forever
    long next = 1;
    for (int round = 0; round < 200; round++) {
      long limit = c.maxStreams(true);
      while (next < limit) {
        assertEquals(ConnErrors.OK, c.onStreamData(bidi(next++), 0, 1, true));
      }
      if (c.maxStreamsUpdateWanted(true)) {
        c.commitMaxStreamsUpdate(true);
      }
    }
    assertEquals(64, c.maxStreams(true)); // bounded by the closed-stream bitmap window
    assertEquals(1, c.openStreams(true));
    // Closing the stuck stream releases the rest.
    assertEquals(ConnErrors.OK, c.onStreamReset(bidi(0), 1));
    assertTrue(c.maxStreamsUpdateWanted(true));
    assertEquals(66, c.commitMaxStreamsUpdate(true));
  }

  @Test
  void malformedInputs() {
    assertEquals(ConnErrors.FRAME_ENCODING_ERROR, fc.onStreamData(-4, 0, 1, false));
    assertEquals(ConnErrors.FRAME_ENCODING_ERROR, fc.onStreamData(0, -1, 1, false));
    assertEquals(
        ConnErrors.FLOW_CONTROL_ERROR, fc.onStreamData(0, FlowControl.MAX_VARINT, 1, false));
    assertEquals(ConnErrors.FRAME_ENCODING_ERROR, fc.onStreamReset(0, -1));
  }

  @Test
  void sendSideFrames() {
    assertEquals(ConnErrors.OK, fc.onSendSideFrame(bidi(3)));
    assertEquals(ConnErrors.STREAM_LIMIT_ERROR, fc.onSendSideFrame(bidi(4)));
    assertEquals(ConnErrors.STREAM_STATE_ERROR, fc.onSendSideFrame(uni(0))); // receive-only for us
    assertEquals(ConnErrors.STREAM_STATE_ERROR, fc.onSendSideFrame(1)); // never created
    assertEquals(ConnErrors.STREAM_STATE_ERROR, fc.onSendSideFrame(3));
    assertEquals(ConnErrors.FRAME_ENCODING_ERROR, fc.onSendSideFrame(-1));
  }
}
