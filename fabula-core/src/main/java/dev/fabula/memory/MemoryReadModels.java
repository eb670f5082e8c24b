package dev.fabula.memory;

import dev.fabula.spi.ReadModelStorage;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Read models in a map of this JVM: the instances themselves, each with its revision. */
final class MemoryReadModels<M> implements ReadModelStorage<M> {
  private final ConcurrentMap<String, Stored<M>> models = new ConcurrentHashMap<>();
  private final String name;

  MemoryReadModels(String name) {
    this.name = name;
  }

  @Override
  public Optional<Stored<M>> read(String key) {
    return Optional.ofNullable(models.get(key));
  }

  @Override
  public boolean create(String key, M model, long revision) {
    return models.putIfAbsent(key, new Stored<>(model, revision)) == null;
  }

  @Override
  public boolean replace(String key, M model, long expected, long revision) {
    Stored<M> current = models.get(key);
    // Compared by revision only, and replaced only if that very entry is still there.
    return current != null && current.revision() == expected && models.replace(key, current, new Stored<>(model, revision));
  }

  @Override
  public void put(String key, M model, long revision) {
    models.put(key, new Stored<>(model, revision));
  }

  @Override
  public boolean remove(String key) {
    return models.remove(key) != null;
  }

  @Override
  public String toString() {
    return "memory (" + name + ")";
  }
}
