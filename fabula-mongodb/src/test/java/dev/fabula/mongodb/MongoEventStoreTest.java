package dev.fabula.mongodb;

import dev.fabula.codec.Codec;
import dev.fabula.event.EventStore;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.tck.TckData;
import dev.fabula.tck.event.EventStoreConformance;

/**
 * The kit's event store suite, torture and large-result cases included, with the kit's default
 * capabilities: on the in-process server, or on a real MongoDB when {@code FABULA_MONGO_URL} is
 * set. Each test gets a database of its own.
 */
class MongoEventStoreTest extends EventStoreConformance {
  static Codec codec() {
    return JacksonCodec.create(TckData.registry());
  }

  MongoEventStoreTest() {
    super(Capabilities.defaults().withReadsTrailingWrites(true)); // a gap-safe horizon
  }

  @Override
  protected EventStore newStore() {
    return MongoDb.eventStore(TestMongo.client(), codec(), TestMongo.freshOptions().build());
  }
}
