package dev.fabula.projection;

import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.proxy.CountingStore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** A store whose first query fails after a number of events: a crash in the middle of a job. */
final class CrashingStore extends CountingStore {
  private final int after;
  private final AtomicBoolean crashed = new AtomicBoolean();

  CrashingStore(EventStore delegate, int after) {
    super(delegate);
    this.after = after;
  }

  @Override
  public Stream<Event<?>> query(EventQuery query) {
    Stream<Event<?>> s = super.query(query);
    if (crashed.getAndSet(true)) {
      return s;
    }
    var seen = new AtomicInteger();
    return s.peek(
        e -> {
          if (seen.incrementAndGet() > after) {
            throw new IllegalStateException("simulated crash");
          }
        });
  }
}
