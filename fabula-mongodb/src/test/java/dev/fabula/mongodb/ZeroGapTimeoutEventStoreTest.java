package dev.fabula.mongodb;

import dev.fabula.event.EventStore;
import dev.fabula.tck.event.EventStoreConformance;
import java.time.Duration;

/**
 * The kit's event store suite with a gap timeout of zero: a reader closes every hole it meets at
 * once, so a writer in flight between taking its number and inserting can lose the number to a
 * reader's void and retry at a new one (ADR 0019). The torture test then checks that the
 * void-and-retry path, taken whenever a reader meets such a hole, never skips an event nor
 * repeats one.
 */
class ZeroGapTimeoutEventStoreTest extends EventStoreConformance {
  ZeroGapTimeoutEventStoreTest() {
    super(Capabilities.defaults().withReadsTrailingWrites(true)); // a gap-safe horizon
  }

  @Override
  protected EventStore newStore() {
    return MongoDb.eventStore(
        TestMongo.client(), MongoEventStoreTest.codec(), TestMongo.freshOptions().gapTimeout(Duration.ZERO).build());
  }
}
