package dev.ztna.server.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The open-addressing inner-address table behaves like a HashMap (owner and last-use time) under
 * any sequence of operations.
 */
class InnerAddressTableProperties {
  /** One operation: kind 0 = put, 1 = remove if owner, 2 = get; small key space for collisions. */
  static final class Op {
    final int kind;
    final long hi;
    final long lo;
    final int owner;

    Op(int kind, long hi, long lo, int owner) {
      this.kind = kind;
      this.hi = hi;
      this.lo = lo;
      this.owner = owner;
    }

    @Override
    public String toString() {
      return kind + ":" + hi + "/" + lo + "@" + owner;
    }
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Op> op =
        Combinators.combine(
                Arbitraries.integers().between(0, 2),
                Arbitraries.longs().between(0, 3),
                Arbitraries.longs().between(0, 40),
                Arbitraries.integers().between(0, 2))
            .as(Op::new);
    return op.list().ofMaxSize(300);
  }

  @Property
  void behavesLikeAHashMap(@ForAll("ops") List<Op> ops) {
    Registration[] owners = new Registration[3];
    Service service = new Service(0, new byte[] {1}, "s");
    for (int i = 0; i < owners.length; i++) {
      owners[i] = new Registration(Role.AGENT, service, new FakeConnection());
    }
    InnerAddressTable table = new InnerAddressTable();
    Map<List<Long>, Registration> model = new HashMap<>();
    Map<List<Long>, Long> times = new HashMap<>();
    long now = 0;
    for (Op op : ops) {
      now++;
      List<Long> key = List.of(op.hi, op.lo);
      Registration owner = owners[op.owner];
      switch (op.kind) {
        case 0:
          table.put(op.hi, op.lo, owner, now);
          model.put(key, owner);
          times.put(key, now);
          break;
        case 1:
          boolean expected = model.get(key) == owner;
          if (expected) {
            model.remove(key);
          }
          assertEquals(expected, table.removeIfOwner(op.hi, op.lo, owner), op.toString());
          break;
        default:
          assertSame(model.get(key), table.get(op.hi, op.lo), op.toString());
          int slot = table.find(op.hi, op.lo);
          assertEquals(model.containsKey(key), slot >= 0, op.toString());
          if (slot >= 0) {
            assertEquals(times.get(key), table.lastUsedAt(slot), op.toString());
            assertSame(model.get(key), table.ownerAt(slot));
          }
      }
      assertEquals(model.size(), table.size());
    }
    for (long hi = 0; hi <= 3; hi++) {
      for (long lo = 0; lo <= 40; lo++) {
        assertSame(model.get(List.of(hi, lo)), table.get(hi, lo));
      }
    }
    table.clear();
    assertEquals(0, table.size());
  }
}
