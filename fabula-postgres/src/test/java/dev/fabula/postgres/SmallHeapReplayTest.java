package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.event.Event;
import dev.fabula.event.EventStore;
import dev.fabula.projection.ProgressAware;
import dev.fabula.projection.Projection;
import dev.fabula.projection.Resettable;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleOptions;
import dev.fabula.projection.TriggerOptions;
import dev.fabula.tck.TckData;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replays 1,000,000 stored events into a counting projection in a 128 MB heap: the query streams
 * through a cursor instead of loading the result. Runs in its own surefire execution with {@code
 * -Xmx128m} (see the module's pom) and checks that it really got that small a heap. The rows are
 * written with one {@code INSERT ... SELECT generate_series} since this tests the read path.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SmallHeapReplayTest {
  private static final int EVENTS = 1_000_000;
  private static final TestDatabase DB = TestDatabase.create(4);

  @AfterAll
  static void dropSchema() {
    DB.close();
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

  @Test
  void replaysAMillionEventsInASmallHeap() throws Exception {
    // Only the small-heap execution runs it (a -Dtest=... selection also reaches the default one).
    Assumptions.assumeTrue(Boolean.getBoolean("fabula.smallHeap"), "runs in the small-heap execution");
    assertThat(Runtime.getRuntime().maxMemory()).as("run with -Xmx128m").isLessThanOrEqualTo(128L * 1024 * 1024);
    PostgresOptions o = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o)) {
      long t0 = System.nanoTime();
      DB.exec("INSERT INTO " + o.schema() + "." + o.eventsTable()
          + " (id, name, time_ns, revision, data, metadata)"
          + " SELECT gen_random_uuid(), '" + TckData.ALPHA + "', 1700000000000000000 + i, 1,"
          + " jsonb_build_object('text', 'event ' || i), '{}' FROM generate_series(1, " + EVENTS + ") AS i ORDER BY i");
      long loaded = System.nanoTime();
      assertThat(store.lastPosition()).isEqualTo(EVENTS);

      var counter = new Counter();
      try (Schedule schedule = Schedule.periodically(store, Duration.ofDays(1), Set.of(TckData.ALPHA), ScheduleOptions.defaults())) {
        schedule.project(counter);
        long r0 = System.nanoTime();
        schedule.trigger(TriggerOptions.rebuild()).get(150, TimeUnit.SECONDS);
        long nanos = System.nanoTime() - r0;
        assertThat(counter.count).isEqualTo(EVENTS);
        assertThat(counter.progress).isEqualTo(EVENTS);
        System.out.printf("loaded %,d rows in %d ms; replayed them in %d ms = %,.0f events/s, max heap %d MB%n",
            EVENTS, (loaded - t0) / 1_000_000, nanos / 1_000_000, EVENTS * 1e9 / nanos,
            Runtime.getRuntime().maxMemory() / (1024 * 1024));
      }
    }
  }
}
