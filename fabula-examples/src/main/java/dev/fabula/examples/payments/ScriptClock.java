package dev.fabula.examples.payments;

import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The clock the example's payments take their event times from: the script sets it to the time of
 * each command before sending it, so a week of payments plays in seconds and lands on the days
 * the queries ask about.
 */
final class ScriptClock implements InstantSource {
  private final AtomicReference<Instant> now;

  ScriptClock(Instant start) {
    now = new AtomicReference<>(Objects.requireNonNull(start, "start"));
  }

  /** Sets the time the next events take. */
  void set(Instant time) {
    now.set(Objects.requireNonNull(time, "time"));
  }

  @Override
  public Instant instant() {
    return now.get();
  }
}
