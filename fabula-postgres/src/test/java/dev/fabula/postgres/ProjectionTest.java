package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.RetryPolicy;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventStore;
import dev.fabula.projection.DeadLetter;
import dev.fabula.projection.FailurePolicy;
import dev.fabula.projection.ProjectionException;
import dev.fabula.projection.Projection;
import dev.fabula.projection.Reapplicable;
import dev.fabula.projection.ReapplyRefusedException;
import dev.fabula.projection.Resettable;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleListener;
import dev.fabula.projection.ScheduleOptions;
import dev.fabula.projection.TriggerOptions;
import dev.fabula.tck.TckData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Exactly-once SQL read models: a job killed between the read model's statements, or after them
 * but before the commit, leaves the read model and its position in step, and the finished read
 * model equals a fresh rebuild. Also: an undecodable event stops only the projection that reads it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProjectionTest {
  private static final TestDatabase DB = TestDatabase.create();
  private static final Set<String> NAMES = Set.of(TckData.ALPHA, TckData.BETA, TckData.GAMMA);

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  /** How a run of the read model dies. */
  enum Crash { NONE, THROW_BETWEEN_STATEMENTS, KILL_BETWEEN_STATEMENTS, KILL_BEFORE_COMMIT }

  /**
   * Counts events per name, and records every applied event id once (a primary key, so applying
   * an event twice fails loudly). Two statements per event, so a crash can fall between them.
   */
  static final class Counts implements SqlProjection {
    final String name;
    final String seen;
    final String counts;
    volatile Crash crash = Crash.NONE;
    /** Events the read model refuses, as a bug would. */
    volatile java.util.function.Predicate<Event<?>> refuse = e -> false;
    volatile int crashAtCall = -1;
    final AtomicInteger calls = new AtomicInteger();

    Counts(String schema, String name) {
      this.name = name;
      this.seen = schema + "." + name + "_seen";
      this.counts = schema + "." + name + "_counts";
      DB.exec("CREATE TABLE " + seen + " (event_id uuid PRIMARY KEY, position bigint NOT NULL)");
      DB.exec("CREATE TABLE " + counts + " (name text PRIMARY KEY, n bigint NOT NULL)");
    }

    @Override
    public String projectionName() {
      return name;
    }

    @Override
    public void apply(Event<?> event, Connection tx) throws SQLException {
      boolean crashNow = calls.incrementAndGet() == crashAtCall;
      if (refuse.test(event)) {
        throw new IllegalStateException("refused " + event.id());
      }
      try (PreparedStatement ps = tx.prepareStatement("INSERT INTO " + seen + " VALUES (?, ?)")) {
        ps.setObject(1, event.id());
        ps.setLong(2, event.position());
        ps.executeUpdate();
      }
      if (crashNow && crash == Crash.THROW_BETWEEN_STATEMENTS) {
        throw new IllegalStateException("simulated crash after the first statement");
      }
      if (crashNow && crash == Crash.KILL_BETWEEN_STATEMENTS) {
        killOwnBackend(tx);
      }
      try (PreparedStatement ps = tx.prepareStatement(
          "INSERT INTO " + counts + " VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET n = " + counts + ".n + 1")) {
        ps.setString(1, event.name());
        ps.executeUpdate();
      }
      if (crashNow && crash == Crash.KILL_BEFORE_COMMIT) {
        killOwnBackend(tx);
      }
    }

    private static void killOwnBackend(Connection tx) {
      try (Statement s = tx.createStatement()) {
        s.execute("SELECT pg_terminate_backend(pg_backend_pid())");
      } catch (SQLException expected) {
        // the connection is gone now, as in a crash
      }
    }

    @Override
    public void reset(Connection tx) throws SQLException {
      try (Statement s = tx.createStatement()) {
        s.execute("DELETE FROM " + seen);
        s.execute("DELETE FROM " + counts);
      }
    }

    Map<String, Long> countsTable() {
      return table("SELECT name, n FROM " + counts);
    }

    Map<String, Long> seenTable() {
      return table("SELECT event_id::text, position FROM " + seen);
    }

    private static Map<String, Long> table(String sql) {
      Map<String, Long> out = new TreeMap<>();
      try (Connection c = DB.dataSource().getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getLong(2));
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
      return out;
    }
  }

  private static ScheduleOptions options() {
    return ScheduleOptions.builder().failurePolicy(FailurePolicy.STOP).retryPolicy(RetryPolicy.none()).build();
  }

  @Test
  void aJobKilledBetweenStatementsLeavesTheReadModelEqualToAFreshRebuild() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o)) {
      List<Event<?>> events = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        events.add(switch (i % 3) {
          case 0 -> TckData.alpha("a" + i);
          case 1 -> TckData.beta("order", UUID.randomUUID(), 1);
          default -> TckData.event(TckData.GAMMA, new TckData.Gamma("g", java.time.Instant.EPOCH), java.time.Instant.now());
        });
      }
      List<Event<?>> stored = store.insert(events);

      var model = new Counts(o.schema(), "crashy");
      int crashes = 0;
      Crash[] modes = {Crash.THROW_BETWEEN_STATEMENTS, Crash.KILL_BETWEEN_STATEMENTS, Crash.KILL_BEFORE_COMMIT,
          Crash.KILL_BETWEEN_STATEMENTS, Crash.THROW_BETWEEN_STATEMENTS, Crash.KILL_BEFORE_COMMIT};
      for (Crash mode : modes) {
        // Each "process": a fresh projection object and schedule over the same tables.
        model.crash = mode;
        model.crashAtCall = model.calls.get() + 17 + crashes * 11;
        Projection projection = Postgres.exactlyOnce(DB.dataSource(), model, o);
        try (Schedule schedule = Schedule.periodically(store, Duration.ofDays(1), NAMES, options())) {
          schedule.project(projection);
          assertThatThrownBy(() -> schedule.trigger().get(60, TimeUnit.SECONDS))
              .as("run crashing with " + mode)
              .isInstanceOf(ExecutionException.class);
        }
        crashes++;
        // After every crash, data and position agree: every seen event is at or below the position.
        long position = Postgres.progressStore(DB.dataSource(), o).position("crashy");
        Map<String, Long> seen = model.seenTable();
        assertThat(seen.values()).allMatch(p -> p <= position);
        assertThat(seen).hasSize((int) stored.stream().filter(e -> e.position() <= position).count());
        assertThat(position).as("each run made progress before it crashed").isPositive();
      }
      model.crash = Crash.NONE;
      try (Schedule schedule = Schedule.periodically(store, Duration.ofDays(1), NAMES, options())) {
        schedule.project(Postgres.exactlyOnce(DB.dataSource(), model, o));
        schedule.trigger().get(60, TimeUnit.SECONDS);
      }

      var fresh = new Counts(o.schema(), "fresh");
      try (Schedule schedule = Schedule.periodically(store, Duration.ofDays(1), NAMES, options())) {
        schedule.project(Postgres.exactlyOnce(DB.dataSource(), fresh, o));
        schedule.trigger(TriggerOptions.rebuild()).get(60, TimeUnit.SECONDS);
      }
      assertThat(model.countsTable()).isEqualTo(fresh.countsTable()).isEqualTo(Map.of(TckData.ALPHA, 100L, TckData.BETA, 100L, TckData.GAMMA, 100L));
      assertThat(model.seenTable()).isEqualTo(fresh.seenTable()).hasSize(300);
      assertThat(Postgres.progressStore(DB.dataSource(), o).position("crashy")).isEqualTo(store.lastPosition());
    }
  }

  @Test
  void aRetriedDeadLetterIsCommittedAndLeavesTheStoredPosition() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o)) {
      List<Event<?>> stored = store.insert(List.of(TckData.alpha("a"), TckData.alpha("b"), TckData.alpha("c")));
      TestDatabase.awaitVisible(store, stored.get(2)); // other tests' transactions may hold the horizon back
      var model = new Counts(o.schema(), "retried");
      model.refuse = e -> e.id().equals(stored.get(1).id());
      Projection projection = Postgres.exactlyOnce(DB.dataSource(), model, o);
      var options = ScheduleOptions.builder().failurePolicy(FailurePolicy.DEAD_LETTER).retryPolicy(RetryPolicy.none()).build();
      try (Schedule schedule = Schedule.periodically(store, Duration.ofDays(1), NAMES, options)) {
        schedule.project(projection);
        schedule.trigger().get(60, TimeUnit.SECONDS);
        long position = Postgres.progressStore(DB.dataSource(), o).position("retried");
        assertThat(position).isEqualTo(stored.get(2).position());
        assertThat(model.seenTable()).hasSize(2);
        DeadLetter letter = schedule.deadLetters().getFirst();
        assertThat(letter.eventId()).isEqualTo(stored.get(1).id());
        model.refuse = e -> false;

        schedule.retry(letter);

        // Committed: read on another connection.
        assertThat(model.seenTable()).containsKeys(stored.get(0).id().toString(), stored.get(1).id().toString(), stored.get(2).id().toString());
        assertThat(model.countsTable()).isEqualTo(Map.of(TckData.ALPHA, 3L));
        assertThat(Postgres.progressStore(DB.dataSource(), o).position("retried")).isEqualTo(position);
        assertThat(schedule.deadLetters()).isEmpty();
        // The next job applies nothing twice (the seen table's primary key would fail it).
        schedule.trigger().get(60, TimeUnit.SECONDS);
        assertThat(model.countsTable()).isEqualTo(Map.of(TckData.ALPHA, 3L));
      }
    }
  }

  @Test
  void aRetryAfterAnotherRunnerResetTheReadModelIsRefused() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o)) {
      List<Event<?>> stored = store.insert(List.of(TckData.alpha("a"), TckData.alpha("b"), TckData.alpha("c")));
      TestDatabase.awaitVisible(store, stored.get(2)); // other tests' transactions may hold the horizon back
      var model = new Counts(o.schema(), "resetelsewhere");
      model.refuse = e -> e.id().equals(stored.get(1).id());
      Projection here = Postgres.exactlyOnce(DB.dataSource(), model, o);
      var options = ScheduleOptions.builder().failurePolicy(FailurePolicy.DEAD_LETTER).retryPolicy(RetryPolicy.none()).build();
      try (Schedule schedule = Schedule.periodically(store, Duration.ofDays(1), NAMES, options)) {
        schedule.project(here);
        schedule.trigger().get(60, TimeUnit.SECONDS);
        DeadLetter letter = schedule.deadLetters().getFirst();
        model.refuse = e -> false;
        // Another process resets the same read model: position 0, tables cleared.
        ((Resettable) Postgres.exactlyOnce(DB.dataSource(), model, o)).reset();

        // The projection's own check, in its transaction (the schedule also checks before).
        assertThatThrownBy(() -> ((Reapplicable) here).reapply(letter.event().orElseThrow()))
            .isInstanceOf(ReapplyRefusedException.class)
            .hasMessageContaining("stored at position 0");
        assertThatThrownBy(() -> schedule.retry(letter))
            .isInstanceOf(ReapplyRefusedException.class)
            .hasMessageContaining("reset since");

        assertThat(model.seenTable()).isEmpty();
        assertThat(schedule.deadLetters()).containsExactly(letter);
        // The rebuild applies every event, the dead-lettered one included, once.
        schedule.trigger().get(60, TimeUnit.SECONDS);
        assertThat(model.seenTable()).hasSize(3);
        assertThat(model.countsTable()).isEqualTo(Map.of(TckData.ALPHA, 3L));
      }
    }
  }


  @Test
  void twoProcessesOnOneReadModelApplyEachEventOnce() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o)) {
      List<Event<?>> events = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        events.add(TckData.alpha("a" + i));
      }
      store.insert(events);
      var model = new Counts(o.schema(), "shared");
      // Two projection objects stand for two processes: no shared lock, only the database.
      Projection p1 = Postgres.exactlyOnce(DB.dataSource(), model, o);
      Projection p2 = Postgres.exactlyOnce(DB.dataSource(), model, o);
      try (Schedule s1 = Schedule.periodically(store, Duration.ofDays(1), NAMES, options());
          Schedule s2 = Schedule.periodically(store, Duration.ofDays(1), NAMES, options())) {
        s1.project(p1);
        s2.project(p2);
        for (int round = 0; round < 5; round++) {
          var f1 = s1.trigger();
          var f2 = s2.trigger();
          try {
            f1.get(60, TimeUnit.SECONDS);
          } catch (ExecutionException lostARace) {
            // the loser rolled back; it catches up on its next run
          }
          try {
            f2.get(60, TimeUnit.SECONDS);
          } catch (ExecutionException lostARace) {
            // as above
          }
        }
        s1.trigger().get(60, TimeUnit.SECONDS);
      }
      assertThat(model.countsTable()).isEqualTo(Map.of(TckData.ALPHA, 200L));
      assertThat(model.seenTable()).hasSize(200);
    }
  }

  @Test
  void anUndecodableEventStopsOnlyTheProjectionThatReadsIt() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o)) {
      List<Event<?>> stored = store.insert(List.of(TckData.alpha("x"), TckData.beta("order", UUID.randomUUID(), 1), TckData.alpha("y")));
      Event<?> bad = stored.get(1);
      DB.exec("UPDATE " + o.schema() + "." + o.eventsTable() + " SET data = '{\"number\": \"not a number\"}' WHERE id = '" + bad.id() + "'");

      List<Throwable> reported = new CopyOnWriteArrayList<>();
      ScheduleListener listener = new ScheduleListener() {
        @Override
        public void failed(ProjectionException failure) {
          reported.add(failure);
        }

        @Override
        public void jobFailed(Throwable failure) {
          reported.add(failure);
        }
      };
      var options = ScheduleOptions.builder().failurePolicy(FailurePolicy.STOP).listener(listener).build();
      var all = new AtomicInteger();
      var alphas = new AtomicInteger();
      try (Schedule everything = Schedule.periodically(store, Duration.ofDays(1), Set.of(TckData.ALPHA, TckData.BETA), options);
          Schedule alphaOnly = Schedule.periodically(store, Duration.ofDays(1), Set.of(TckData.ALPHA), options)) {
        everything.project(e -> all.incrementAndGet());
        alphaOnly.project(e -> alphas.incrementAndGet());
        assertThatThrownBy(() -> everything.trigger().get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        alphaOnly.trigger().get(30, TimeUnit.SECONDS);
      }
      assertThat(alphas).hasValue(2);
      // Stopped at the poison event, after applying the one before it.
      assertThat(all.get()).isEqualTo(1);
      assertThat(reported).hasSize(1);
      assertThat(reported.get(0)).isInstanceOfSatisfying(ProjectionException.class, e -> {
        assertThat(e.eventId()).isEqualTo(bad.id());
        assertThat(e.position()).isEqualTo(bad.position());
        assertThat(e.getCause()).isInstanceOf(EventDecodingException.class);
      });
    }
  }

  @Test
  void pollingProgressFromAnotherThreadWhileJobsRunLeavesEveryEventAppliedOnce() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o)) {
      var model = new Counts(o.schema(), "gauged");
      Projection projection = Postgres.exactlyOnce(DB.dataSource(), model, o);
      var gauge = (dev.fabula.projection.ProgressAware) projection;
      var stop = new java.util.concurrent.atomic.AtomicBoolean();
      var polls = new AtomicInteger();
      var gaugeFailure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
      long[] lastSeen = {0};
      Thread poller = Thread.ofPlatform().name("progress-gauge").start(() -> {
        try {
          while (!stop.get()) {
            long p = gauge.progress();
            if (p < lastSeen[0]) {
              throw new AssertionError("progress went back from " + lastSeen[0] + " to " + p);
            }
            lastSeen[0] = p;
            polls.incrementAndGet();
          }
        } catch (Throwable t) {
          gaugeFailure.set(t);
        }
      });
      int total = 0;
      try (Schedule schedule = Schedule.periodically(store, Duration.ofDays(1), NAMES, options())) {
        schedule.project(projection);
        for (int round = 0; round < 8; round++) {
          List<Event<?>> events = new ArrayList<>();
          for (int i = 0; i < 60; i++) {
            events.add(TckData.alpha("r" + round + "-" + i));
          }
          store.insert(events);
          total += events.size();
          schedule.trigger().get(60, TimeUnit.SECONDS);
        }
      } finally {
        stop.set(true);
        poller.join();
      }
      assertThat(gaugeFailure.get()).isNull();
      assertThat(polls.get()).as("the gauge polled while the jobs ran").isPositive();
      assertThat(model.seenTable()).hasSize(total);
      assertThat(model.countsTable()).isEqualTo(Map.of(TckData.ALPHA, (long) total));
      assertThat(gauge.progress()).isEqualTo(store.lastPosition());
    }
  }

  @Test
  void asManyExactlyOnceProjectionsAsPoolConnectionsAllCompleteTheirJobs() throws Exception {
    PostgresOptions o = DB.freshTables().toBuilder().fetchSize(10).build();
    int poolSize = 4;
    try (var pool = Postgres.dataSource(TestDatabase.url());
        EventStore store = Postgres.eventStore(pool, TestDatabase.codec(), o)) {
      pool.getHikariConfigMXBean().setMaximumPoolSize(poolSize);
      // Long enough that only a deadlock (not a slow machine) makes a job wait it out.
      pool.getHikariConfigMXBean().setConnectionTimeout(20_000);
      List<Event<?>> events = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        events.add(TckData.alpha("a" + i));
      }
      store.insert(events);
      // No job cache: every job streams the store through a cursor while it applies.
      var streaming = ScheduleOptions.builder()
          .failurePolicy(FailurePolicy.STOP).retryPolicy(RetryPolicy.none()).jobCacheSize(0).build();
      List<Counts> models = new ArrayList<>();
      List<Schedule> schedules = new ArrayList<>();
      try {
        for (int i = 0; i < poolSize; i++) {
          var model = new Counts(o.schema(), "pooled" + i);
          models.add(model);
          Schedule schedule = Schedule.periodically(store, Duration.ofDays(1), NAMES, streaming);
          schedules.add(schedule);
          schedule.project(Postgres.exactlyOnce(pool, model, o));
        }
        List<java.util.concurrent.CompletableFuture<?>> jobs = new ArrayList<>();
        for (Schedule schedule : schedules) {
          jobs.add(schedule.trigger());
        }
        for (var job : jobs) {
          job.get(100, TimeUnit.SECONDS);
        }
      } finally {
        schedules.forEach(Schedule::close);
      }
      for (Counts model : models) {
        assertThat(model.countsTable()).isEqualTo(Map.of(TckData.ALPHA, 300L));
        assertThat(model.seenTable()).hasSize(300);
      }
    }
  }

  @Test
  void aPoolTimeoutInsideAProjectionsTransactionIsAPostgresConnectionException() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (var pool = Postgres.dataSource(TestDatabase.url());
        EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o)) {
      pool.getHikariConfigMXBean().setMaximumPoolSize(2);
      pool.getHikariConfigMXBean().setConnectionTimeout(250);
      Event<?> event = store.insert(List.of(TckData.alpha("x"))).get(0);
      var model = new Counts(o.schema(), "starved");
      Projection projection = Postgres.exactlyOnce(pool, model, o);
      var progress = (dev.fabula.projection.ProgressAware) projection;
      try (Connection held1 = pool.getConnection(); Connection held2 = pool.getConnection()) {
        assertThat(held1).isNotSameAs(held2); // the whole pool is taken
        assertThatThrownBy(() -> projection.apply(event))
            .isInstanceOf(PostgresConnectionException.class)
            .isInstanceOf(dev.fabula.TransientException.class)
            .hasMessageContaining("pool");
        assertThatThrownBy(() -> progress.progress(event.position()))
            .isInstanceOf(PostgresConnectionException.class);
        assertThatThrownBy(progress::progress).isInstanceOf(PostgresConnectionException.class);
      }
      // A moment later a connection is free: the retried step succeeds.
      projection.apply(event);
      progress.progress(event.position());
      assertThat(model.seenTable()).containsOnlyKeys(event.id().toString());
      assertThat(progress.progress()).isEqualTo(event.position());
    }
  }
}
