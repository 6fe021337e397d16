package dev.ztna.server.interop;

import java.io.IOException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds 200 sockets open, so descriptors opened afterwards are far above 127 as on a busy server:
 * the JDK's epoll selector boxes each ready descriptor (loop/SelectorBoxing), and a zero-allocation
 * test must not depend on what earlier tests left open.
 */
final class HighDescriptors implements AutoCloseable {
  private final List<DatagramChannel> held = new ArrayList<>();

  HighDescriptors() throws IOException {
    for (int i = 0; i < 200; i++) {
      held.add(DatagramChannel.open());
    }
  }

  @Override
  public void close() throws IOException {
    for (DatagramChannel c : held) {
      c.close();
    }
  }
}
