package dev.fabula.mongodb;

import dev.fabula.jackson.JacksonCodec;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.readmodel.ReadModelRepository;
import dev.fabula.tck.TckData;
import dev.fabula.tck.TckData.Tally;
import dev.fabula.tck.readmodel.ReadModelRepositoryConformance;

/** The kit's read-model suite, each test in a database of its own. */
class MongoReadModelRepositoryTest extends ReadModelRepositoryConformance {
  @Override
  protected ReadModelRepository<String, Tally> newRepository(ReadModelOptions<String, Tally> options) {
    return MongoDb.readModels(TestMongo.client(), JacksonCodec.create(TckData.registry()), options, TestMongo.freshOptions().build());
  }
}
