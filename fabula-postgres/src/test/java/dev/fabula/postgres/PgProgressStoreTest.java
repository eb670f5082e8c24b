package dev.fabula.postgres;

import dev.fabula.projection.ProgressStore;
import dev.fabula.tck.projection.ProgressStoreConformance;
import org.junit.jupiter.api.AfterAll;

/** The kit's progress store suite on a real PostgreSQL server. */
class PgProgressStoreTest extends ProgressStoreConformance {
  private static final TestDatabase DB = TestDatabase.create();

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @Override
  protected ProgressStore createStore() {
    return Postgres.progressStore(DB.dataSource(), DB.freshTables());
  }
}
