package dev.fabula.tck.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.ClosedException;
import dev.fabula.projection.ProgressStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite for {@link ProgressStore} implementations. Extend it in the backend's
 * tests and return a fresh, empty store from {@link #newStore()}; every test must pass, none is
 * skipped. The lifecycle is the suite's: it opens a store per test and closes it afterwards, and a
 * backend reaches the store only through {@link #store()}.
 *
 * <p>Checks: unknown projections are at 0; {@code advance} is an atomic compare-and-set that only
 * moves forward, so concurrent runners never move progress backwards and exactly one wins each
 * step; {@code reset} goes back to 0; projections are independent; {@code positions} lists them by name; bad input is rejected; a closed
 * store throws {@link ClosedException}.
 */
public abstract class ProgressStoreConformance {
  private @Nullable ProgressStore store;

  /** A fresh, empty store; closed by the suite after each test. */
  protected abstract ProgressStore newStore();

  /** The store under test, fresh for each test. */
  protected final ProgressStore store() {
    return Objects.requireNonNull(store, "the store under test exists only while a test runs");
  }

  @BeforeEach
  final void openStore() {
    store = Objects.requireNonNull(newStore(), "newStore() returned null");
  }

  @AfterEach
  final void closeStore() {
    if (store != null) {
      store.close();
      store = null;
    }
  }

  private static String name() {
    return "projection-" + UUID.randomUUID();
  }

  @Test
  void anUnknownProjectionIsAtPositionZero() {
    String known = name();
    store.advance(known, 0, 7);
    assertThat(store.position(name())).isZero();
    assertThat(store.position(known)).as("beside a known one").isEqualTo(7);
  }

  @Test
  void advanceSavesAndPositionLoads() {
    String p = name();
    assertThat(store.advance(p, 0, 5)).isTrue();
    assertThat(store.position(p)).isEqualTo(5);
    assertThat(store.advance(p, 5, 6)).isTrue();
    assertThat(store.position(p)).isEqualTo(6);
  }

  @Test
  void advanceFromAStalePositionDoesNothing() {
    String p = name();
    store.advance(p, 0, 10);
    assertThat(store.advance(p, 0, 3)).isFalse();
    assertThat(store.advance(p, 7, 12)).isFalse();
    assertThat(store.position(p)).isEqualTo(10);
  }

  @Test
  void advanceNeverMovesBackwards() {
    String p = name();
    store.advance(p, 0, 10);
    assertThatThrownBy(() -> store.advance(p, 10, 9)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.advance(p, 10, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThat(store.position(p)).isEqualTo(10);
  }

  @Test
  void resetGoesBackToZeroAndAllowsAdvancingAgain() {
    String p = name();
    store.advance(p, 0, 42);
    store.reset(p);
    assertThat(store.position(p)).isZero();
    assertThat(store.advance(p, 0, 1)).isTrue();
    assertThat(store.position(p)).isEqualTo(1);
  }

  @Test
  void resettingAnUnknownProjectionIsHarmless() {
    String p = name();
    store.reset(p);
    assertThat(store.position(p)).isZero();
    assertThat(store.advance(p, 0, 3)).isTrue();
    assertThat(store.position(p)).as("it advances as any other").isEqualTo(3);
  }

  @Test
  void projectionsAreIndependent() {
    String a = name();
    String b = name();
    store.advance(a, 0, 3);
    store.advance(b, 0, 8);
    store.reset(a);
    assertThat(store.position(a)).isZero();
    assertThat(store.position(b)).isEqualTo(8);
  }

  @Test
  void rejectsBlankNamesAndNegativePositions() {
    assertThatThrownBy(() -> store.position(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.advance("", 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.reset(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.advance(name(), -1, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void concurrentRunnersNeverMoveProgressBackwardsAndEachStepHasOneWinner() throws Exception {
    String p = name();
    int threads = 8;
    int steps = 200;
    var wins = new AtomicInteger();
    var backwards = new AtomicInteger();
    var failure = new AtomicLong(-1);
    var start = new CountDownLatch(1);
    List<Thread> runners = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      runners.add(
          Thread.ofPlatform().start(
              () -> {
                try {
                  start.await();
                  long seen = 0;
                  long deadline = System.nanoTime() + 30_000_000_000L;
                  // Bounded, so a broken store fails the test instead of hanging it.
                  for (int i = 0; seen < steps && i < 1_000_000 && System.nanoTime() < deadline; i++) {
                    long current = store.position(p);
                    if (current < seen) {
                      backwards.incrementAndGet();
                    }
                    seen = current;
                    if (current < steps && store.advance(p, current, current + 1)) {
                      wins.incrementAndGet();
                    }
                  }
                } catch (Exception e) {
                  failure.set(0);
                }
              }));
    }
    start.countDown();
    for (Thread t : runners) {
      t.join(60_000);
      assertThat(t.isAlive()).as("runner finished").isFalse();
    }
    assertThat(failure).hasValue(-1);
    assertThat(backwards).hasValue(0);
    assertThat(wins).as("exactly one winner per step").hasValue(steps);
    assertThat(store.position(p)).isEqualTo(steps);
  }

  @Test
  void positionsListsEveryStoredProjectionByName() {
    String a = "a-" + name();
    String b = "b-" + name();
    String c = "c-" + name();
    store.advance(b, 0, 4);
    store.advance(a, 0, 9);
    store.advance(a, 9, 12);
    store.advance(c, 0, 2);
    store.reset(c);
    var positions = store.positions();
    assertThat(positions).containsEntry(a, 12L).containsEntry(b, 4L);
    assertThat(positions.getOrDefault(c, 0L)).as("a reset projection is absent or at 0").isZero();
    assertThat(List.copyOf(positions.keySet())).as("by name").isSorted();
    assertThatThrownBy(() -> positions.put(a, 1L)).isInstanceOf(UnsupportedOperationException.class);
    store.advance(b, 4, 5);
    assertThat(positions).as("a snapshot").containsEntry(b, 4L);
    assertThat(store.positions()).containsEntry(b, 5L);
  }

  @Test
  void aClosedStoreThrowsClosedException() {
    store.close();
    assertThatThrownBy(() -> store.positions()).isInstanceOf(ClosedException.class);
    assertThatThrownBy(() -> store.position(name())).isInstanceOf(ClosedException.class);
    assertThatThrownBy(() -> store.advance(name(), 0, 1)).isInstanceOf(ClosedException.class);
    assertThatThrownBy(() -> store.reset(name())).isInstanceOf(ClosedException.class);
    store.close(); // idempotent
  }
}
