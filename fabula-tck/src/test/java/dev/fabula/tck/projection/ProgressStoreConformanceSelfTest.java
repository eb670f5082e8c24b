package dev.fabula.tck.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.fabula.projection.ProgressStore;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;

/** The kit must fail against a store that does nothing: otherwise it proves nothing. */
class ProgressStoreConformanceSelfTest {
  /** Remembers nothing, checks nothing, never closes. */
  static final class DoNothingStore extends ProgressStoreConformance {
    @Override
    protected ProgressStore createStore() {
      return new ProgressStore() {
        @Override
        public long position(String projection) {
          return 0;
        }

        @Override
        public boolean advance(String projection, long expected, long position) {
          return true;
        }

        @Override
        public void reset(String projection) {}

        @Override
        public void close() {}
      };
    }
  }

  @Test
  void theKitFailsAgainstADoNothingStore() {
    long failed =
        EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(DoNothingStore.class))
            .execute()
            .testEvents()
            .failed()
            .count();
    assertThat(failed).isGreaterThanOrEqualTo(6);
  }
}
