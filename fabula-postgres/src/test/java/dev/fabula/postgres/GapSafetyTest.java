package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.tck.TckData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gap-safety mechanism made deterministic: a writer whose transaction took its id first but
 * commits last (it is held open before its INSERT, then before its commit) while a second writer
 * commits. The first writer's row takes the lower position, because positions start with the
 * transaction id. A reader following the store must see neither until the first commits, and then
 * both, in position order; aggregate reads still see the second writer's commit at once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GapSafetyTest {
  private static final TestDatabase DB = TestDatabase.create();

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @Test
  void aReaderNeverPassesAnInFlightLowerPosition() throws Exception {
    PostgresOptions options = DB.freshTables();
    String table = options.schema() + "." + options.eventsTable();
    try (EventStore fast = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), options);
        Connection slow = DB.dataSource().getConnection()) {
      // The slow writer: an explicit transaction, left open, that has its xid but no row yet.
      slow.setAutoCommit(false);
      long slowXid;
      try (Statement st = slow.createStatement();
          ResultSet rs = st.executeQuery("SELECT pg_current_xact_id()::text::bigint")) {
        rs.next();
        slowXid = rs.getLong(1);
      }

      UUID agg = UUID.randomUUID();
      Event<?> late = fast.insert(List.of(TckData.beta("order", agg, 1))).get(0);
      assertThat(late.position() / Positions.EVENTS_PER_TRANSACTION).isGreaterThan(slowXid);

      // Committed, but behind an in-flight writer that will take a lower position: not yet
      // visible to a reader following the store, and not counted by lastPosition().
      assertThat(ids(fast, EventQuery.all())).doesNotContain(late.id());
      assertThat(ids(fast, EventQuery.builder().names(TckData.BETA).build())).isEmpty();
      assertThat(fast.lastPosition()).isLessThan(late.position());
      // Reads of one aggregate (what a repository does before writing) see it at once.
      assertThat(ids(fast, EventQuery.builder().aggregate("order", agg).build())).containsExactly(late.id());
      assertThat(fast.find(late.id())).isPresent();

      // The slow writer's row arrives with the position the store's INSERT gives it, still
      // uncommitted: nothing changes for readers.
      UUID earlyId = UUID.randomUUID();
      try (PreparedStatement ps = slow.prepareStatement("INSERT INTO " + table
          + " (position, id, name, time_ns, revision, data) OVERRIDING SYSTEM VALUE"
          + " VALUES (" + Positions.FIRST_POSITION + ", ?, 'tck.alpha', 0, 1, '{\"text\":\"early\"}')")) {
        ps.setObject(1, earlyId);
        ps.executeUpdate();
      }
      assertThat(ids(fast, EventQuery.all())).doesNotContain(late.id()).doesNotContain(earlyId);
      assertThat(fast.lastPosition()).isLessThan(late.position());

      slow.commit();
      assertThat(ids(fast, EventQuery.all())).containsExactly(earlyId, late.id());
      assertThat(fast.find(earlyId).orElseThrow().position())
          .isEqualTo(slowXid * Positions.EVENTS_PER_TRANSACTION)
          .isLessThan(late.position());
      assertThat(fast.lastPosition()).isEqualTo(late.position());
    }
  }

  @Test
  void aBatchTakesConsecutivePositionsFromItsTransactionIdAndOneTooBigIsRefused() {
    PostgresOptions options = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), options)) {
      UUID agg = UUID.randomUUID();
      List<Event<?>> stored = store.insert(List.of(
          TckData.beta("order", agg, 1), TckData.beta("order", agg, 2), TckData.beta("order", agg, 3)));
      long first = stored.get(0).position();
      assertThat(first % Positions.EVENTS_PER_TRANSACTION).isZero();
      assertThat(stored).extracting(Event::position).containsExactly(first, first + 1, first + 2);

      List<Event<?>> tooMany = Collections.nCopies(Positions.EVENTS_PER_TRANSACTION + 1, TckData.alpha("x"));
      assertThatThrownBy(() -> store.insert(tooMany))
          .isInstanceOf(InvalidBatchException.class)
          .hasMessageContaining("at most 1048576 events");
      assertThat(ids(store, EventQuery.all())).containsExactlyElementsOf(stored.stream().map(Event::id).toList());
    }
  }

  @ParameterizedTest(name = "{0} events")
  @ValueSource(ints = {1, 2, InsertStatements.MAX_VALUES_ROWS, InsertStatements.MAX_VALUES_ROWS + 1, 100})
  void everyStatementShapeStoresTwoInterleavedStreamsAndRefusesAGap(int size) {
    // 1: the one-event statement; 2..16: VALUES rows; above: arrays.
    PostgresOptions options = DB.freshTables();
    try (EventStore store = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), options)) {
      UUID a = UUID.randomUUID();
      UUID b = UUID.randomUUID();
      List<Event<?>> batch = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        batch.add(i % 2 == 0 ? TckData.beta("order", a, i / 2 + 1) : TckData.beta("order", b, i / 2 + 1));
      }
      List<Event<?>> stored = store.insert(batch);
      long first = stored.get(0).position();
      for (int i = 0; i < size; i++) {
        assertThat(stored.get(i).id()).isEqualTo(batch.get(i).id());
        assertThat(stored.get(i).position()).isEqualTo(first + i);
      }
      assertThat(ids(store, EventQuery.all())).containsExactlyElementsOf(batch.stream().map(Event::id).toList());

      // The next batch skips a version of b: nothing of it is stored.
      int nextA = (size + 1) / 2 + 1;
      int nextB = size / 2 + 1;
      List<Event<?>> gap = new ArrayList<>();
      for (int i = 0; i < size - 1; i++) {
        gap.add(TckData.beta("order", a, nextA + i));
      }
      gap.add(TckData.beta("order", b, nextB + 1));
      assertThatThrownBy(() -> store.insert(gap))
          .isInstanceOf(InvalidBatchException.class)
          .hasMessageContaining("at version " + (nextB + 1) + ", but the stored stream ends at version " + (nextB - 1));
      assertThat(ids(store, EventQuery.all())).hasSize(size);

      // A batch that starts every stream at version 1 goes without the guard; one of its
      // streams is stored already, so the unique key refuses it, and nothing of it is stored.
      UUID c = UUID.randomUUID();
      List<Event<?>> again = new ArrayList<>();
      for (int i = 0; i < size - 1; i++) {
        again.add(TckData.beta("order", c, i + 1));
      }
      again.add(TckData.beta("order", a, 1));
      assertThatThrownBy(() -> store.insert(again))
          .isInstanceOfSatisfying(ConcurrencyException.class, e -> assertThat(e.aggregateId()).isEqualTo(a));
      assertThat(ids(store, EventQuery.all())).hasSize(size);
      try (Stream<Event<?>> s = store.query(EventQuery.builder().aggregate("order", c).build())) {
        assertThat(s).isEmpty();
      }
    }
  }

  private static List<UUID> ids(EventStore store, EventQuery q) {
    try (Stream<Event<?>> s = store.query(q)) {
      return s.map(Event::id).toList();
    }
  }
}
