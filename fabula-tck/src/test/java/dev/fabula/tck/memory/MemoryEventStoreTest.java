package dev.fabula.tck.memory;

import dev.fabula.event.EventStore;
import dev.fabula.memory.InMemory;
import dev.fabula.tck.event.EventStoreConformance;

class MemoryEventStoreTest extends EventStoreConformance {
  @Override
  protected EventStore newStore() {
    return InMemory.eventStore();
  }

  @Override
  protected boolean encodesPayloads() {
    return false; // payloads stay objects: nothing to measure, nothing to refuse
  }
}
