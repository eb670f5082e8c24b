package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.FabulaException;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.tck.TckData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Cursor queries read ahead on a thread of their own: order, failures in place, early close. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadAheadTest {
  private static final int POOL = 2;
  private static final TestDatabase DB = TestDatabase.create(POOL);

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  /** Options with fresh tables and a small fetch size, so a few thousand rows are many batches. */
  private static PostgresOptions smallBatches() {
    return DB.freshTables().toBuilder().fetchSize(100).build();
  }

  private static List<Event<?>> insert(EventStore store, int n) {
    List<Event<?>> stored = new ArrayList<>(n);
    List<Event<?>> batch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      batch.add(TckData.alpha("e" + i));
      if (batch.size() == 5000 || i == n - 1) {
        stored.addAll(store.insert(batch));
        batch.clear();
      }
    }
    return stored;
  }

  @Test
  void aFullReadDeliversEveryEventOnceInOrder() {
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), smallBatches())) {
      List<Event<?>> stored = insert(store, 25_000);
      try (Stream<Event<?>> s = store.query(EventQuery.all())) {
        assertThat(s.toList()).isEqualTo(stored);
      }
      try (Stream<Event<?>> s = store.query(EventQuery.all())) { // one row at a time, too
        Iterator<Event<?>> it = s.iterator();
        for (Event<?> e : stored) {
          assertThat(it.next()).isEqualTo(e);
        }
        assertThat(it.hasNext()).isFalse();
      }
    }
  }

  @Test
  void closingEarlyStopsTheReaderAndReleasesTheConnection() {
    Set<Thread> before = readers();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), smallBatches())) {
      List<Event<?>> stored = insert(store, 5000);
      for (int i = 0; i < 3 * POOL + 1; i++) {
        try (Stream<Event<?>> s = store.query(EventQuery.all())) {
          assertThat(s.limit(3).toList()).isEqualTo(stored.subList(0, 3));
        }
        try (Stream<Event<?>> s = store.query(EventQuery.all())) {
          assertThat(s.findFirst()).contains(stored.get(0));
        }
        try (Stream<Event<?>> s = store.query(EventQuery.all())) {
          assertThatThrownBy(() -> s.forEach(e -> {
                throw new IllegalStateException("consumer failed");
              }))
              .hasMessage("consumer failed");
        }
        Stream<Event<?>> s = store.query(EventQuery.all());
        s.close();
        s.close(); // twice is harmless
        assertThat(newReaders(before)).as("reader threads after close").isEmpty();
      }
      assertThat(store.find(stored.get(4999).id())).contains(stored.get(4999));
      try (Stream<Event<?>> s = store.query(EventQuery.all())) {
        assertThat(s.count()).isEqualTo(5000);
      }
    }
    assertThat(newReaders(before)).isEmpty();
  }

  @Test
  void anUndecodableEventFailsInPlaceAfterTheEventsBeforeIt() {
    PostgresOptions o = smallBatches();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o)) {
      List<Event<?>> stored = insert(store, 1000);
      Event<?> bad = stored.get(550);
      DB.exec("UPDATE " + o.schema() + "." + o.eventsTable() + " SET data = '{\"txt\": 42}' WHERE id = '" + bad.id() + "'");

      List<Event<?>> delivered = new ArrayList<>();
      try (Stream<Event<?>> s = store.query(EventQuery.all())) {
        Iterator<Event<?>> it = s.iterator();
        assertThatThrownBy(() -> {
              while (it.hasNext()) {
                delivered.add(it.next());
              }
            })
            .isInstanceOfSatisfying(EventDecodingException.class, e -> {
              assertThat(e.eventId()).isEqualTo(bad.id());
              assertThat(e.position()).isEqualTo(bad.position());
              assertThat(e.getMessage()).contains(bad.id().toString()).contains("position " + bad.position());
            });
        assertThat(delivered).isEqualTo(stored.subList(0, 550));
        assertThat(it.next()).as("the stream goes on after the bad event, as before").isEqualTo(stored.get(551));
      }
    }
  }

  /** Reads one int column, noting which threads extract and decode. */
  private static class Ints implements Pg.RowReader<Integer, Integer> {
    final Set<String> extractors = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final Set<String> decoders = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public Integer extract(ResultSet rs) throws SQLException {
      extractors.add(Thread.currentThread().getName());
      return rs.getInt(1);
    }

    @Override
    public Integer decode(Integer row) {
      decoders.add(Thread.currentThread().getName());
      return row;
    }
  }

  private static Stream<Integer> ints(String sql, Ints reader) {
    return Pg.stream(DB.dataSource(), sql, List.of(), 100, reader, "test rows", "test server");
  }

  @Test
  void theReaderExtractsAndTheCallerDecodes() {
    var reader = new Ints();
    try (Stream<Integer> s = ints("SELECT i FROM generate_series(1, 1000) AS i ORDER BY i", reader)) {
      assertThat(s.toList()).hasSize(1000).isSorted();
    }
    assertThat(reader.extractors).containsExactly(ReadAhead.THREAD_NAME);
    assertThat(reader.decoders).containsExactly(Thread.currentThread().getName());
  }

  @Test
  void aServerErrorMidStreamComesAfterTheRowsBeforeIt() {
    List<Integer> delivered = new ArrayList<>();
    // Row 250 divides by zero: the third fetch (rows 201 to 300) fails, and pgjdbc drops its rows.
    try (Stream<Integer> s = ints("SELECT i + 0 * (1 / (250 - i)) FROM generate_series(1, 1000) AS i", new Ints())) {
      assertThatThrownBy(() -> s.forEach(delivered::add))
          .isInstanceOf(PostgresException.class)
          .hasMessageContaining("reading test rows");
    }
    assertThat(delivered).isEqualTo(IntStream.rangeClosed(1, 200).boxed().toList());
  }

  @Test
  void aFailureWithinABatchComesAfterTheRowsOfTheBatchBeforeIt() {
    var failing = new Ints() {
      @Override
      public Integer extract(ResultSet rs) throws SQLException {
        int i = super.extract(rs);
        if (i == 250) {
          throw new IllegalStateException("row 250");
        }
        return i;
      }
    };
    List<Integer> delivered = new ArrayList<>();
    try (Stream<Integer> s = ints("SELECT i FROM generate_series(1, 1000) AS i", failing)) {
      assertThatThrownBy(() -> s.forEach(delivered::add)).hasMessage("row 250");
    }
    assertThat(delivered).isEqualTo(IntStream.rangeClosed(1, 249).boxed().toList());
  }

  @Test
  void aQueryThatCannotRunFailsAtOnce() {
    assertThatThrownBy(() -> ints("SELECT no_such_column FROM generate_series(1, 10)", new Ints()))
        .isInstanceOf(PostgresException.class)
        .hasMessageContaining("querying test rows");
    try (Stream<Integer> s = ints("SELECT 7", new Ints())) {
      assertThat(s.toList()).containsExactly(7);
    }
  }

  @Test
  void anInterruptWhileTheQueryRunsCancelsIt() throws Exception {
    Set<Thread> before = readers();
    var query = new CompletableFuture<Stream<Integer>>();
    Thread t = Thread.ofPlatform().start(() -> {
      try {
        query.complete(ints("SELECT 1 FROM pg_sleep(30)", new Ints()));
      } catch (RuntimeException e) {
        query.completeExceptionally(e);
      }
    });
    try (var admin = DB.dataSource().getConnection()) {
      FaultTest.awaitBackend(admin, "state = 'active'", "pg_sleep(30)");
    }
    long t0 = System.nanoTime();
    t.interrupt();
    assertThatThrownBy(() -> query.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(FabulaException.class)
        .hasMessageContaining("interrupted while querying test rows");
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(10));
    t.join();
    assertThat(newReaders(before)).isEmpty();
    for (int i = 0; i < POOL; i++) { // no connection held
      try (Stream<Integer> s = ints("SELECT 1", new Ints())) {
        assertThat(s.toList()).containsExactly(1);
      }
    }
  }

  private static Set<Thread> readers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(ReadAhead.THREAD_NAME) && t.isAlive())
        .collect(Collectors.toSet());
  }

  /** Reader threads that were not there before, after giving them a moment to end. */
  private static Set<Thread> newReaders(Set<Thread> before) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      Set<Thread> now = readers();
      now.removeAll(before);
      if (now.isEmpty() || System.nanoTime() > deadline) {
        return now;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return now;
      }
    }
  }

  @Test
  void cursorReadsLeaveOneConnectionOfThePoolForWrites() {
    PostgresOptions o = DB.freshTables().toBuilder().fetchSize(5).build();
    try (var pool = Postgres.dataSource(TestDatabase.url());
        EventStore store = Postgres.eventStore(pool, TestDatabase.codec(), o)) {
      pool.getHikariConfigMXBean().setMaximumPoolSize(3);
      pool.getHikariConfigMXBean().setConnectionTimeout(250);
      List<Event<?>> events = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        events.add(TckData.alpha("e" + i));
      }
      store.insert(events);
      Stream<Event<?>> first = store.query(EventQuery.all());
      Stream<Event<?>> second = store.query(EventQuery.all());
      try {
        // Two open cursors on a pool of three: a third read waits for a slot, then says why.
        assertThatThrownBy(() -> store.query(EventQuery.all()).close())
            .isInstanceOf(PostgresConnectionException.class)
            .hasMessageStartingWith("Every connection of the pool that streams may use stayed held by open streams")
            .hasMessageNotContaining("Lost or could not open")
            .hasMessageContaining("held by open streams");
        // The connection they leave serves writes and short reads meanwhile.
        assertThat(store.insert(List.of(TckData.alpha("while reading")))).hasSize(1);
        assertThat(store.find(events.get(0).id())).isPresent();
      } finally {
        first.close();
      }
      try (Stream<Event<?>> third = store.query(EventQuery.all())) {
        assertThat(third.count()).isEqualTo(101);
      } finally {
        second.close();
      }
    }
  }
}
