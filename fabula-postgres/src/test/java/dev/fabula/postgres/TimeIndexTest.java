package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.codec.Codec;
import dev.fabula.codec.CodecRegistry;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.SortField;
import dev.fabula.spi.QueryPlan;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.tck.TckData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The timeline index (ADR 0026) on a real server: made on first use in the background, used once
 * valid, and giving exactly the events, in exactly the order, of the plain query, on events whose
 * application-set times do not follow their positions; off, or not to be had, the plain query.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TimeIndexTest {
  private static final TestDatabase DB = TestDatabase.create();
  private static final Instant BASE = Instant.parse("2026-03-01T00:00:00Z");
  private static final int EVENTS = 3_000;
  private static final String[] TYPES = {"cart", "order", "invoice"};

  /** The table of the comparison of both paths, with {@link #EVENTS} events; no other test uses it. */
  private static PostgresOptions shared;
  private static List<Event<?>> stored;

  @BeforeAll
  static void fill() throws InterruptedException {
    shared = DB.freshTables();
    try (EventStore store = plain(shared)) {
      stored = insertShuffled(store, EVENTS);
      awaitVisible(store, EVENTS);
    }
  }

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  /**
   * The time of the i-th event: one second apart, each moved back or forth by up to 30 seconds,
   * and events 0, 1 and 2 nanoseconds apart in turn, so times go back and forth between
   * neighbours (neither the position nor the time order gives the other) while following the
   * positions overall (the case the index is used for).
   */
  private static Instant jittered(int i) {
    return BASE.plusSeconds(i + (i * 7919L) % 61 - 30).plusNanos(i % 3);
  }

  /** {@code n} events of {@link #jittered} times. */
  private static List<Event<?>> insertShuffled(EventStore store, int n) {
    return insert(store, n, TimeIndexTest::jittered);
  }

  /**
   * {@code n} events in batches of 100 with the given times, of three aggregate types and events
   * of no aggregate.
   */
  private static List<Event<?>> insert(EventStore store, int n, IntFunction<Instant> times) {
    List<Event<?>> all = new ArrayList<>();
    List<Event<?>> batch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Instant time = times.apply(i);
      Event<?> e = i % 5 == 0
          ? TckData.event(TckData.ALPHA, new TckData.Alpha("a" + i), time)
          : Event.of(UUID.randomUUID(), TckData.BETA, time, new TckData.Beta(1), null,
                  dev.fabula.event.Metadata.empty(), 0)
              .withAggregate(TYPES[i % 3], UUID.randomUUID(), 1);
      batch.add(e);
      if (batch.size() == 100) {
        all.addAll(store.insert(batch));
        batch.clear();
      }
    }
    all.addAll(store.insert(batch));
    return all;
  }

  /**
   * The kit's two event types without its upcasters: with event upcasters a store reads the
   * stored events without the page's limit (the limit applies after upcasting), which the index
   * does not serve.
   */
  private static final Codec CODEC = JacksonCodec.create(CodecRegistry.builder()
      .register(TckData.ALPHA, TckData.Alpha.class)
      .register(TckData.BETA, TckData.Beta.class)
      .build());

  private static EventStore plain(PostgresOptions options) {
    return Postgres.eventStore(DB.dataSource(), CODEC, options.toBuilder().timelineIndex(false).build());
  }

  private static EventStore indexed(PostgresOptions options) {
    return Postgres.eventStore(DB.dataSource(), CODEC, options);
  }

  /** Waits (bounded) until a store-following read sees all {@code n} events (ADR 0005's horizon). */
  private static void awaitVisible(EventStore store, int n) throws InterruptedException {
    await("the store's " + n + " events to be visible", () -> {
      try (Stream<Event<?>> s = store.query(EventQuery.builder().build())) {
        return s.count() == n;
      }
    });
  }

  private static void await(String what, Supplier<Boolean> condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited 60 s for " + what);
      }
      Thread.sleep(20);
    }
  }

  private static TimeIndex.State awaitSettled(PgEventStore store) throws InterruptedException {
    await("the timeline index to be made or given up", () -> {
      TimeIndex.State s = store.timeIndex().state();
      return s == TimeIndex.State.READY || s == TimeIndex.State.UNAVAILABLE;
    });
    return store.timeIndex().state();
  }

  private static List<UUID> ids(EventStore store, EventQuery q) {
    try (Stream<Event<?>> s = store.query(q)) {
      return s.map(Event::id).toList();
    }
  }

  /** The query's answer worked out from the inserted events. */
  private static List<UUID> expected(Predicate<Event<?>> filter, long after, int limit) {
    return stored.stream()
        .filter(e -> e.position() > after && filter.test(e))
        .sorted(Comparator.comparingLong(Event::position))
        .limit(limit)
        .map(Event::id)
        .toList();
  }

  private record Case(String what, UnaryOperator<EventQuery.Builder> query, Predicate<Event<?>> filter, long after,
      int limit) {}

  private static List<Case> cases() {
    Instant t300 = BASE.plusSeconds(300);
    Instant t360 = BASE.plusSeconds(360);
    Instant t1000 = BASE.plusSeconds(1000);
    long middle = stored.get(EVENTS / 2).position();
    long late = stored.get(EVENTS - 40).position();
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("a minute, min and max inclusive", q -> q.timeMin(t300).timeMax(t360),
        e -> !e.time().isBefore(t300) && !e.time().isAfter(t360), 0, 50));
    cases.add(new Case("from a time to the end", q -> q.timeMin(t1000),
        e -> !e.time().isBefore(t1000), 0, 51));
    cases.add(new Case("up to a time", q -> q.timeMax(t300), e -> !e.time().isAfter(t300), 0, 20));
    cases.add(new Case("after and before, exclusive", q -> q.timeAfter(t300).timeBefore(t1000),
        e -> e.time().isAfter(t300) && e.time().isBefore(t1000), 0, 100));
    cases.add(new Case("a window after the middle position", q -> q.timeMin(t300).timeMax(t1000).afterPosition(middle),
        e -> !e.time().isBefore(t300) && !e.time().isAfter(t1000), middle, 50));
    cases.add(new Case("a window past the last matches: fewer than the limit",
        q -> q.timeMin(t300).timeMax(t360).afterPosition(late),
        e -> !e.time().isBefore(t300) && !e.time().isAfter(t360), late, 50));
    cases.add(new Case("a window of one aggregate type", q -> q.timeMin(t300).timeMax(t1000).aggregateNames("order"),
        e -> e.aggregate().map(a -> a.name().equals("order")).orElse(false)
            && !e.time().isBefore(t300) && !e.time().isAfter(t1000), 0, 30));
    cases.add(new Case("a window that holds nothing", q -> q.timeMin(BASE.minusSeconds(100)).timeMax(BASE.minusSeconds(40)),
        e -> false, 0, 50));
    Instant exact = jittered(1000);
    cases.add(new Case("one nanosecond: events at exactly that time", q -> q.timeMin(exact).timeMax(exact),
        e -> e.time().equals(exact), 0, 50));
    return cases;
  }

  @Test
  void theIndexIsMadeOnFirstUseAndGivesThePlainQuerysEventsInItsOrder() throws Exception {
    try (EventStore indexed = indexed(shared); EventStore plain = plain(shared)) {
      PgEventStore pg = (PgEventStore) indexed;
      assertThat(pg.timeIndex().state()).as("nothing is made before a query wants it").isEqualTo(TimeIndex.State.IDLE);
      assertThat(indexState(shared)).as("no index yet").isNull();
      List<Case> cases = cases();
      // The first query wants the index and is answered at once, by the plain SQL.
      Case first = cases.get(0);
      assertThat(ids(indexed, first.query().apply(EventQuery.builder().sortBy(SortField.POSITION)).limit(first.limit())
              .build()))
          .isEqualTo(expected(first.filter(), first.after(), first.limit()));
      assertThat(awaitSettled(pg)).isEqualTo(TimeIndex.State.READY);
      assertThat(indexState(shared)).as("the index exists and is valid").isTrue();
      assertThat(pg.timeIndex().distance()).isEqualTo("OPERATOR(public.<->)");
      assertThat(pg.timeIndex().correlated()).isTrue();
      for (Case c : cases) {
        EventQuery q = c.query().apply(EventQuery.builder().sortBy(SortField.POSITION)).limit(c.limit()).build();
        List<UUID> expected = expected(c.filter(), c.after(), c.limit());
        assertThat(ids(indexed, q)).as("indexed: " + c.what()).isEqualTo(expected);
        assertThat(ids(plain, q)).as("plain: " + c.what()).isEqualTo(expected);
      }
      assertThat(expected(cases.get(0).filter(), 0, 50)).as("the first case is not trivially empty").hasSize(50);
      Case exactCase = cases.get(cases.size() - 1);
      assertThat(expected(exactCase.filter(), 0, 50)).as("the exact time case finds its event").hasSize(1);
      List<Instant> times = stored.stream().map(Event::time).toList();
      assertThat(times).as("times go back and forth").isNotEqualTo(times.stream().sorted().toList());
    }
  }

  @Test
  void theServerAnswersTheIndexedFormByAnOrderedScanOfTheIndex() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventStore indexed = indexed(options)) {
      insertShuffled(indexed, 300);
      awaitVisible(indexed, 300);
      PgEventStore pg = (PgEventStore) indexed;
      EventQuery q = EventQuery.builder().timeMin(BASE.plusSeconds(300)).timeMax(BASE.plusSeconds(1000))
          .afterPosition(5).limit(50).build();
      ids(indexed, q);
      assertThat(awaitSettled(pg)).isEqualTo(TimeIndex.State.READY);
      QueryTranslator.Select select = new QueryTranslator(options.schema() + "." + options.eventsTable(), 100)
          .translate(QueryPlan.of(q), pg.timeIndex().distance());
      assertThat(select.sql()).contains(" ORDER BY position OPERATOR(public.<->) 0::bigint LIMIT ?");
      // With sorting priced out, the only plan left for this ORDER BY is the index's ordered scan:
      // the operator matches the index's ordering operator (otherwise the plan would still sort).
      String plan;
      try (Connection c = DB.dataSource().getConnection()) {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
          s.execute("SET LOCAL enable_sort = off");
          s.execute("SET LOCAL enable_seqscan = off");
        }
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + select.sql())) {
          Pg.bind(c, ps, select.params());
          StringBuilder text = new StringBuilder();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              text.append(rs.getString(1)).append('\n');
            }
          }
          plan = text.toString();
        }
        c.rollback();
      }
      assertThat(plan).contains("Index Scan using " + TimeIndex.indexName(options)).doesNotContain("Sort");
    }
  }

  @Test
  void timesThatDoNotFollowPositionsKeepThePlainQueryWhereItIsRight() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventStore store = indexed(options)) {
      // A permutation of seconds unrelated to the positions (correlation near 0).
      List<Event<?>> events = insert(store, 2_000, i -> BASE.plusSeconds((i * 7919L) % 2_000));
      awaitVisible(store, 2_000);
      DB.exec("ANALYZE " + options.schema() + "." + options.eventsTable());
      PgEventStore pg = (PgEventStore) store;
      EventQuery q = EventQuery.builder().timeMin(BASE.plusSeconds(500)).timeMax(BASE.plusSeconds(900)).limit(20)
          .build();
      List<UUID> expected = events.stream()
          .filter(e -> !e.time().isBefore(BASE.plusSeconds(500)) && !e.time().isAfter(BASE.plusSeconds(900)))
          .limit(20).map(Event::id).toList();
      assertThat(ids(store, q)).isEqualTo(expected).hasSize(20);
      assertThat(awaitSettled(pg)).isEqualTo(TimeIndex.State.READY);
      assertThat(indexState(options)).as("made, as for any table").isTrue();
      assertThat(pg.timeIndex().correlated()).isFalse();
      assertThat(pg.timeIndex().distance()).as("but not used").isNull();
      assertThat(ids(store, q)).isEqualTo(expected);
    }
  }

  @Test
  void offItIsNeitherMadeNorUsed() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventStore store = plain(options)) {
      List<Event<?>> events = insertShuffled(store, 200);
      awaitVisible(store, 200);
      PgEventStore pg = (PgEventStore) store;
      EventQuery q = EventQuery.builder().timeMin(BASE.plusSeconds(10)).timeMax(BASE.plusSeconds(60)).limit(10).build();
      List<UUID> expected = events.stream()
          .filter(e -> !e.time().isBefore(BASE.plusSeconds(10)) && !e.time().isAfter(BASE.plusSeconds(60)))
          .limit(10).map(Event::id).toList();
      assertThat(expected).hasSize(10);
      for (int i = 0; i < 3; i++) {
        assertThat(ids(store, q)).isEqualTo(expected);
      }
      assertThat(pg.timeIndex().state()).isEqualTo(TimeIndex.State.OFF);
      assertThat(pg.timeIndex().distance()).isNull();
      assertThat(indexState(options)).as("no index was made").isNull();
    }
  }

  @Test
  void underTheValidatePolicyAMissingIndexIsNotMadeAndTheQueryStaysPlain() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventStore maker = plain(options)) {
      insertShuffled(maker, 100);
      awaitVisible(maker, 100);
    }
    PostgresOptions validate = options.toBuilder().schemaPolicy(PostgresOptions.SchemaPolicy.VALIDATE).build();
    try (EventStore store = indexed(validate)) {
      PgEventStore pg = (PgEventStore) store;
      EventQuery q = EventQuery.builder().timeMin(BASE).limit(5).build();
      assertThat(ids(store, q)).hasSize(5);
      assertThat(awaitSettled(pg)).isEqualTo(TimeIndex.State.UNAVAILABLE);
      assertThat(pg.timeIndex().distance()).isNull();
      assertThat(indexState(options)).isNull();
      assertThat(ids(store, q)).as("still answered, by the plain SQL").hasSize(5);
    }
  }

  @Test
  void twoStoresWantingItAtOnceMakeOneIndexAndBothUseIt() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventStore a = indexed(options); EventStore b = indexed(options)) {
      insertShuffled(a, 300);
      awaitVisible(a, 300);
      EventQuery q = EventQuery.builder().timeMin(BASE.plusSeconds(20)).limit(7).build();
      List<UUID> first = ids(a, q);
      assertThat(ids(b, q)).isEqualTo(first);
      assertThat(awaitSettled((PgEventStore) a)).isEqualTo(TimeIndex.State.READY);
      assertThat(awaitSettled((PgEventStore) b)).isEqualTo(TimeIndex.State.READY);
      assertThat(indexState(options)).isTrue();
      assertThat(ids(a, q)).isEqualTo(first).hasSize(7);
      assertThat(ids(b, q)).isEqualTo(first);
    }
  }

  @Test
  void anInvalidIndexLeftByAFailedBuildIsMadeAgain() throws Exception {
    PostgresOptions options = DB.freshTables();
    String table = options.schema() + "." + options.eventsTable();
    try (EventStore store = indexed(options)) {
      List<Event<?>> events = insertShuffled(store, 100);
      awaitVisible(store, 100);
      // What a failed CREATE INDEX CONCURRENTLY leaves: the index in the catalog, not valid. Here
      // it fails waiting for a transaction that holds a writer's lock on the table (a lock only:
      // no transaction id, so no reader's horizon waits for it).
      try (Connection holder = DB.dataSource().getConnection(); Connection builder = DB.dataSource().getConnection()) {
        holder.setAutoCommit(false);
        try (Statement s = holder.createStatement()) {
          s.execute("LOCK TABLE " + table + " IN ROW EXCLUSIVE MODE");
        }
        try (Statement s = builder.createStatement()) {
          s.execute("SET statement_timeout = '300ms'");
          s.execute("CREATE INDEX CONCURRENTLY " + TimeIndex.indexName(options) + " ON " + table
              + " USING gist (time_ns public.gist_int8_ops, position public.gist_int8_ops)");
          throw new AssertionError("the build should have timed out");
        } catch (java.sql.SQLException e) {
          assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("57014"); // query_canceled
        } finally {
          try (Statement s = builder.createStatement()) {
            s.execute("RESET statement_timeout");
          }
          holder.rollback();
        }
      }
      assertThat(indexState(options)).as("left invalid").isFalse();
      PgEventStore pg = (PgEventStore) store;
      EventQuery q = EventQuery.builder().timeMin(BASE).limit(3).build();
      List<UUID> expected = events.stream().filter(e -> !e.time().isBefore(BASE)).limit(3).map(Event::id).toList();
      assertThat(ids(store, q)).isEqualTo(expected);
      assertThat(awaitSettled(pg)).isEqualTo(TimeIndex.State.READY);
      assertThat(indexState(options)).as("dropped and made again").isTrue();
      assertThat(ids(store, q)).isEqualTo(expected);
    }
  }

  /** Whether the options' timeline index is valid; null when it does not exist. */
  private static Boolean indexState(PostgresOptions options) throws Exception {
    try (Connection c = DB.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT i.indisvalid FROM pg_index i JOIN pg_class ci"
            + " ON ci.oid = i.indexrelid WHERE i.indrelid = to_regclass(?) AND ci.relname = ?")) {
      ps.setString(1, options.schema() + "." + options.eventsTable());
      ps.setString(2, TimeIndex.indexName(options));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getBoolean(1) : null;
      }
    }
  }
}
