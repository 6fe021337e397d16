package dev.ztna.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.concurrent.atomic.AtomicReference;
import net.openhft.affinity.Affinity;
import org.junit.jupiter.api.Test;

class LoopAffinityTest {
  @Test
  void pinsAThreadOfTheFactoryToTheCore() throws Exception {
    int cpu = Affinity.getAffinity().nextSetBit(0);
    assertNull(LoopAffinity.problem(cpu), "the first CPU of this process can be used");
    AtomicReference<BitSet> seen = new AtomicReference<>();
    Thread t =
        LoopAffinity.pinningThreadFactory(cpu).newThread(() -> seen.set(Affinity.getAffinity()));
    t.start();
    t.join();
    BitSet expected = new BitSet();
    expected.set(cpu);
    assertEquals(expected, seen.get(), "the thread ran pinned to CPU " + cpu);
  }

  @Test
  void aCpuOutsideTheProcessSetIsAClearProblem() {
    String problem = LoopAffinity.problem(4095);
    assertNotNull(problem);
    assertTrue(problem.contains("4095"), problem);
  }
}
