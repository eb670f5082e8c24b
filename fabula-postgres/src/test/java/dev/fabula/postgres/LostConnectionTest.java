package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.Event;
import dev.fabula.event.EventStore;
import dev.fabula.event.OutcomeUnknownException;
import dev.fabula.proxy.CuttingProxy;
import dev.fabula.tck.TckData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An insert whose connection breaks is told the truth: stored, not stored, or (only when that
 * cannot be learnt in time) unknown. The connection runs through a {@link CuttingProxy} that cuts
 * it at a chosen point of the protocol.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LostConnectionTest {
  private static final TestDatabase DB = TestDatabase.create();

  private CuttingProxy proxy;
  private HikariDataSource viaProxy;

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @BeforeEach
  void startProxy() throws Exception {
    proxy = new CuttingProxy(Pg.serverOf(TestDatabase.url()), "INSERT 0 ");
    viaProxy = Postgres.dataSource(proxy.url(TestDatabase.url()), Duration.ofSeconds(1));
  }

  @AfterEach
  void stopProxy() throws Exception {
    viaProxy.close();
    proxy.close();
  }

  private EventStore store(PostgresOptions o) {
    return Postgres.eventStore(viaProxy, TestDatabase.codec(), o.toBuilder().outcomeTimeout(Duration.ofSeconds(2)).build());
  }

  @Test
  void aCommitWhoseReplyIsLostIsReportedAsStored() {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = store(o)) {
      UUID order = UUID.randomUUID();
      Event<?> e = TckData.beta("order", order, 1);
      proxy.arm(CuttingProxy.Cut.BEFORE_REPLY, "INSERT INTO");

      List<Event<?>> stored = store.insert(List.of(e));

      assertThat(proxy.cutDone()).as("the reply was cut").isTrue();
      assertThat(stored).hasSize(1);
      assertThat(stored.get(0).id()).isEqualTo(e.id());
      assertThat(store.find(e.id())).hasValueSatisfying(found -> assertThat(found.position()).isEqualTo(stored.get(0).position()));
      // A caller that retries anyway is told the events are already there, and nothing doubles.
      assertThatThrownBy(() -> store.insert(List.of(e))).isInstanceOf(DuplicateEventException.class);
      assertThat(DB.rows(o)).isEqualTo(1);
    }
  }

  @Test
  void anInsertThatNeverReachedTheServerIsReportedAsNotStored() {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = store(o)) {
      Event<?> e = TckData.beta("order", UUID.randomUUID(), 1);
      proxy.arm(CuttingProxy.Cut.BEFORE_SENDING, "INSERT INTO");

      assertThatThrownBy(() -> store.insert(List.of(e)))
          .isInstanceOf(PostgresConnectionException.class)
          .hasMessageContaining("not stored");
      assertThat(proxy.cutDone()).isTrue();
      assertThat(store.find(e.id())).isEmpty();
      assertThat(store.insert(List.of(e))).hasSize(1); // the retry stores it, once
      assertThat(DB.rows(o)).isEqualTo(1);
    }
  }

  @Test
  void anInsertStillRunningForAClientThatIsGoneIsStoppedAndReportedAsNotStored() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = store(o); Connection blocker = DB.dataSource().getConnection()) {
      UUID order = UUID.randomUUID();
      // An open transaction holds version 1 of the aggregate: the insert waits for it on the server.
      blocker.setAutoCommit(false);
      try (PreparedStatement ps = blocker.prepareStatement("INSERT INTO " + o.schema() + "." + o.eventsTable()
          + " (id, name, time_ns, aggregate_name, aggregate_id, aggregate_version, revision, data)"
          + " VALUES (?, 'tck.beta', 0, 'order', ?, 1, 1, '{\"number\":1}')")) {
        ps.setObject(1, UUID.randomUUID());
        ps.setObject(2, order);
        ps.executeUpdate();
      }
      Event<?> e = TckData.beta("order", order, 1);
      proxy.arm(CuttingProxy.Cut.AFTER_SENDING, "INSERT INTO");
      CompletableFuture<List<Event<?>>> insert = CompletableFuture.supplyAsync(() -> store.insert(List.of(e)));

      // The store stops the orphaned statement instead of leaving it to commit later.
      assertThatThrownBy(() -> insert.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(PostgresConnectionException.class)
          .hasMessageContaining("not stored");
      blocker.rollback(); // had the statement lived on, it would commit now
      blocker.setAutoCommit(true);
      assertThat(store.find(e.id())).isEmpty();
      assertThat(store.insert(List.of(e))).hasSize(1);
    }
  }

  /**
   * The INSERT is still on its way (in a kernel buffer, a retransmit, a proxy) when the client
   * sees its connection break, and reaches the old backend only after the store looked the ids
   * up. An idle backend is no proof that nothing will run: the store must stop it before it says
   * "not stored".
   */
  @Test
  void anInsertDelayedInTheNetworkUntilAfterTheLookUpIsNotReportedAsNotStoredAndThenStored() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = store(o)) {
      Event<?> e = TckData.beta("order", UUID.randomUUID(), 1);
      store.insert(List.of(TckData.beta("order", UUID.randomUUID(), 1))); // the connection knows its backend
      proxy.releaseHeldAfter("id = ANY"); // the store's look-up of the batch's ids
      proxy.arm(CuttingProxy.Cut.HOLD_UNTIL_LOOKED_UP, "INSERT INTO");

      boolean toldStored;
      try {
        store.insert(List.of(e));
        toldStored = true;
      } catch (PostgresConnectionException notStored) {
        assertThat(notStored).hasMessageContaining("not stored");
        toldStored = false;
      }

      assertThat(proxy.cutDone()).isTrue();
      assertThat(proxy.awaitHeldOver(20)).as("the held INSERT ran, or its backend was stopped").isTrue();
      assertThat(DB.rows(o) - 1).as(toldStored ? "told stored" : "told not stored").isEqualTo(toldStored ? 1 : 0);
      assertThat(toldStored).as("the held INSERT never reaches a live backend").isFalse();
    }
  }

  @Test
  void anOutcomeThatCannotBeLearntSaysSoAndARetryOfTheSameEventsIsSafe() {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = store(o)) {
      UUID order = UUID.randomUUID();
      List<Event<?>> batch = List.of(TckData.beta("order", order, 1), TckData.beta("order", order, 2));
      proxy.blackoutAfterCut();
      proxy.arm(CuttingProxy.Cut.BEFORE_REPLY, "INSERT INTO");

      assertThatThrownBy(() -> store.insert(batch))
          .isInstanceOfSatisfying(OutcomeUnknownException.class, u -> {
            assertThat(u.eventIds()).containsExactly(batch.get(0).id(), batch.get(1).id());
            assertThat(u.getMessage()).contains("could not learn").contains("127.0.0.1");
          })
          // Not transient: a generic retry would run the code building the batch again, with fresh ids.
          .isNotInstanceOf(dev.fabula.TransientException.class);

      proxy.restore();
      // It was in fact committed: the retry says so instead of storing the events again.
      assertThatThrownBy(() -> store.insert(batch)).isInstanceOf(DuplicateEventException.class);
      assertThat(DB.rows(o)).isEqualTo(2);
    }
  }

  @Test
  void aGroupWhoseReplyIsLostTellsEachCallerItsEventsAreStored() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = store(o); Connection blocker = DB.dataSource().getConnection()) {
      List<Event<?>> batches = List.of(TckData.beta("order", UUID.randomUUID(), 1), TckData.beta("order", UUID.randomUUID(), 1));
      Staged staged = stageAGroup(store, o, blocker, batches);
      proxy.arm(CuttingProxy.Cut.BEFORE_REPLY, "INSERT INTO"); // the next INSERT sent is the group's
      blocker.rollback();
      for (FutureTask<List<Event<?>>> f : staged.held()) {
        assertThat(f.get(10, TimeUnit.SECONDS)).hasSize(1);
      }

      List<Long> txs = new ArrayList<>();
      for (int i = 0; i < batches.size(); i++) {
        List<Event<?>> stored = staged.queued().get(i).get(20, TimeUnit.SECONDS);
        assertThat(stored).extracting(Event::id).containsExactly(batches.get(i).id());
        txs.add(stored.get(0).position() / Positions.EVENTS_PER_TRANSACTION);
      }
      assertThat(proxy.cutDone()).as("the group's reply was cut").isTrue();
      assertThat(txs).as("one group, one transaction").containsOnly(txs.get(0));
      assertThat(DB.rows(o)).isEqualTo(2 + GroupCommit.CONCURRENT_WRITES);
    }
  }

  @Test
  void aGroupWhoseOutcomeCannotBeLearntTellsEachCallerSoAboutItsOwnEvents() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = store(o); Connection blocker = DB.dataSource().getConnection()) {
      List<Event<?>> batches = List.of(TckData.beta("order", UUID.randomUUID(), 1), TckData.beta("order", UUID.randomUUID(), 1));
      Staged staged = stageAGroup(store, o, blocker, batches);
      proxy.blackoutAfterCut();
      proxy.arm(CuttingProxy.Cut.BEFORE_REPLY, "INSERT INTO");
      blocker.rollback();

      for (int i = 0; i < batches.size(); i++) {
        UUID own = batches.get(i).id();
        FutureTask<List<Event<?>>> caller = staged.queued().get(i);
        assertThatThrownBy(() -> caller.get(30, TimeUnit.SECONDS))
            .cause()
            .isInstanceOfSatisfying(OutcomeUnknownException.class, u -> assertThat(u.eventIds()).containsExactly(own));
      }
      for (FutureTask<List<Event<?>>> f : staged.held()) {
        try {
          f.get(30, TimeUnit.SECONDS); // stored, or cut off by the blackout too: not this test's subject
        } catch (ExecutionException either) {
          assertThat(either).hasCauseInstanceOf(OutcomeUnknownException.class);
        }
      }
      proxy.restore();
      for (Event<?> e : batches) { // committed in fact: a retry says so and stores nothing again
        assertThatThrownBy(() -> store.insert(List.of(e))).isInstanceOf(DuplicateEventException.class);
      }
    }
  }

  @Test
  void onceOneBatchOfARefusedGroupLosesTheConnectionTheRestAreNotSent() throws Exception {
    PostgresOptions o = DB.freshTables();
    try (EventStore store = store(o); Connection blocker = DB.dataSource().getConnection()) {
      UUID taken = UUID.randomUUID();
      store.insert(List.of(TckData.beta("order", taken, 1)));
      // The first batch conflicts, so the group is refused and each batch is written alone.
      List<Event<?>> batches = List.of(
          TckData.beta("order", taken, 1), TckData.beta("order", UUID.randomUUID(), 1),
          TckData.beta("order", UUID.randomUUID(), 1));
      Staged staged = stageAGroup(store, o, blocker, batches);
      proxy.blackoutAfterCut();
      proxy.arm(CuttingProxy.Cut.BEFORE_SENDING, "INSERT INTO", 1); // the group's passes, the first retry is cut
      blocker.rollback();

      assertThatThrownBy(() -> staged.queued().get(0).get(30, TimeUnit.SECONDS))
          .cause()
          .isInstanceOfAny(PostgresConnectionException.class, OutcomeUnknownException.class);
      for (int i = 1; i < batches.size(); i++) {
        FutureTask<List<Event<?>>> rest = staged.queued().get(i);
        assertThatThrownBy(() -> rest.get(30, TimeUnit.SECONDS))
            .cause()
            .isInstanceOf(PostgresConnectionException.class)
            .hasMessageContaining("not stored")
            .hasMessageContaining("another batch of their group");
      }
      for (FutureTask<List<Event<?>>> f : staged.held()) {
        try {
          f.get(30, TimeUnit.SECONDS); // stored, or cut off by the blackout too: not this test's subject
        } catch (ExecutionException either) {
          assertThat(either).hasCauseInstanceOf(OutcomeUnknownException.class);
        }
      }
      proxy.restore();
      assertThat(proxy.cutDone()).isTrue();
    }
  }

  /** Inserts held by the server, and inserts queued behind them, to be written as one group. */
  private record Staged(List<FutureTask<List<Event<?>>>> held, List<FutureTask<List<Event<?>>>> queued) {}

  /**
   * Holds every write on the server (each waits for a version {@code blocker}'s open transaction
   * holds) and queues one insert per batch behind them: once {@code blocker} ends, the queued
   * ones are written together as one group.
   */
  private static Staged stageAGroup(EventStore store, PostgresOptions o, Connection blocker, List<Event<?>> batches)
      throws Exception {
    String table = o.schema() + "." + o.eventsTable();
    blocker.setAutoCommit(false);
    List<FutureTask<List<Event<?>>>> held = new ArrayList<>();
    for (int i = 1; i <= GroupCommit.CONCURRENT_WRITES; i++) {
      UUID id = UUID.randomUUID();
      try (PreparedStatement ps = blocker.prepareStatement("INSERT INTO " + table
          + " (position, id, name, time_ns, aggregate_name, aggregate_id, aggregate_version, revision, data)"
          + " OVERRIDING SYSTEM VALUE VALUES (" + Positions.FIRST_POSITION + " + " + i
          + ", ?, 'tck.beta', 0, 'order', ?, 1, 1, '{\"number\":1}')")) {
        ps.setObject(1, UUID.randomUUID());
        ps.setObject(2, id);
        ps.executeUpdate();
      }
      FutureTask<List<Event<?>>> task = new FutureTask<>(() -> store.insert(List.of(TckData.beta("order", id, 1))));
      Thread.ofPlatform().daemon().start(task);
      held.add(task);
      awaitLockWaits(i);
    }
    List<FutureTask<List<Event<?>>>> queued = new ArrayList<>();
    for (Event<?> e : batches) {
      FutureTask<List<Event<?>>> task = new FutureTask<>(() -> store.insert(List.of(e)));
      queued.add(task);
      Thread caller = Thread.ofPlatform().daemon().start(task);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (caller.getState() != Thread.State.WAITING) { // parked in the queue
        assertThat(System.nanoTime()).as("queued").isLessThan(deadline);
        Thread.sleep(1);
      }
    }
    return new Staged(held, queued);
  }

  /** Waits until {@code n} backends of the test database wait for a lock. */
  private static void awaitLockWaits(int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    try (Connection c = DB.dataSource().getConnection(); java.sql.Statement s = c.createStatement()) {
      while (true) {
        try (java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity"
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

}
