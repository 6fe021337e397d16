package dev.ztna.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void runs() {
    assertTrue(true);
  }

  @Property(tries = 10)
  boolean prop(@ForAll int x) {
    return Integer.valueOf(x).equals(x);
  }
}
