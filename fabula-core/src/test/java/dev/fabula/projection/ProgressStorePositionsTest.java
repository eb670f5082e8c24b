package dev.fabula.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.memory.InMemory;
import org.junit.jupiter.api.Test;

/** {@link ProgressStore#positions()}: listed by the memory store, refused by a store that cannot. */
class ProgressStorePositionsTest {
  /** A third-party store written before positions() existed. */
  private static final class OldStore implements ProgressStore {
    @Override
    public long position(String projection) {
      return 0;
    }

    @Override
    public boolean advance(String projection, long expected, long position) {
      return false;
    }

    @Override
    public void reset(String projection) {}

    @Override
    public void close() {}
  }

  @Test
  void aStoreThatCannotListSaysSo() {
    assertThatThrownBy(() -> new OldStore().positions())
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("OldStore").hasMessageContaining("cannot list");
  }

  @Test
  void theMemoryStoreListsByName() {
    try (ProgressStore store = InMemory.progressStore()) {
      assertThat(store.positions()).isEmpty();
      store.advance("b", 0, 3);
      store.advance("a", 0, 5);
      assertThat(store.positions()).containsExactly(java.util.Map.entry("a", 5L), java.util.Map.entry("b", 3L));
    }
  }
}
