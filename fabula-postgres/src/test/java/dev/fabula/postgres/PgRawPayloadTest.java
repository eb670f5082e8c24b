package dev.fabula.postgres;

import dev.fabula.codec.Codec;
import dev.fabula.event.EventStore;
import dev.fabula.tck.event.RawPayloadConformance;
import org.junit.jupiter.api.AfterAll;

/** Raw payloads on PostgreSQL: each place is a fresh set of tables, opened once per codec. */
class PgRawPayloadTest extends RawPayloadConformance {
  private static final TestDatabase DB = TestDatabase.create(4);
  private final PostgresOptions[] places = {DB.freshTables(), DB.freshTables()};

  @AfterAll
  static void dropSchema() {
    DB.close();
  }

  @Override
  protected EventStore store(int place, Codec codec) {
    return Postgres.eventStore(DB.dataSource(), codec, places[place]);
  }

  @Override
  protected Codec typedCodec() {
    return TestDatabase.codec();
  }
}
