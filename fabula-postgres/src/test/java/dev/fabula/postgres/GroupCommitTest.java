package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.tck.TckData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Group commit (ADR 0009) made deterministic: as many inserts as may be written at once are held
 * by the server (each waits for a row lock another transaction holds), inserts arriving meanwhile
 * queue, and once a held one is through they are written together: one transaction, so one
 * transaction id in their positions.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupCommitTest {
  private static final TestDatabase DB = TestDatabase.create(12);

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  private final List<Thread> threads = new ArrayList<>();

  @Test
  void insertsQueuedBehindAHeldInsertShareOneTransaction() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), options);
        Connection blocker = DB.dataSource().getConnection()) {
      List<FutureTask<List<Event<?>>>> held = holdEveryWrite(store, options, blocker);
      List<FutureTask<List<Event<?>>>> queued = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        UUID id = UUID.randomUUID();
        queued.add(start(() -> store.insert(List.of(TckData.beta("order", id, 1), TckData.beta("order", id, 2)))));
        awaitParked(threads.getLast());
      }
      blocker.rollback(); // the held inserts go through

      List<Long> heldTxs = new ArrayList<>();
      for (FutureTask<List<Event<?>>> f : held) {
        heldTxs.add(txOf(f.get(10, TimeUnit.SECONDS).get(0)));
      }
      List<Long> txs = new ArrayList<>();
      List<Long> positions = new ArrayList<>();
      for (FutureTask<List<Event<?>>> f : queued) {
        List<Event<?>> stored = f.get(10, TimeUnit.SECONDS);
        assertThat(stored).hasSize(2);
        for (Event<?> e : stored) {
          txs.add(txOf(e));
          positions.add(e.position());
        }
      }
      assertThat(txs).as("one transaction for the three queued inserts").containsOnly(txs.get(0));
      assertThat(heldTxs).doesNotContain(txs.get(0));
      assertThat(positions).as("each caller's events consecutive, callers in turn").isSorted().doesNotHaveDuplicates();
      assertThat(DB.rows(options)).isEqualTo(GroupCommit.CONCURRENT_WRITES + 6);
    }
  }

  @Test
  void aConflictInsideAGroupFailsOnlyItsOwnInsert() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), options);
        Connection blocker = DB.dataSource().getConnection()) {
      UUID taken = UUID.randomUUID();
      store.insert(List.of(TckData.beta("order", taken, 1)));
      List<FutureTask<List<Event<?>>>> held = holdEveryWrite(store, options, blocker);
      UUID a = UUID.randomUUID();
      UUID b = UUID.randomUUID();
      FutureTask<List<Event<?>>> good1 = start(() -> store.insert(List.of(TckData.beta("order", a, 1))));
      awaitParked(threads.getLast());
      FutureTask<List<Event<?>>> late = start(() -> store.insert(List.of(TckData.beta("order", taken, 1))));
      awaitParked(threads.getLast());
      FutureTask<List<Event<?>>> good2 = start(() -> store.insert(List.of(TckData.beta("order", b, 1))));
      awaitParked(threads.getLast());
      blocker.commit(); // the held inserts now lose to the blocker's rows

      for (FutureTask<List<Event<?>>> f : held) {
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ConcurrencyException.class);
      }
      assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ConcurrencyException.class);
      assertThat(good1.get(10, TimeUnit.SECONDS).get(0).aggregate().orElseThrow().id()).isEqualTo(a);
      assertThat(good2.get(10, TimeUnit.SECONDS).get(0).aggregate().orElseThrow().id()).isEqualTo(b);
      try (Stream<Event<?>> s = store.query(EventQuery.builder().aggregate("order", taken).build())) {
        assertThat(s.count()).as("the late writer stored nothing").isEqualTo(1);
      }
      assertThat(DB.rows(options)).isEqualTo(3 + GroupCommit.CONCURRENT_WRITES); // taken, a, b, the blocker's
    }
  }

  @Test
  void aBatchTheServerRefusesInsideAGroupFailsOnlyItself() throws Exception {
    PostgresOptions options = DB.freshTables();
    String table = options.schema() + "." + options.eventsTable();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), options);
        Connection blocker = DB.dataSource().getConnection()) {
      // A value the server refuses that no check of Fabula's knows about (as NUL characters and
      // over-long names were): a trigger that rejects one payload.
      DB.exec("CREATE FUNCTION " + table + "_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
          + " IF NEW.data->>'number' = '666' THEN RAISE EXCEPTION 'poisoned payload'; END IF; RETURN NEW; END $$");
      DB.exec("CREATE TRIGGER poison BEFORE INSERT ON " + table + " FOR EACH ROW EXECUTE FUNCTION " + table + "_poison()");
      List<FutureTask<List<Event<?>>>> held = holdEveryWrite(store, options, blocker);
      UUID a = UUID.randomUUID();
      UUID b = UUID.randomUUID();
      FutureTask<List<Event<?>>> good1 = start(() -> store.insert(List.of(TckData.beta("order", a, 1))));
      awaitParked(threads.getLast());
      Event<?> poison = Event.create(TckData.BETA, new TckData.Beta(666)).withAggregate("order", UUID.randomUUID(), 1);
      FutureTask<List<Event<?>>> bad = start(() -> store.insert(List.of(poison)));
      awaitParked(threads.getLast());
      FutureTask<List<Event<?>>> good2 = start(() -> store.insert(List.of(TckData.beta("order", b, 1))));
      awaitParked(threads.getLast());
      blocker.rollback(); // the held inserts go through, the three queued ones form a group

      for (FutureTask<List<Event<?>>> f : held) {
        assertThat(f.get(10, TimeUnit.SECONDS)).hasSize(1);
      }
      assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(PostgresException.class)
          .hasMessageContaining("poisoned payload");
      assertThat(good1.get(10, TimeUnit.SECONDS).get(0).aggregate().orElseThrow().id()).isEqualTo(a);
      assertThat(good2.get(10, TimeUnit.SECONDS).get(0).aggregate().orElseThrow().id()).isEqualTo(b);
      assertThat(DB.rows(options)).isEqualTo(2 + GroupCommit.CONCURRENT_WRITES);
    }
  }

  @Test
  void aFailureNoBatchIsAtFaultFailsTheGroupOnceWithoutWritingEachBatchAgain() throws Exception {
    PostgresOptions options = DB.freshTables();
    String table = options.schema() + "." + options.eventsTable();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), options);
        Connection blocker = DB.dataSource().getConnection()) {
      // The server out of disk space (SQLState 53100) for the queued inserts' statement, counted:
      // a sequence's nextval survives the failed statement's rollback.
      DB.exec("CREATE SEQUENCE " + table + "_attempts");
      DB.exec("CREATE FUNCTION " + table + "_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
          + " IF NEW.data->>'number' = '53' THEN PERFORM nextval('" + table + "_attempts');"
          + " RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END IF; RETURN NEW; END $$");
      DB.exec("CREATE TRIGGER full_disk BEFORE INSERT ON " + table + " FOR EACH ROW EXECUTE FUNCTION " + table + "_full()");
      List<FutureTask<List<Event<?>>>> held = holdEveryWrite(store, options, blocker);
      List<FutureTask<List<Event<?>>>> queued = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Event<?> e = Event.create(TckData.BETA, new TckData.Beta(53)).withAggregate("order", UUID.randomUUID(), 1);
        queued.add(start(() -> store.insert(List.of(e))));
        awaitParked(threads.getLast());
      }
      blocker.rollback();
      for (FutureTask<List<Event<?>>> f : held) {
        assertThat(f.get(10, TimeUnit.SECONDS)).hasSize(1);
      }
      for (FutureTask<List<Event<?>>> f : queued) {
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
            .cause()
            .isInstanceOfSatisfying(PostgresException.class, p -> assertThat(p.sqlState()).isEqualTo("53100"));
      }
      try (Connection c = DB.dataSource().getConnection();
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT last_value FROM " + table + "_attempts")) {
        rs.next();
        assertThat(rs.getLong(1)).as("one statement for the group, none per batch after it").isEqualTo(1);
      }
    }
  }

  @Test
  void interruptingTheCallerThatWritesAGroupFailsNoOtherCaller() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), options);
        Connection blocker = DB.dataSource().getConnection();
        Connection holder = DB.dataSource().getConnection()) {
      UUID x = UUID.randomUUID();
      UUID y = UUID.randomUUID();
      List<Write> writes = observe(store);
      takeVersionOne(holder, options, x, 1); // the group's statement will wait for this
      List<FutureTask<List<Event<?>>>> held = holdEveryWrite(store, options, blocker);
      // Virtual threads: interrupting one closes the socket it is blocked on.
      FutureTask<List<Event<?>>> first = startVirtual(() -> store.insert(List.of(TckData.beta("order", x, 1))));
      Thread firstThread = threads.getLast();
      awaitParked(firstThread);
      FutureTask<List<Event<?>>> second = startVirtual(() -> store.insert(List.of(TckData.beta("order", y, 1))));
      awaitParked(threads.getLast());
      blocker.rollback();
      for (FutureTask<List<Event<?>>> f : held) {
        assertThat(f.get(10, TimeUnit.SECONDS)).hasSize(1);
      }
      awaitLockWaits(1); // the queued pair, written as one group, waits for the holder
      Write group = writes.stream().filter(w -> w.size() == 2).findFirst().orElseThrow();
      assertThat(group.taker()).as("the caller about to be interrupted took the group's write").isSameAs(firstThread);
      assertThat(group.runner()).as("and the statement runs on a thread no caller owns").isNotSameAs(firstThread);

      firstThread.interrupt(); // the caller whose thread took the write
      holder.rollback();

      List<Event<?>> secondStored = second.get(10, TimeUnit.SECONDS);
      List<Event<?>> firstStored = first.get(10, TimeUnit.SECONDS);
      assertThat(txOf(secondStored.get(0))).as("one group, one transaction").isEqualTo(txOf(firstStored.get(0)));
      assertThat(DB.rows(options)).isEqualTo(2 + GroupCommit.CONCURRENT_WRITES);
    }
  }

  /**
   * On a hot aggregate every group is one batch, and the caller that gets a write often finds
   * another caller's batch at the head of the queue. Its interrupt must not reach that write.
   */
  @Test
  void anInterruptedCallerThatTakesAnotherCallersLoneBatchDoesNotBreakIt() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (PgEventStore store = (PgEventStore) Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), options);
        Connection holder = DB.dataSource().getConnection()) {
      UUID order = UUID.randomUUID();
      List<Write> writes = observe(store);
      Semaphore free = store.groupCommit().writes;
      free.acquire(GroupCommit.CONCURRENT_WRITES); // every write busy: Y queues
      takeVersionOne(holder, options, order, 1); // Y's statement will wait for this on the server
      FutureTask<List<Event<?>>> y = start(() -> store.insert(List.of(TckData.beta("order", order, 1))));
      Thread yThread = threads.getLast();
      awaitParked(yThread);
      free.release(); // one write free, and nobody woken: Y stays parked at the head of the queue

      // X (same aggregate, so never in Y's group) arrives interrupted, gets the free write and
      // finds Y's batch at the head of the queue.
      FutureTask<List<Event<?>>> x = startVirtual(() -> {
        Thread.currentThread().interrupt();
        return store.insert(List.of(TckData.beta("order", order, 2)));
      });
      Thread xThread = threads.getLast();
      awaitLockWaits(1); // Y's statement waits for the holder
      holder.rollback();

      List<Event<?>> stored = y.get(10, TimeUnit.SECONDS);
      assertThat(stored).extracting(Event::id).hasSize(1);
      Write yWrite = writes.get(0);
      assertThat(yWrite.taker()).as("X took Y's write").isSameAs(xThread);
      assertThat(yWrite.runner()).as("but did not run it on its interrupted thread").isNotSameAs(xThread);
      try {
        x.get(30, TimeUnit.SECONDS); // X's own outcome is its own business
      } catch (java.util.concurrent.ExecutionException own) {
        assertThat(own.getCause()).isInstanceOf(RuntimeException.class);
      }
      free.release(GroupCommit.CONCURRENT_WRITES - 1);
      try (Connection c = DB.dataSource().getConnection();
          PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + options.schema() + "."
              + options.eventsTable() + " WHERE id = ?")) {
        ps.setObject(1, stored.get(0).id());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertThat(rs.getInt(1)).as("Y's event is stored").isEqualTo(1);
        }
      }
    }
  }

  /**
   * Makes {@code other}'s open transaction wait a minute before it looks for a deadlock, so that
   * the store's insert is the one that finds it. A role may set this where it is a superuser or
   * was granted it (PostgreSQL 15+: {@code GRANT SET ON PARAMETER deadlock_timeout}, which
   * {@code .ci/run} gives); elsewhere both keep the server's equal timeout, and the insert, which
   * starts waiting first in these tests, still looks first.
   */
  private static void waitLongerBeforeLookingForDeadlocks(Connection other) throws SQLException {
    Savepoint before = other.setSavepoint();
    try (Statement s = other.createStatement()) {
      s.execute("SET LOCAL deadlock_timeout = '60s'");
    } catch (SQLException e) {
      if (!"42501".equals(e.getSQLState())) { // anything but "permission denied" is a real failure
        throw e;
      }
      other.rollback(before); // the refused SET aborted the transaction up to the savepoint
    }
  }

  /** One write as the group commit reported it. */
  private record Write(int size, Thread taker, Thread runner) {}

  /** Records every write of {@code store}'s group commit, in order. */
  private static List<Write> observe(EventStore store) {
    List<Write> writes = new java.util.concurrent.CopyOnWriteArrayList<>();
    ((PgEventStore) store).groupCommit().observer =
        (group, taker, runner) -> writes.add(new Write(group.size(), taker, runner));
    return writes;
  }

  @Test
  void insertsTakeVersionsInKeyOrderSoOppositeOrdersCannotDeadlock() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), options);
        Connection other = DB.dataSource().getConnection()) {
      UUID low = new UUID(0, 1);
      UUID high = new UUID(0, 2);
      other.setAutoCommit(false);
      waitLongerBeforeLookingForDeadlocks(other); // should a deadlock form, the store's insert detects it
      takeVersionOne(other, options, low, 1);
      // The batch names the high aggregate first; the insert must still take the low one first
      // (and wait there for the other transaction) ...
      FutureTask<List<Event<?>>> insert = start(() -> store.insert(List.of(TckData.beta("order", high, 1), TckData.beta("order", low, 1))));
      awaitLockWaits(1);
      // ... so that the other transaction, taking the high one now, does not wait for it.
      takeVersionOne(other, options, high, 2);
      other.rollback();

      List<Event<?>> stored = insert.get(10, TimeUnit.SECONDS);
      assertThat(stored).extracting(e -> e.aggregate().orElseThrow().id()).containsExactly(high, low);
      assertThat(stored.get(0).position()).as("positions still follow the batch").isLessThan(stored.get(1).position());
    }
  }

  @Test
  void aDeadlockBetweenInsertsIsAConcurrencyConflict() throws Exception {
    PostgresOptions options = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), options);
        Connection other = DB.dataSource().getConnection()) {
      UUID low = new UUID(0, 1);
      UUID high = new UUID(0, 2);
      other.setAutoCommit(false);
      waitLongerBeforeLookingForDeadlocks(other); // the store's insert is the one to detect it
      // Taken in the opposite order of the key, as a writer outside Fabula may do.
      takeVersionOne(other, options, high, 1);
      FutureTask<List<Event<?>>> insert = start(() -> store.insert(List.of(TckData.beta("order", low, 1), TckData.beta("order", high, 1))));
      awaitLockWaits(1);
      FutureTask<Void> otherTakesLow = start(() -> {
        takeVersionOne(other, options, low, 2);
        return null;
      });

      assertThatThrownBy(() -> insert.get(30, TimeUnit.SECONDS))
          .cause()
          .isInstanceOfSatisfying(ConcurrencyException.class, c -> assertThat(c.aggregateName()).isEqualTo("order"));
      otherTakesLow.get(10, TimeUnit.SECONDS);
      other.commit();
    }
  }

  /**
   * Starts as many inserts as may be written at once, each of a version 1 that {@code blocker}'s
   * open transaction holds, and returns once the server holds every one of them.
   */
  private List<FutureTask<List<Event<?>>>> holdEveryWrite(EventStore store, PostgresOptions options, Connection blocker)
      throws Exception {
    List<FutureTask<List<Event<?>>>> held = new ArrayList<>();
    for (int i = 1; i <= GroupCommit.CONCURRENT_WRITES; i++) {
      UUID id = UUID.randomUUID();
      takeVersionOne(blocker, options, id, i);
      held.add(start(() -> store.insert(List.of(TckData.beta("order", id, 1)))));
      awaitLockWaits(i);
    }
    return held;
  }

  /** Stores version 1 of {@code id} as the {@code ord}-th row of {@code c}'s open transaction. */
  private static void takeVersionOne(Connection c, PostgresOptions options, UUID id, int ord) throws Exception {
    c.setAutoCommit(false);
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + options.schema() + "." + options.eventsTable()
        + " (position, id, name, time_ns, aggregate_name, aggregate_id, aggregate_version, revision, data)"
        + " OVERRIDING SYSTEM VALUE VALUES (" + Positions.FIRST_POSITION + " + " + ord
        + ", ?, 'tck.beta', 0, 'order', ?, 1, 1, '{\"number\":1}')")) {
      ps.setObject(1, UUID.randomUUID());
      ps.setObject(2, id);
      ps.executeUpdate();
    }
  }

  /** Waits until {@code n} backends of the test database wait for a lock (the held inserts). */
  private static void awaitLockWaits(int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    try (Connection c = DB.dataSource().getConnection(); Statement s = c.createStatement()) {
      while (true) {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity"
            + " WHERE datname = current_database() AND wait_event_type = 'Lock'")) {
          rs.next();
          if (rs.getInt(1) >= n) {
            return;
          }
        }
        assertThat(System.nanoTime()).as(n + " inserts wait for a lock").isLessThan(deadline);
        Thread.sleep(5);
      }
    }
  }

  private static long txOf(Event<?> e) {
    return e.position() / Positions.EVENTS_PER_TRANSACTION;
  }


  private <T> FutureTask<T> start(Callable<T> call) {
    FutureTask<T> task = new FutureTask<>(call);
    threads.add(Thread.ofPlatform().daemon().start(task));
    return task;
  }

  private <T> FutureTask<T> startVirtual(Callable<T> call) {
    FutureTask<T> task = new FutureTask<>(call);
    threads.add(Thread.ofVirtual().start(task));
    return task;
  }

  /** Waits until {@code t} is parked: queued behind the insert in flight. */
  private static void awaitParked(Thread t) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != Thread.State.WAITING) {
      assertThat(System.nanoTime()).as(t + " parked").isLessThan(deadline);
      Thread.sleep(1);
    }
  }
}
