package dev.fabula.postgres;

import dev.fabula.event.EventStore;
import dev.fabula.tck.event.EventStoreConformance;
import org.junit.jupiter.api.AfterAll;

/** The kit's event store suite, torture tests included, on a real PostgreSQL server. */
class PgEventStoreTest extends EventStoreConformance {
  private static final TestDatabase DB = TestDatabase.create();

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  PgEventStoreTest() {
    super(Capabilities.defaults().withReadsTrailingWrites(true)); // a gap-safe horizon
  }

  @Override
  protected EventStore newStore() {
    return Postgres.eventStore(DB.dataSource(), TestDatabase.codec(), DB.freshTables());
  }
}
