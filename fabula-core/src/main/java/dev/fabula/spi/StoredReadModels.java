package dev.fabula.spi;

import dev.fabula.readmodel.ReadModelConflictException;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.readmodel.ReadModelRepository;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/** The one {@link ReadModelRepository} over any backend's {@link ReadModelStorage}. */
public final class StoredReadModels {
  private StoredReadModels() {}

  /** The repository keeping {@code options}' models in {@code storage}. */
  public static <K, M> ReadModelRepository<K, M> repository(ReadModelOptions<K, M> options, ReadModelStorage<M> storage) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(storage, "storage");
    return new Repository<>(options, storage);
  }

  private static final class Repository<K, M> implements ReadModelRepository<K, M> {
    private final ReadModelOptions<K, M> options;
    private final ReadModelStorage<M> storage;

    Repository(ReadModelOptions<K, M> options, ReadModelStorage<M> storage) {
      this.options = options;
      this.storage = storage;
    }

    @Override
    public ReadModelOptions<K, M> options() {
      return options;
    }

    @Override
    public Optional<M> find(K id) {
      Objects.requireNonNull(id, "id");
      return storage.read(id.toString()).map(ReadModelStorage.Stored::model);
    }

    @Override
    public M fetch(K id) {
      Objects.requireNonNull(id, "id");
      Optional<ReadModelStorage.Stored<M>> stored = storage.read(id.toString());
      return stored.isPresent() ? stored.get().model() : options.create(id);
    }

    @Override
    public void save(M model) {
      K id = options.idOf(model);
      storage.put(id.toString(), model, newRevision());
    }

    @Override
    public M use(K id, UnaryOperator<M> update) {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(update, "update");
      String key = id.toString();
      for (int attempt = 1; attempt <= options.maxAttempts(); attempt++) {
        Optional<ReadModelStorage.Stored<M>> stored = storage.read(key);
        M current = stored.isPresent() ? stored.get().model() : options.create(id);
        M next = options.requireId(id, update.apply(current), "the update");
        boolean written =
            stored.isPresent()
                ? storage.replace(key, next, stored.get().revision(), newRevision())
                : storage.create(key, next, newRevision());
        if (written) {
          return next;
        }
      }
      throw new ReadModelConflictException(options.name(), key, options.maxAttempts());
    }

    @Override
    public boolean delete(K id) {
      Objects.requireNonNull(id, "id");
      return storage.remove(id.toString());
    }

    /** A revision no earlier write of a key has had, but with chance 2^-64. */
    private static long newRevision() {
      return ThreadLocalRandom.current().nextLong();
    }

    @Override
    public String toString() {
      return "ReadModelRepository[" + options.name() + " in " + storage + "]";
    }
  }
}
