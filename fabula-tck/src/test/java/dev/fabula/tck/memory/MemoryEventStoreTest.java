package dev.fabula.tck.memory;

import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import dev.fabula.tck.event.EventStoreConformance;

class MemoryEventStoreTest extends EventStoreConformance {
  MemoryEventStoreTest() {
    // payloads stay objects: nothing to measure, nothing to refuse
    super(Capabilities.defaults().withPayloadEncoding(false));
  }

  @Override
  protected EventStore newStore() {
    return InMemory.eventStore();
  }
}
