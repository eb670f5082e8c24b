package dev.fabula.tck.memory;

import dev.fabula.event.EventStore;
import dev.fabula.jackson.JacksonCodec;
import dev.fabula.memory.InMemory;
import dev.fabula.tck.TckData;
import dev.fabula.tck.event.EventStoreConformance;

class MemoryEventStoreTest extends EventStoreConformance {
  MemoryEventStoreTest() {
    // payloads stay objects: nothing to measure, nothing to refuse
    super(Capabilities.defaults().withPayloadEncoding(false));
  }

  @Override
  protected EventStore newStore() {
    // the codec runs the kit's event upcasters (ADR 0021)
    return InMemory.eventStore(JacksonCodec.create(TckData.registry()));
  }
}
