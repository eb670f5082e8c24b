package dev.fabula.mongodb;

import dev.fabula.jackson.JacksonCodec;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.tck.TckData;
import dev.fabula.tck.snapshot.SnapshotStoreConformance;

/** The kit's snapshot store suite, each test in a database of its own. */
class MongoSnapshotStoreTest extends SnapshotStoreConformance {
  @Override
  protected SnapshotStore newStore() {
    return MongoDb.snapshotStore(TestMongo.client(), JacksonCodec.create(TckData.registry()), TestMongo.freshOptions().build());
  }
}
