package dev.fabula.tck.memory;

import dev.fabula.memory.InMemory;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.readmodel.ReadModelRepository;
import dev.fabula.tck.TckData.Tally;
import dev.fabula.tck.readmodel.ReadModelRepositoryConformance;

class MemoryReadModelRepositoryTest extends ReadModelRepositoryConformance {
  @Override
  protected ReadModelRepository<String, Tally> newRepository(ReadModelOptions<String, Tally> options) {
    return InMemory.readModels(options);
  }
}
