package dev.ztna.server.cluster.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@link IdTable} behaves as a map keyed by the id bytes, also when every id collides (mask 0):
 * chains resolve by byte comparison, removal keeps the dense array whole.
 */
class IdTableProperties {
  private static final class E extends IdTable.Entry {
    E(byte[] id, long hash) {
      super(id, hash);
    }
  }

  @Property
  void behavesAsAMapOfIds(
      @ForAll @Size(max = 200) List<@IntRange(min = 0, max = 30) Integer> ops,
      @ForAll boolean collide,
      @ForAll long seed) {
    IdTable<E> table = new IdTable<>(seed, collide ? 0 : -1L);
    Map<String, E> model = new HashMap<>();
    for (int op : ops) {
      String key = "svc" + (op % 15);
      byte[] id = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      UnsafeBuffer b = new UnsafeBuffer(id);
      E found = table.find(b, 0, id.length);
      assertSame(model.get(key), found);
      if (op < 15) {
        if (found == null) {
          E e = new E(id, table.hash(b, 0, id.length));
          table.add(e);
          model.put(key, e);
        }
      } else if (found != null) {
        table.remove(found);
        model.remove(key);
        assertNull(table.find(b, 0, id.length));
      }
      assertEquals(model.size(), table.size());
      for (int i = 0; i < table.size(); i++) {
        E e = table.at(i);
        assertSame(model.get(new String(e.id, java.nio.charset.StandardCharsets.UTF_8)), e);
        assertEquals(i, e.index);
      }
    }
  }
}
