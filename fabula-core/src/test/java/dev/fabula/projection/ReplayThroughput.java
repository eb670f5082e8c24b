package dev.fabula.projection;

import dev.fabula.event.Event;
import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A recorded measurement, not a test: replays N in-memory events into a counting projection through
 * a schedule's reset trigger (the full path: job, store read, lock, guard check, progress per
 * event) and prints events per second. Run with
 * {@code java -cp target/classes:target/test-classes dev.fabula.projection.ReplayThroughput [n]}.
 */
final class ReplayThroughput {
  private ReplayThroughput() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    try (EventStore store = InMemory.eventStore()) {
      UUID[] aggregates = new UUID[1000];
      int[] versions = new int[aggregates.length];
      for (int i = 0; i < aggregates.length; i++) {
        aggregates[i] = UUID.randomUUID();
      }
      List<Event<?>> batch = new ArrayList<>(1000);
      for (int i = 0; i < n; i++) {
        int a = i % aggregates.length;
        batch.add(Event.create("counted", (long) i).withAggregate("thing", aggregates[a], ++versions[a]));
        if (batch.size() == 1000) {
          store.insert(batch);
          batch.clear();
        }
      }
      store.insert(batch);
      var counter = new Counter();
      try (Schedule schedule =
          Schedule.periodically(store, Duration.ofDays(1), Set.of("counted"), ScheduleOptions.defaults())) {
        schedule.project(counter);
        for (int round = 1; round <= 5; round++) {
          long t0 = System.nanoTime();
          schedule.trigger(TriggerOptions.rebuild()).join();
          long nanos = System.nanoTime() - t0;
          if (counter.count != n) {
            throw new AssertionError("counted " + counter.count + " of " + n);
          }
          System.out.printf(
              "round %d: %,d events in %d ms = %,.0f events/s%n",
              round, n, nanos / 1_000_000, n * 1e9 / nanos);
        }
      }
    }
  }

  static final class Counter implements Projection, ProgressAware, Resettable {
    long count;
    long progress;

    @Override
    public void apply(Event<?> event) {
      count++;
    }

    @Override
    public long progress() {
      return progress;
    }

    @Override
    public void progress(long position) {
      progress = position;
    }

    @Override
    public void reset() {
      count = 0;
      progress = 0;
    }
  }
}
