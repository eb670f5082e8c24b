package dev.fabula.nats;

import java.time.Duration;

/**
 * One deadline for every wait of a test, shorter than the test's {@code @Timeout}: each wait gets
 * what is {@linkplain #left() left} of it, so a slow run fails in the wait that was late, whose
 * message says what it waited for and shows the child's output, rather than in JUnit's timeout,
 * which says neither. Sequential waits of a fixed length each could add up past the timeout.
 */
final class TestBudget {
  private final long deadlineNanos;

  private TestBudget(Duration total) {
    this.deadlineNanos = System.nanoTime() + total.toNanos();
  }

  /** A budget of {@code total} from now. */
  static TestBudget of(Duration total) {
    return new TestBudget(total);
  }

  /** What is left of the budget (zero once it is spent: a wait then checks once and fails). */
  Duration left() {
    return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
  }
}
