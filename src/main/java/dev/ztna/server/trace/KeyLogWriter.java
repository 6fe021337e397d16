package dev.ztna.server.trace;

import dev.ztna.server.tls.KeyLogSink;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends TLS secrets to a file in the NSS key log format ({@code SSLKEYLOGFILE}), one line {@code
 * LABEL <client_random hex> <secret hex>} per secret, readable by Wireshark's {@code
 * tls.keylog_file}. The loop thread only copies a fixed-size record (label id, 32-byte client
 * random, secret of up to 48 bytes) into a ring buffer; a daemon thread formats and appends. A full
 * ring drops the record and counts it in {@link #dropped()}.
 */
public final class KeyLogWriter implements KeyLogSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KeyLogWriter.class);
  private static final int SECRET_LEN_OFF = CLIENT_RANDOM_LENGTH;
  private static final int SECRET_OFF = SECRET_LEN_OFF + 1;
  static final int RECORD_LENGTH = SECRET_OFF + MAX_SECRET_LENGTH;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final Path file;
  private final Writer out;
  private final RingWriterThread writer;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong written = new AtomicLong();
  private final byte[] random = new byte[CLIENT_RANDOM_LENGTH];
  private final byte[] secret = new byte[MAX_SECRET_LENGTH];
  private final StringBuilder line = new StringBuilder(256);

  private KeyLogWriter(Path file, Writer out, int ringCapacity) {
    this.file = file;
    this.out = out;
    this.writer = new RingWriterThread("ztna-keylog", ringCapacity, this::onRecord, this::flush);
  }

  /**
   * Opens (creating with owner-only permissions where the file system supports it, else appending
   * to) {@code file} and starts the writer thread. Logs a WARN: whoever reads the file can decrypt
   * the traffic.
   */
  public static KeyLogWriter open(Path file) throws IOException {
    return open(file, 1 << 16, true);
  }

  /** As {@link #open(Path)} with a ring of {@code ringCapacity} bytes; tests may not start it. */
  static KeyLogWriter open(Path file, int ringCapacity, boolean start) throws IOException {
    if (!Files.exists(file)
        && FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    Writer w =
        Files.newBufferedWriter(
            file, StandardCharsets.US_ASCII, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    KeyLogWriter k = new KeyLogWriter(file, w, ringCapacity);
    if (start) {
      k.writer.start();
    }
    LOG.warn(
        "TLS key log enabled: every connection's secrets are appended to {}; anyone who can read"
            + " it can decrypt captured traffic. Do not enable this in production.",
        file.toAbsolutePath());
    return k;
  }

  @Override
  public void log(int label, byte[] clientRandom, byte[] secretBytes) {
    int len = secretBytes.length;
    if (clientRandom.length != CLIENT_RANDOM_LENGTH || len > MAX_SECRET_LENGTH) {
      dropped.incrementAndGet();
      return;
    }
    int i = writer.ring.tryClaim(label, RECORD_LENGTH);
    if (i < 0) {
      dropped.incrementAndGet();
      return;
    }
    AtomicBuffer b = writer.ring.buffer();
    b.putBytes(i, clientRandom, 0, CLIENT_RANDOM_LENGTH);
    b.putByte(i + SECRET_LEN_OFF, (byte) len);
    b.putBytes(i + SECRET_OFF, secretBytes, 0, len);
    writer.ring.commit(i);
  }

  private void onRecord(int label, DirectBuffer b, int index, int length) {
    b.getBytes(index, random);
    int len = b.getByte(index + SECRET_LEN_OFF);
    b.getBytes(index + SECRET_OFF, secret, 0, len);
    line.setLength(0);
    format(line, label, random, secret, len);
    try {
      out.append(line).append('\n');
      written.incrementAndGet();
    } catch (IOException e) {
      dropped.incrementAndGet();
      LOG.warn("key log {}: {}", file, e.toString());
    }
  }

  private void flush() {
    try {
      out.flush();
    } catch (IOException e) {
      LOG.warn("key log {}: {}", file, e.toString());
    }
  }

  /** One key log line (without the newline): {@code LABEL <client_random hex> <secret hex>}. */
  public static String format(int label, byte[] clientRandom, byte[] secret) {
    StringBuilder sb = new StringBuilder();
    format(sb, label, clientRandom, secret, secret.length);
    return sb.toString();
  }

  private static void format(
      StringBuilder sb, int label, byte[] clientRandom, byte[] secret, int secretLength) {
    sb.append(KeyLogSink.labelName(label)).append(' ');
    hex(sb, clientRandom, clientRandom.length);
    sb.append(' ');
    hex(sb, secret, secretLength);
  }

  private static void hex(StringBuilder sb, byte[] b, int len) {
    for (int i = 0; i < len; i++) {
      sb.append(HEX[(b[i] >> 4) & 0xf]).append(HEX[b[i] & 0xf]);
    }
  }

  /** Records dropped because the ring was full or the file could not be written. */
  public long dropped() {
    return dropped.get();
  }

  /** Lines appended to the file so far. */
  public long written() {
    return written.get();
  }

  /** Writes what is queued, stops the writer thread and closes the file; idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return; // idempotent
    }
    writer.close();
    try {
      out.close();
    } catch (IOException e) {
      LOG.warn("key log {}: {}", file, e.toString());
    }
    if (dropped.get() > 0) {
      LOG.warn("key log {}: {} records dropped", file, dropped.get());
    }
  }
}
