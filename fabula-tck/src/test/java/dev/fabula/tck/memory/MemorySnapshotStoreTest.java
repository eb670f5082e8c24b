package dev.fabula.tck.memory;

import dev.fabula.memory.InMemory;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.tck.snapshot.SnapshotStoreConformance;

class MemorySnapshotStoreTest extends SnapshotStoreConformance {
  @Override
  protected SnapshotStore newStore() {
    return InMemory.snapshotStore();
  }
}
