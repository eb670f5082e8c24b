package dev.fabula.postgres;

import dev.fabula.jackson.JacksonCodec;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.tck.TckData;
import dev.fabula.tck.snapshot.SnapshotStoreConformance;
import org.junit.jupiter.api.AfterAll;

/** The kit's snapshot store suite on a real PostgreSQL server. */
class PgSnapshotStoreTest extends SnapshotStoreConformance {
  private static final TestDatabase DB = TestDatabase.create();

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @Override
  protected SnapshotStore newStore() {
    return Postgres.snapshotStore(DB.dataSource(), JacksonCodec.create(TckData.registry()), DB.freshTables());
  }
}
