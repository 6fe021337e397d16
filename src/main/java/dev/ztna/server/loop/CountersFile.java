package dev.ztna.server.loop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The process's counters in one memory-mapped file, laid out as Aeron's driver lays out its CnC
 * file: a small header, then an Agrona {@link CountersManager}'s metadata buffer (type id and label
 * of each counter) and values buffer (one 128-byte slot per counter). The loop thread writes the
 * values with ordered stores; another process maps the file read-only ({@link #openReadOnly}) and
 * reads them through a {@link CountersReader} without touching the server (the {@code stat} command
 * does).
 *
 * <p>Header (little-endian, {@value #HEADER_LENGTH} bytes): {@code int version} at 0 (written last,
 * with an ordered store, so a reader that sees it sees the rest), {@code int metadataLength} at 4,
 * {@code int valuesLength} at 8, {@code long pid} at 16, {@code long startTimeEpochMs} at 24.
 * Metadata starts at {@value #HEADER_LENGTH}, values right after it.
 *
 * <p>{@link #inMemory()} gives the same counters over private direct memory (tests, tools).
 */
public final class CountersFile implements AutoCloseable {
  /** Layout version in the header. */
  public static final int VERSION = 1;

  /** Bytes of header before the metadata buffer. */
  public static final int HEADER_LENGTH = BitUtil.CACHE_LINE_LENGTH * 2;

  /** File name prefix of the default file; followed by the pid and {@link #SUFFIX}. */
  public static final String PREFIX = "ztna-intermediate-server-";

  /** File name suffix of the default file. */
  public static final String SUFFIX = ".counters";

  /** Counters the default file has room for (the server and relay use about 60). */
  public static final int DEFAULT_MAX_COUNTERS = 256;

  static final int VERSION_OFFSET = 0;
  static final int METADATA_LENGTH_OFFSET = 4;
  static final int VALUES_LENGTH_OFFSET = 8;
  static final int PID_OFFSET = 16;
  static final int START_TIME_OFFSET = 24;

  private final Path path;
  private final MappedByteBuffer mapped;
  private final CountersManager manager;
  private boolean closed;

  private CountersFile(Path path, MappedByteBuffer mapped, CountersManager manager) {
    this.path = path;
    this.mapped = mapped;
    this.manager = manager;
  }

  /** {@code <java.io.tmpdir>/ztna-intermediate-server-<pid>.counters}. */
  public static Path defaultPath() {
    return Path.of(System.getProperty("java.io.tmpdir"))
        .resolve(PREFIX + ProcessHandle.current().pid() + SUFFIX);
  }

  /** Counters over private direct memory: nothing on disk. */
  public static CountersFile inMemory(int maxCounters) {
    int valuesLength = maxCounters * CountersReader.COUNTER_LENGTH;
    int metadataLength = maxCounters * CountersReader.METADATA_LENGTH;
    AtomicBuffer metadata =
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(metadataLength, HEADER_LENGTH));
    AtomicBuffer values =
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(valuesLength, HEADER_LENGTH));
    return new CountersFile(null, null, new CountersManager(metadata, values));
  }

  /** {@link #inMemory(int)} with room for {@link #DEFAULT_MAX_COUNTERS}. */
  public static CountersFile inMemory() {
    return inMemory(DEFAULT_MAX_COUNTERS);
  }

  /**
   * Creates (or truncates and reuses) {@code path} with room for {@link #DEFAULT_MAX_COUNTERS}
   * counters and maps it. {@link #close()} unmaps and deletes it.
   */
  public static CountersFile create(Path path) throws IOException {
    int valuesLength = DEFAULT_MAX_COUNTERS * CountersReader.COUNTER_LENGTH;
    int metadataLength = DEFAULT_MAX_COUNTERS * CountersReader.METADATA_LENGTH;
    int total = HEADER_LENGTH + metadataLength + valuesLength;
    MappedByteBuffer mapped;
    try (FileChannel channel =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
      // Sparse zeros; the mapping stays valid after the channel closes.
      mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, total);
    }
    UnsafeBuffer whole = new UnsafeBuffer(mapped);
    whole.setMemory(0, total, (byte) 0);
    whole.putInt(METADATA_LENGTH_OFFSET, metadataLength, ByteOrder.LITTLE_ENDIAN);
    whole.putInt(VALUES_LENGTH_OFFSET, valuesLength, ByteOrder.LITTLE_ENDIAN);
    whole.putLong(PID_OFFSET, ProcessHandle.current().pid(), ByteOrder.LITTLE_ENDIAN);
    whole.putLong(START_TIME_OFFSET, System.currentTimeMillis(), ByteOrder.LITTLE_ENDIAN);
    UnsafeBuffer metadata = new UnsafeBuffer(whole, HEADER_LENGTH, metadataLength);
    UnsafeBuffer values = new UnsafeBuffer(whole, HEADER_LENGTH + metadataLength, valuesLength);
    whole.putIntOrdered(VERSION_OFFSET, VERSION);
    return new CountersFile(path, mapped, new CountersManager(metadata, values));
  }

  /** Where the counters live, or null for {@link #inMemory()}. */
  public Path path() {
    return path;
  }

  /** Allocates counters (at start-up) and is their reader (from any thread). */
  public CountersManager manager() {
    return manager;
  }

  /** Unmaps and deletes the file (nothing for in-memory counters). Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (mapped != null) {
      IoUtil.unmap(mapped);
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete " + path, e);
      }
    }
  }

  /**
   * The newest counters file ({@code ztna-intermediate-server-*.counters}) in {@code dir}, by the
   * start time in its header (the file's modification time when the header cannot be read).
   */
  public static Optional<Path> newest(Path dir) throws IOException {
    Path best = null;
    long bestTime = Long.MIN_VALUE;
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
      for (Path file : files) {
        long time;
        try (View view = openReadOnly(file)) {
          time = view.startTimeMs();
        } catch (IOException | RuntimeException e) {
          continue; // being created, being deleted, or not ours
        }
        if (time > bestTime) {
          bestTime = time;
          best = file;
        }
      }
    }
    return Optional.ofNullable(best);
  }

  /** Maps {@code path} read-only; throws with a readable reason when it is not a counters file. */
  public static View openReadOnly(Path path) throws IOException {
    MappedByteBuffer mapped;
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < HEADER_LENGTH) {
        throw new IOException(path + " is not a counters file (" + size + " bytes)");
      }
      mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
    }
    UnsafeBuffer whole = new UnsafeBuffer(mapped);
    int version = whole.getIntVolatile(VERSION_OFFSET);
    int metadataLength = whole.getInt(METADATA_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
    int valuesLength = whole.getInt(VALUES_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
    if (version != VERSION
        || metadataLength <= 0
        || valuesLength <= 0
        || (long) HEADER_LENGTH + metadataLength + valuesLength > whole.capacity()) {
      IoUtil.unmap(mapped);
      throw new IOException(
          path + " is not a counters file of version " + VERSION + " (version " + version + ")");
    }
    return new View(
        path,
        mapped,
        whole.getLong(PID_OFFSET, ByteOrder.LITTLE_ENDIAN),
        whole.getLong(START_TIME_OFFSET, ByteOrder.LITTLE_ENDIAN),
        new CountersReader(
            new UnsafeBuffer(whole, HEADER_LENGTH, metadataLength),
            new UnsafeBuffer(whole, HEADER_LENGTH + metadataLength, valuesLength)));
  }

  /** A read-only mapping of another (or this) process's counters file. */
  public static final class View implements AutoCloseable {
    private final Path path;
    private final MappedByteBuffer mapped;
    private final long pid;
    private final long startTimeMs;
    private final CountersReader reader;

    View(Path path, MappedByteBuffer mapped, long pid, long startTimeMs, CountersReader reader) {
      this.path = path;
      this.mapped = mapped;
      this.pid = pid;
      this.startTimeMs = startTimeMs;
      this.reader = reader;
    }

    /** The mapped file. */
    public Path path() {
      return path;
    }

    /** The writing process's id. */
    public long pid() {
      return pid;
    }

    /** When the writing process created the file, epoch milliseconds. */
    public long startTimeMs() {
      return startTimeMs;
    }

    /** The counters. */
    public CountersReader reader() {
      return reader;
    }

    /** Unmaps the file. */
    @Override
    public void close() {
      IoUtil.unmap(mapped);
    }
  }
}
