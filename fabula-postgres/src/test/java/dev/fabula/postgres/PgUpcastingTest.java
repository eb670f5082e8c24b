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
}
