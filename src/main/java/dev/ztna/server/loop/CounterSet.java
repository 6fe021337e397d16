package dev.ztna.server.loop;

import java.util.function.ObjLongConsumer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * A fixed set of counters named by an enum: one per event and one per drop reason, plus a few
 * gauges. The values live in an Agrona {@link CountersManager} (the process's {@link CountersFile},
 * or private memory), each labelled with its stable snake_case {@link Labelled#label() label} and a
 * {@link Labelled#typeId() type id} ({@link #TYPE_COUNTER}, {@link #TYPE_GAUGE} or {@link
 * #TYPE_HEARTBEAT}) so that readers in other processes know how to show and export it. Single
 * writer (the duty-cycle thread) with ordered stores, nothing allocated per update; any thread may
 * read them with {@link #get}. Each value sits on its own pair of cache lines so that readers do
 * not disturb the writer. Used by the loop ({@link ServerCounters}) and the relay.
 *
 * @param <E> the enum naming the counters
 */
public class CounterSet<E extends Enum<E> & CounterSet.Labelled> {
  /** Type id of a monotonic counter (exported as a Prometheus counter). */
  public static final int TYPE_COUNTER = 1;

  /** Type id of a gauge: a current level that goes up and down. */
  public static final int TYPE_GAUGE = 2;

  /** Type id of a heartbeat: the epoch milliseconds of the writer's last duty cycle. */
  public static final int TYPE_HEARTBEAT = 3;

  /** A counter's stable snake_case name: logged and read by tests and operators. */
  public interface Labelled {
    /** The stable name. */
    String label();

    /** {@link #TYPE_COUNTER} (the default), {@link #TYPE_GAUGE} or {@link #TYPE_HEARTBEAT}. */
    default int typeId() {
      return TYPE_COUNTER;
    }
  }

  private final E[] all;
  private final int[] ids;
  private final int[] offsets;
  private final AtomicBuffer values;

  /** Counters for every constant of {@code type}, all zero, in private memory. */
  protected CounterSet(Class<E> type) {
    this(type, CountersFile.inMemory(type.getEnumConstants().length).manager());
  }

  /** Counters for every constant of {@code type}, all zero, allocated in {@code manager}. */
  @SuppressWarnings("EnumOrdinal") // the ordinal is only the slot index inside this process
  protected CounterSet(Class<E> type, CountersManager manager) {
    this.all = type.getEnumConstants();
    this.ids = new int[all.length];
    this.offsets = new int[all.length];
    this.values = manager.valuesBuffer();
    for (E c : all) {
      int id = manager.allocate(c.label(), c.typeId());
      ids[c.ordinal()] = id;
      offsets[c.ordinal()] = CountersReader.counterOffset(id);
      values.putLongOrdered(offsets[c.ordinal()], 0);
    }
  }

  @SuppressWarnings("EnumOrdinal") // the ordinal is only the slot index inside this process
  private int offset(E c) {
    return offsets[c.ordinal()];
  }

  /** Adds one; writer thread only. */
  public final void increment(E c) {
    add(c, 1);
  }

  /** Adds {@code delta} (negative for a gauge going down); writer thread only. */
  public final void add(E c, long delta) {
    int offset = offset(c);
    values.putLongOrdered(offset, values.getLong(offset) + delta);
  }

  /** Sets a gauge or heartbeat; writer thread only. */
  public final void set(E c, long value) {
    values.putLongOrdered(offset(c), value);
  }

  /** A volatile read, safe from any thread. */
  public final long get(E c) {
    return values.getLongVolatile(offset(c));
  }

  /** The counter's id in its {@link CountersManager}. */
  @SuppressWarnings("EnumOrdinal") // the ordinal is only the slot index inside this process
  public final int counterId(E c) {
    return ids[c.ordinal()];
  }

  /**
   * Calls {@code consumer} with every counter's label and value (allocates; not for the hot path).
   */
  public final void forEach(ObjLongConsumer<String> consumer) {
    for (E c : all) {
      consumer.accept(c.label(), get(c));
    }
  }

  /** The non-zero counters and gauges (not heartbeats) as {@code name=value} pairs, for logs. */
  @Override
  public final String toString() {
    StringBuilder sb = new StringBuilder();
    for (E c : all) {
      long value = get(c);
      if (value != 0 && c.typeId() != TYPE_HEARTBEAT) {
        if (sb.length() > 0) {
          sb.append(' ');
        }
        sb.append(c.label()).append('=').append(value);
      }
    }
    return sb.toString();
  }
}
