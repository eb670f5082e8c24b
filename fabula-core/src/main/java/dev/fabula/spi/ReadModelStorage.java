package dev.fabula.spi;

import dev.fabula.readmodel.ReadModelRepository;
import java.util.Objects;
import java.util.Optional;

/**
 * What a backend provides to keep read models: four operations on one stored model, each atomic,
 * keyed by the id's string form, and guarded by a revision. {@link StoredReadModels#repository}
 * builds the {@link ReadModelRepository} on them, so that every backend's repository behaves the same (the factory,
 * the checks of ids, the retry loop of {@code use}).
 *
 * <p>A revision is an opaque number that changes on every write and is never reused for a key,
 * not even after a delete and a new save: a random one per write does (a counter restarting at 1
 * after a delete would let a stale {@code use} overwrite the new model).
 *
 * @param <M> the model type
 */
public interface ReadModelStorage<M> {
  /** A stored model with the revision it was written with. */
  record Stored<M>(M model, long revision) {
    /** Validates the model. */
    public Stored {
      Objects.requireNonNull(model, "model");
    }
  }

  /** The model stored under {@code key}, if any, with its revision. */
  Optional<Stored<M>> read(String key);

  /**
   * Stores {@code model} under {@code key} with {@code revision} if no model is stored there.
   *
   * @return whether it was stored (false: a model is stored under the key)
   */
  boolean create(String key, M model, long revision);

  /**
   * Replaces the model under {@code key} with {@code model} and {@code revision} if the stored
   * revision is {@code expected}.
   *
   * @return whether it was replaced (false: the stored revision differs, or nothing is stored)
   */
  boolean replace(String key, M model, long expected, long revision);

  /** Stores {@code model} under {@code key} with {@code revision}, whatever is stored there. */
  void put(String key, M model, long revision);

  /**
   * Deletes the model under {@code key}.
   *
   * @return whether one was stored
   */
  boolean remove(String key);
}
