package dev.fabula.tck.memory;

import dev.fabula.memory.InMemory;
import dev.fabula.projection.ProgressStore;
import dev.fabula.tck.projection.ProgressStoreConformance;

class MemoryProgressStoreTest extends ProgressStoreConformance {
  @Override
  protected ProgressStore newStore() {
    return InMemory.progressStore();
  }
}
