package dev.fabula.projection;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * When a debounced job is due: {@code debounce} after the latest triggering event, but never later
 * than {@code cap} after the first one of the batch. Unlike a debounce that restarts on every
 * event, a stream of events faster than the debounce cannot postpone the job past the cap. Not
 * thread-safe; the schedule guards it with its lock.
 */
final class Debouncer {
  private final Duration debounce;
  private final Duration cap;
  private @Nullable Instant first;
  private @Nullable Instant last;

  Debouncer(Duration debounce, Duration cap) {
    this.debounce = debounce;
    this.cap = cap;
  }

  void onEvent(Instant now) {
    if (first == null) {
      first = now;
    }
    last = now;
  }

  /** When the pending batch's job is due, or {@code null} with no pending batch. */
  @Nullable Instant deadline() {
    if (first == null || last == null) {
      return null;
    }
    Instant quiet = plus(last, debounce);
    Instant capped = plus(first, cap);
    return quiet.isBefore(capped) ? quiet : capped;
  }

  /** {@code t + d}, or {@link Instant#MAX} where that lies beyond it (a cap of "forever"). */
  private static Instant plus(Instant t, Duration d) {
    return Duration.between(t, Instant.MAX).compareTo(d) <= 0 ? Instant.MAX : t.plus(d);
  }

  /** The nanoseconds from {@code now} to {@code due}, {@link Long#MAX_VALUE} if too many to count. */
  static long nanosUntil(Instant now, Instant due) {
    try {
      return Duration.between(now, due).toNanos();
    } catch (ArithmeticException tooFar) {
      return Long.MAX_VALUE;
    }
  }

  /** A job for the pending batch is starting: the next event starts a new batch. */
  void clear() {
    first = null;
    last = null;
  }
}
