package dev.fabula.projection;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** A clock that moves only when told to, and counts how often it was read. */
final class FakeClock implements InstantSource {
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-01-01T00:00:00Z"));
  private final AtomicLong reads = new AtomicLong();

  @Override
  public Instant instant() {
    reads.incrementAndGet();
    return now.get();
  }

  Instant peek() {
    return now.get();
  }

  long reads() {
    return reads.get();
  }

  void advance(Duration d) {
    now.updateAndGet(t -> t.plus(d));
  }
}
