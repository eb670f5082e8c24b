package dev.fabula.tck.memory;

import dev.fabula.event.EventBus;
import dev.fabula.memory.InMemory;
import dev.fabula.tck.event.EventBusConformance;

class MemoryEventBusTest extends EventBusConformance {
  @Override
  protected EventBus newBus() {
    return InMemory.eventBus();
  }
}
