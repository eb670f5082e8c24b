package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.tck.TckData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gap-safety mechanism made deterministic: a writer that has taken a lower position but not
 * committed (it did what the store does, lock, allocate, unlock, and is stopped before its INSERT,
 * then before its commit) while a second writer commits a higher position. A reader following the store must see
 * neither until the first commits, and then both, in position order; aggregate reads still see
 * the second writer's commit at once.
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
      // The slow writer: the store's own statements, in an explicit transaction left open. It
      // takes its xid and position under the lock and releases the lock, then stops before its
      // INSERT: it holds a position but has no row yet.
      slow.setAutoCommit(false);
      UUID earlyId = UUID.randomUUID();
      long earlyPosition;
      try (PreparedStatement ps = slow.prepareStatement(
          "SELECT pg_advisory_lock(?); " + PgEventStore.allocate(PgEventStore.sequenceOf(DB.dataSource(), table)))) {
        ps.setLong(1, PgEventStore.lockKey(table));
        ps.setLong(2, PgEventStore.lockKey(table));
        ps.setInt(3, 1);
        ps.execute();
      }
      try (PreparedStatement ps = slow.prepareStatement("SELECT current_setting(?)::bigint")) {
        ps.setString(1, PgEventStore.FIRST_POSITION);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          earlyPosition = rs.getLong(1);
        }
      }

      UUID agg = UUID.randomUUID();
      Event<?> late = fast.insert(List.of(TckData.beta("order", agg, 1))).get(0);
      assertThat(earlyPosition).isLessThan(late.position());

      // Committed, but behind an in-flight writer that holds a lower position: not yet visible to
      // a reader following the store, and not counted by lastPosition().
      assertThat(ids(fast, EventQuery.all())).doesNotContain(late.id()).doesNotContain(earlyId);
      assertThat(ids(fast, EventQuery.builder().names(TckData.BETA).build())).isEmpty();
      assertThat(fast.lastPosition()).isLessThan(late.position());
      // Reads of one aggregate (what a repository does before writing) see it at once.
      assertThat(ids(fast, EventQuery.builder().aggregate("order", agg).build())).containsExactly(late.id());
      assertThat(fast.find(late.id())).isPresent();

      // The slow writer's row arrives, still uncommitted: nothing changes for readers.
      try (PreparedStatement ps = slow.prepareStatement("INSERT INTO " + table
          + " (position, id, name, time_ns, revision, data) OVERRIDING SYSTEM VALUE"
          + " VALUES (current_setting(?)::bigint, ?, 'tck.alpha', 0, 1, '{\"text\":\"early\"}')")) {
        ps.setString(1, PgEventStore.FIRST_POSITION);
        ps.setObject(2, earlyId);
        ps.executeUpdate();
      }
      assertThat(ids(fast, EventQuery.all())).doesNotContain(late.id()).doesNotContain(earlyId);
      assertThat(fast.lastPosition()).isLessThan(late.position());

      slow.commit();
      assertThat(ids(fast, EventQuery.all())).containsExactly(earlyId, late.id());
      assertThat(fast.lastPosition()).isEqualTo(late.position());
    }
  }

  private static List<UUID> ids(EventStore store, EventQuery q) {
    try (Stream<Event<?>> s = store.query(q)) {
      return s.map(Event::id).toList();
    }
  }
}
