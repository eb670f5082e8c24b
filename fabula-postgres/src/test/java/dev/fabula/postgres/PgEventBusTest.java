package dev.fabula.postgres;

import dev.fabula.event.EventBus;
import dev.fabula.tck.event.EventBusConformance;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;

/**
 * The kit's event bus suite on the PostgreSQL bus, on a real server. The buses of one test share
 * a bus table, as processes on one database do; each test has tables of its own.
 */
class PgEventBusTest extends EventBusConformance {
  private static final TestDatabase DB = TestDatabase.create();
  private @Nullable PostgresOptions tables;

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @AfterEach
  void nextTestTakesNewTables() {
    tables = null;
  }

  @Override
  protected EventBus newBus() {
    if (tables == null) {
      tables = DB.freshTables();
    }
    return Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), tables);
  }
}
