package dev.fabula.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@link AggregateStream} as lock-free readers use it: count first, then positions, which hold at
 * least that many slots, also after the array grew.
 */
class AggregateStreamTest {
  @Test
  void positionsGrowAndKeepEverySlotACountPublished() {
    var stream = new AggregateStream(new AggregateStream.Key("order", new UUID(1, 1)), 1);
    int[] first = stream.positions();
    for (int v = 1; v <= 9; v++) {
      stream.append(10 * v, v);
    }
    int count = stream.count();
    int[] positions = stream.positions();
    assertThat(positions).as("grown").isNotSameAs(first).hasSizeGreaterThanOrEqualTo(count);
    assertThat(Arrays.copyOf(positions, count)).containsExactly(10, 20, 30, 40, 50, 60, 70, 80, 90);
    assertThat(stream.dense()).isTrue();
  }

  /**
   * A reader may see an array grown after the count it read; only a volatile field publishes the
   * slots copied into it (a plain one may show the new array with zeros where positions were). No
   * test run can show that race reliably, so this one holds the field to its declaration.
   */
  @Test
  void theGrownArrayIsPublishedByAVolatileWrite() throws NoSuchFieldException {
    assertThat(Modifier.isVolatile(AggregateStream.class.getDeclaredField("positions").getModifiers())).isTrue();
    assertThat(Modifier.isVolatile(AggregateStream.class.getDeclaredField("count").getModifiers())).isTrue();
  }
}
