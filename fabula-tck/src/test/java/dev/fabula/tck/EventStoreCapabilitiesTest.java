package dev.fabula.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.tck.event.EventStoreConformance.Capabilities;
import org.junit.jupiter.api.Test;

/** A backend cannot make the torture and streaming tests trivial: each size has a floor. */
class EventStoreCapabilitiesTest {
  private final Capabilities defaults = Capabilities.defaults();

  @Test
  void acceptsEverySizeAtItsFloor() {
    Capabilities floors =
        defaults
            .withTorture(
                Capabilities.MIN_TORTURE_WRITERS, Capabilities.MIN_TORTURE_BATCHES_PER_WRITER)
            .withLargeResultSize(Capabilities.MIN_LARGE_RESULT_SIZE);
    assertThat(floors.tortureWriters()).isEqualTo(4);
    assertThat(floors.tortureBatchesPerWriter()).isEqualTo(20);
    assertThat(floors.largeResultSize()).isEqualTo(1_000);
  }

  @Test
  void refusesFewerTortureWritersNamingTheFloor() {
    assertThatThrownBy(() -> defaults.withTorture(3, 150))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("torture writers must be at least 4 (the kit's floor), not 3");
  }

  @Test
  void refusesFewerBatchesPerWriterNamingTheFloor() {
    assertThatThrownBy(() -> defaults.withTorture(8, 19))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("torture batches per writer must be at least 20 (the kit's floor), not 19");
  }

  @Test
  void refusesASmallerLargeResultNamingTheFloor() {
    assertThatThrownBy(() -> defaults.withLargeResultSize(999))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the large result size must be at least 1000 (the kit's floor), not 999");
    assertThatThrownBy(() -> new Capabilities(true, 8, 150, 0, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1000");
  }
}
