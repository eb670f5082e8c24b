package dev.fabula.mongodb;

import dev.fabula.codec.Codec;
import dev.fabula.event.EventStore;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.tck.TckData;
import dev.fabula.tck.event.RawPayloadConformance;

/** Raw payloads on MongoDB: each place is a fresh database, opened once per codec. */
class MongoRawPayloadTest extends RawPayloadConformance {
  private final MongoOptions[] places = {TestMongo.freshOptions().build(), TestMongo.freshOptions().build()};

  @Override
  protected EventStore store(int place, Codec codec) {
    return MongoDb.eventStore(TestMongo.client(), codec, places[place]);
  }

  @Override
  protected Codec typedCodec() {
    return JacksonCodec.create(TckData.registry());
  }
}
