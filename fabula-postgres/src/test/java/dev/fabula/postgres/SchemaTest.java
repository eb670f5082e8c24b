package dev.fabula.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fabula.event.Event;
import dev.fabula.event.EventStore;
import dev.fabula.postgres.PostgresOptions.SchemaPolicy;
import dev.fabula.tck.TckData;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Creation on first use, validation of existing tables, migrations, and identifier checks. */
class SchemaTest {
  private static final TestDatabase DB = TestDatabase.create();

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @Test
  void rejectsNamesThatCarrySql() {
    assertThatThrownBy(() -> PostgresOptions.builder().eventsTable("events; DROP TABLE users"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("events table name");
    assertThatThrownBy(() -> PostgresOptions.builder().schema("public\"--")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PostgresOptions.builder().progressTable("Progress")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PostgresOptions.builder().snapshotsTable("a".repeat(64))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PostgresOptions.builder().snapshotsTable("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void createsTablesOnFirstUseAndRecordsEachMigrationOnce() {
    PostgresOptions o = DB.freshTables();
    try (EventStore first = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o);
        EventStore second = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o)) {
      long position = first.insert(List.of(TckData.alpha("a"))).get(0).position();
      assertThat(second.lastPosition()).isEqualTo(position);
    }
    assertThat(count("SELECT count(*) FROM " + o.schema() + ".fabula_migrations WHERE table_name = '" + o.eventsTable() + "'"))
        .isEqualTo(2);
    assertThat(count("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + o.schema() + "' AND tablename = '" + o.eventsTable() + "'"))
        .isEqualTo(6);
  }

  @Test
  void concurrentFirstUsesCreateTheTablesOnce() throws Exception {
    PostgresOptions o = DB.freshTables();
    var start = new CountDownLatch(1);
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      all.add(CompletableFuture.runAsync(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o).close();
        Postgres.progressStore(DB.dataSource(), o).close();
      }));
    }
    start.countDown();
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
    assertThat(count("SELECT count(*) FROM " + o.schema() + ".fabula_migrations WHERE table_name IN ('"
        + o.eventsTable() + "', '" + o.progressTable() + "')")).isEqualTo(3); // events 1-2, progress 1
  }

  @Test
  void migratesAVersion1EventsTableAndKeepsItsEvents() {
    PostgresOptions o = DB.freshTables();
    String table = o.schema() + "." + o.eventsTable();
    Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o).close();
    // Back to what version 1 made: the two derived columns, and only version 1 recorded.
    DB.exec("ALTER TABLE " + table + " ADD COLUMN tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),"
        + " ADD COLUMN time_utc timestamptz GENERATED ALWAYS AS (to_timestamp(time_ns / 1000000000.0)) STORED");
    DB.exec("DELETE FROM " + o.schema() + ".fabula_migrations WHERE table_name = '" + o.eventsTable() + "' AND version = 2");
    Event<?> stored;
    try (EventStore v1 = Postgres.eventStore(
        DB.dataSource(), TestDatabase.codec(), o.toBuilder().schemaPolicy(SchemaPolicy.VALIDATE).build())) {
      stored = v1.insert(List.of(TckData.alpha("before the migration"))).get(0); // VALIDATE leaves it at version 1
    }
    assertThat(count("SELECT count(*) FROM information_schema.columns WHERE table_schema = '" + o.schema()
        + "' AND table_name = '" + o.eventsTable() + "' AND column_name IN ('tx_id', 'time_utc')")).isEqualTo(2);

    try (EventStore v2 = Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o)) {
      assertThat(v2.find(stored.id())).hasValueSatisfying(e -> assertThat(e.data()).isEqualTo(stored.data()));
      assertThat(v2.insert(List.of(TckData.alpha("after"))).get(0).position()).isGreaterThan(stored.position());
    }
    assertThat(count("SELECT count(*) FROM information_schema.columns WHERE table_schema = '" + o.schema()
        + "' AND table_name = '" + o.eventsTable() + "' AND column_name IN ('tx_id', 'time_utc')")).isZero();
    assertThat(count("SELECT max(version) FROM " + o.schema() + ".fabula_migrations WHERE table_name = '"
        + o.eventsTable() + "'")).isEqualTo(2);
  }

  @Test
  void validateRefusesAMissingTableAndPrintsTheDdl() {
    PostgresOptions o = DB.freshTables().toBuilder().schemaPolicy(SchemaPolicy.VALIDATE).build();
    assertThatThrownBy(() -> Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o))
        .isInstanceOfSatisfying(PostgresSchemaException.class, e -> {
          assertThat(e.getMessage()).contains(o.schema() + "." + o.eventsTable()).contains("does not exist");
          assertThat(e.ddl()).contains("CREATE TABLE IF NOT EXISTS " + o.schema() + "." + o.eventsTable());
          assertThat(e.getMessage()).contains(e.ddl());
        });
  }

  @Test
  void validateAcceptsATableMadeFromThePrintedDdl() {
    PostgresOptions o = DB.freshTables().toBuilder().schemaPolicy(SchemaPolicy.VALIDATE).build();
    String ddl = ((PostgresSchemaException) catchIt(() -> Postgres.snapshotStore(DB.dataSource(), TestDatabase.codec(), o))).ddl();
    DB.exec(ddl);
    Postgres.snapshotStore(DB.dataSource(), TestDatabase.codec(), o).close();
  }

  @Test
  void refusesATableWithTheWrongShape() {
    PostgresOptions o = DB.freshTables();
    DB.exec("CREATE TABLE " + o.schema() + "." + o.eventsTable() + " (position bigint, id text, payload json)");
    assertThatThrownBy(() -> Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o))
        .isInstanceOfSatisfying(PostgresSchemaException.class, e -> assertThat(e.getMessage())
            .contains("does not have the shape")
            .contains("column id is text, expected uuid")
            .contains("column name is missing")
            .contains("CREATE TABLE IF NOT EXISTS"));
  }

  @Test
  void aMissingIndexIsCreatedWhenAllowedAndReportedOtherwise() {
    PostgresOptions o = DB.freshTables();
    Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o).close();
    String index = o.eventsTable() + "_name_idx";
    DB.exec("DROP INDEX " + o.schema() + "." + index);

    PostgresOptions validate = o.toBuilder().schemaPolicy(SchemaPolicy.VALIDATE).build();
    assertThatThrownBy(() -> Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), validate))
        .isInstanceOf(PostgresSchemaException.class)
        .hasMessageContaining(index)
        .hasMessageContaining("CREATE INDEX IF NOT EXISTS " + index);

    Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), o).close();
    assertThat(count("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + o.schema() + "' AND indexname = '" + index + "'"))
        .isEqualTo(1);
    Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), validate).close();
  }

  private static Throwable catchIt(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("expected an exception");
  }

  private static long count(String sql) {
    try (Connection c = DB.dataSource().getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
