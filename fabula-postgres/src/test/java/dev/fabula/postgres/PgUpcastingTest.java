package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.RetryPolicy;
import dev.fabula.TransientException;
import dev.fabula.projection.FailurePolicy;
import dev.fabula.projection.Schedule;
import dev.fabula.projection.ScheduleOptions;
import dev.fabula.tck.TckData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Old-shape rows stay as written: event upcasters change what reads return, never the table (ADR 0021). */
class PgUpcastingTest {
  private static final TestDatabase DB = TestDatabase.create();

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @Test
  void aLegacyEventIsStoredUnderItsOldNameRevisionAndShapeAndReadAsItsNewOne() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), options)) {
      Event<?> old = Event.create(TckData.ALPHA_V0, new TckData.AlphaV0("kept"));
      store.insert(List.of(old));
      try (Stream<Event<?>> read = store.query(EventQuery.builder().ids(old.id()).build())) {
        assertThat(read.map(e -> e.name() + " " + e.data())).containsExactly(TckData.ALPHA + " Alpha[text=kept]");
      }
      try (Connection c = DB.dataSource().getConnection();
          PreparedStatement ps = c.prepareStatement(
              "SELECT name, revision, data::text FROM " + options.schema() + "." + options.eventsTable() + " WHERE id = ?")) {
        ps.setObject(1, old.id());
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo(TckData.ALPHA_V0);
          assertThat(rs.getInt(2)).isEqualTo(1);
          assertThat(rs.getString(3)).contains("\"label\"").doesNotContain("\"text\"");
        }
      }
    }
  }

  @Test
  void anExactlyOnceProjectionCommitsTheSplitPartsOfAStoredEventTogether() throws Exception {
    PostgresOptions o = DB.freshTables();
    String table = partsTable(o);
    AtomicInteger p2Failures = new AtomicInteger(1);
    SqlProjection parts = parts(table, text -> text.equals("p2") && p2Failures.getAndDecrement() > 0
        ? new IllegalStateException("the second part fails once") : null);
    ScheduleOptions stop = ScheduleOptions.builder().failurePolicy(FailurePolicy.STOP).retryPolicy(RetryPolicy.none()).build();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o);
        Schedule schedule = Schedule.periodically(store, Duration.ofDays(1), Set.of(TckData.ALPHA), stop)) {
      Event<?> pair = store.insert(List.of(Event.create(TckData.PAIR_V0, new TckData.PairV0("p1", "p2")))).get(0);
      TestDatabase.awaitVisible(store, pair);
      long position = pair.position();
      schedule.project(Postgres.exactlyOnce(DB.dataSource(), parts, o));
      assertThatThrownBy(() -> schedule.trigger().get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
      assertThat(texts(table)).as("the first part rolled back with the second").isEmpty();
      assertThat(Postgres.progressStore(DB.dataSource(), o).position("split-parts")).isLessThan(position);
      schedule.trigger().get(60, TimeUnit.SECONDS);
      assertThat(texts(table)).containsExactly("p1", "p2");
      assertThat(Postgres.progressStore(DB.dataSource(), o).position("split-parts")).isEqualTo(position);
    }
  }

  @Test
  void aLaterPartRetriedAfterATransientFailureCommitsWithTheEarlierParts() throws Exception {
    PostgresOptions o = DB.freshTables();
    String table = partsTable(o);
    AtomicInteger p2Failures = new AtomicInteger(2);
    SqlProjection parts = parts(table, text -> text.equals("p2") && p2Failures.getAndDecrement() > 0
        ? new TransientException("the second part fails twice, transiently") : null);
    ScheduleOptions retrying = ScheduleOptions.builder()
        .failurePolicy(FailurePolicy.STOP)
        .retryPolicy(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5)))
        .build();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o);
        Schedule schedule = Schedule.periodically(store, Duration.ofDays(1), Set.of(TckData.ALPHA), retrying)) {
      Event<?> pair = store.insert(List.of(Event.create(TckData.PAIR_V0, new TckData.PairV0("p1", "p2")))).get(0);
      TestDatabase.awaitVisible(store, pair);
      long position = pair.position();
      schedule.project(Postgres.exactlyOnce(DB.dataSource(), parts, o));
      schedule.trigger().get(60, TimeUnit.SECONDS);
      assertThat(texts(table)).as("the first part is not lost with the second's failed attempts").containsExactly("p1", "p2");
      assertThat(Postgres.progressStore(DB.dataSource(), o).position("split-parts")).isEqualTo(position);
    }
  }

  @Test
  void aDeadLetteredLaterPartLeavesTheEarlierPartsCommittedAndCanBeRetried() throws Exception {
    PostgresOptions o = DB.freshTables();
    String table = partsTable(o);
    AtomicBoolean p2Broken = new AtomicBoolean(true);
    SqlProjection parts = parts(table, text -> text.equals("p2") && p2Broken.get()
        ? new IllegalStateException("the second part fails until fixed") : null);
    ScheduleOptions letters = ScheduleOptions.builder().failurePolicy(FailurePolicy.DEAD_LETTER).retryPolicy(RetryPolicy.none()).build();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o);
        Schedule schedule = Schedule.periodically(store, Duration.ofDays(1), Set.of(TckData.ALPHA), letters)) {
      Event<?> pair = store.insert(List.of(Event.create(TckData.PAIR_V0, new TckData.PairV0("p1", "p2")))).get(0);
      TestDatabase.awaitVisible(store, pair);
      long position = pair.position();
      schedule.project(Postgres.exactlyOnce(DB.dataSource(), parts, o));
      schedule.trigger().get(60, TimeUnit.SECONDS);
      assertThat(texts(table)).as("the first part committed without the failed one").containsExactly("p1");
      assertThat(Postgres.progressStore(DB.dataSource(), o).position("split-parts")).isEqualTo(position);
      assertThat(schedule.deadLetters()).singleElement().satisfies(l -> assertThat(l.position()).isEqualTo(position));

      p2Broken.set(false);
      schedule.retry(schedule.deadLetters().get(0));
      assertThat(texts(table)).containsExactly("p1", "p2");
      assertThat(schedule.deadLetters()).isEmpty();
      assertThat(Postgres.progressStore(DB.dataSource(), o).position("split-parts")).isEqualTo(position);
    }
  }

  private static String partsTable(PostgresOptions o) throws Exception {
    String table = o.schema() + "." + o.eventsTable() + "_parts"; // one per test: the schema is shared
    DB.exec("CREATE TABLE " + table + " (text text PRIMARY KEY)");
    return table;
  }

  /** Inserts each part's text (a part applied twice would break the key), failing as {@code failure} says. */
  private static SqlProjection parts(String table, Function<String, Exception> failure) {
    return new SqlProjection() {
      @Override
      public String projectionName() {
        return "split-parts";
      }

      @Override
      public void apply(Event<?> event, Connection tx) throws Exception {
        String text = ((TckData.Alpha) event.data()).text();
        Exception fail = failure.apply(text);
        if (fail != null) {
          throw fail;
        }
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO " + table + " VALUES (?)")) {
          ps.setString(1, text);
          ps.executeUpdate();
        }
      }

      @Override
      public void reset(Connection tx) throws Exception {
        try (var st = tx.createStatement()) {
          st.execute("DELETE FROM " + table);
        }
      }
    };
  }

  private static List<String> texts(String table) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = DB.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT text FROM " + table + " ORDER BY text");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
