package dev.fabula.postgres;

import dev.fabula.event.EventBus;
import dev.fabula.tck.event.EventBusConformance;
import org.junit.jupiter.api.AfterAll;

/** The kit's event bus suite on the PostgreSQL bus, on a real server. */
class PgEventBusTest extends EventBusConformance {
  private static final TestDatabase DB = TestDatabase.create();

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @Override
  protected EventBus newBus() {
    return Postgres.eventBus(DB.dataSource(), TestDatabase.codec(), DB.freshTables());
  }
}
