package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventStore;
import dev.fabula.projection.DeadLetter;
import dev.fabula.projection.FailurePolicy;
import dev.fabula.projection.ProgressAware;
import dev.fabula.projection.Projection;
import dev.fabula.projection.Projections;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleListener;
import dev.fabula.projection.ScheduleOptions;
import dev.fabula.projection.ScheduleStatus;
import dev.fabula.memory.InMemory;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import dev.fabula.tck.TckData;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A row edited by hand so that it no longer decodes: under the dead-letter policy it becomes a dead
 * letter and the projection reads on (issue 18); and a schedule on a PostgreSQL store follows the
 * store's own inserts without a publishing wrapper (issue 17).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UndecodableEventProjectionTest {
  private static final TestDatabase DB = TestDatabase.create();

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  /** Keeps the positions it applied, and its progress. */
  static final class Positions implements Projection, ProgressAware {
    final List<Long> applied = new CopyOnWriteArrayList<>();
    volatile long progress;

    @Override
    public void apply(Event<?> event) {
      applied.add(event.position());
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
    public String projectionName() {
      return "positions";
    }
  }

  @Test
  void underTheDeadLetterPolicyAHandEditedRowBecomesADeadLetterAndTheProjectionReadsOn() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o)) {
      List<Event<?>> stored =
          store.insert(
              List.of(
                  TckData.alpha("x"),
                  TckData.beta("order", UUID.randomUUID(), 1),
                  TckData.alpha("y"),
                  TckData.alpha("z")));
      Event<?> bad = stored.get(1);
      DB.exec(
          "UPDATE " + o.schema() + "." + o.eventsTable()
              + " SET data = '{\"number\": \"not a number\"}' WHERE id = '" + bad.id() + "'");

      var failures = new CopyOnWriteArrayList<Throwable>();
      var options =
          ScheduleOptions.builder()
              .failurePolicy(FailurePolicy.DEAD_LETTER)
              .listener(
                  new ScheduleListener() {
                    @Override
                    public void jobFailed(Throwable failure) {
                      failures.add(failure);
                    }
                  })
              .build();
      var positions = new Positions();
      var plain = new CopyOnWriteArrayList<Long>();
      try (Schedule schedule =
          Schedule.periodically(store, Duration.ofDays(1), Set.of(TckData.ALPHA, TckData.BETA), options)) {
        schedule.project(positions, Projections.named("plain", e -> plain.add(e.position())));
        TestDatabase.awaitVisible(store, stored.get(3)); // other tests' transactions may hold the horizon back
        schedule.trigger().get(30, TimeUnit.SECONDS);
        List<Long> good = List.of(stored.get(0).position(), stored.get(2).position(), stored.get(3).position());
        assertThat(positions.applied).isEqualTo(good);
        assertThat(plain).isEqualTo(good);
        assertThat(positions.progress()).isEqualTo(store.lastPosition());
        assertThat(failures).isEmpty();
        assertThat(schedule.deadLetters())
            .hasSize(2)
            .allSatisfy(
                d -> {
                  assertThat(d.eventId()).isEqualTo(bad.id());
                  assertThat(d.position()).isEqualTo(bad.position());
                  assertThat(d.event()).isEmpty();
                  assertThat(d.failure()).hasCauseInstanceOf(EventDecodingException.class);
                })
            .extracting(DeadLetter::projection)
            .containsExactly("positions", "plain");

        // Later events are applied; the dead letter is not met again.
        Event<?> later = store.insert(List.of(TckData.alpha("after"))).get(0);
        TestDatabase.awaitVisible(store, later);
        schedule.trigger().get(30, TimeUnit.SECONDS);
        assertThat(positions.applied).endsWith(later.position()).hasSize(4);
        assertThat(schedule.deadLetters()).hasSize(2);
      }
    }
  }

  @Test
  void aContinuousScheduleFollowsThePostgresStoresOwnInsertsOnceTheyAreSafeToRead() throws Exception {
    PostgresOptions o = DB.freshTables();
    var jobs = new AtomicInteger();
    var options =
        ScheduleOptions.builder()
            .listener(
                new ScheduleListener() {
                  @Override
                  public void jobFinished(ScheduleStatus status) {
                    jobs.incrementAndGet();
                  }
                })
            .build();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o);
        var bus = InMemory.eventBus();
        Schedule schedule = Schedule.continuously(bus, store, Set.of(TckData.ALPHA), options);
        Connection older = DB.dataSource().getConnection()) {
      var positions = new Positions();
      schedule.project(positions);
      // An older transaction holds the store's safe horizon below the next insert.
      older.setAutoCommit(false);
      try (Statement s = older.createStatement()) {
        s.execute("SELECT pg_current_xact_id()");
      }
      List<Event<?>> stored = store.insert(List.of(TckData.alpha("x"), TckData.alpha("y"))); // nobody publishes
      awaitUntil(() -> jobs.get() >= 1); // the store told the schedule; its job could not see them yet
      older.rollback();
      awaitUntil(() -> positions.applied.size() == 2);
      assertThat(positions.applied).containsExactly(stored.get(0).position(), stored.get(1).position());
    }
  }


  private static void awaitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition met within 60 s").isLessThan(deadline);
      Thread.sleep(5); // polling a condition with a bound, not proving an absence
    }
  }
}
