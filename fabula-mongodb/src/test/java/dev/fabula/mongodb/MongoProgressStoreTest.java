package dev.fabula.mongodb;

import dev.fabula.projection.ProgressStore;
import dev.fabula.tck.projection.ProgressStoreConformance;

/** The kit's progress store suite, each test in a database of its own. */
class MongoProgressStoreTest extends ProgressStoreConformance {
  @Override
  protected ProgressStore newStore() {
    return MongoDb.progressStore(TestMongo.client(), TestMongo.freshOptions().build());
  }
}
