package dev.ztna.server.loop;

import java.nio.ByteBuffer;
import java.util.function.ObjLongConsumer;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A fixed set of counters named by an enum: one per event and one per drop reason. Single writer
 * (the duty-cycle thread) with ordered stores; any thread may read them with {@link #get}. Each
 * counter sits on its own pair of cache lines so that readers do not disturb the writer. Used by
 * the loop ({@link ServerCounters}) and the relay.
 *
 * @param <E> the enum naming the counters
 */
public class CounterSet<E extends Enum<E> & CounterSet.Labelled> {
  /** A counter's stable snake_case name: logged and read by tests and operators. */
  public interface Labelled {
    /** The stable name. */
    String label();
  }

  private static final int STRIDE = BitUtil.CACHE_LINE_LENGTH * 2;
  private final E[] all;
  private final UnsafeBuffer values;

  /** Counters for every constant of {@code type}, all zero. */
  protected CounterSet(Class<E> type) {
    this.all = type.getEnumConstants();
    this.values =
        new UnsafeBuffer(
            ByteBuffer.allocateDirect(all.length * STRIDE + BitUtil.CACHE_LINE_LENGTH));
  }

  // The ordinal is only the slot index inside this process: never persisted or exposed.
  @SuppressWarnings("EnumOrdinal")
  private static int offset(Enum<?> c) {
    return c.ordinal() * STRIDE;
  }

  /** Adds one; writer thread only. */
  public final void increment(E c) {
    add(c, 1);
  }

  /** Adds {@code delta}; writer thread only. */
  public final void add(E c, long delta) {
    int offset = offset(c);
    values.putLongOrdered(offset, values.getLong(offset) + delta);
  }

  /** A volatile read, safe from any thread. */
  public final long get(E c) {
    return values.getLongVolatile(offset(c));
  }

  /**
   * Calls {@code consumer} with every counter's label and value (allocates; not for the hot path).
   */
  public final void forEach(ObjLongConsumer<String> consumer) {
    for (E c : all) {
      consumer.accept(c.label(), get(c));
    }
  }

  /** The non-zero counters as {@code name=value} pairs, for logs. */
  @Override
  public final String toString() {
    StringBuilder sb = new StringBuilder();
    forEach(
        (name, value) -> {
          if (value != 0) {
            if (sb.length() > 0) {
              sb.append(' ');
            }
            sb.append(name).append('=').append(value);
          }
        });
    return sb.toString();
  }
}
