package dev.fabula.tck.projection;

import dev.fabula.memory.InMemory;
import dev.fabula.projection.ProgressStore;

class InMemoryProgressStoreTest extends ProgressStoreConformance {
  @Override
  protected ProgressStore createStore() {
    return InMemory.progressStore();
  }
}
