package dev.fabula.spi;

import dev.fabula.codec.Codec;
import dev.fabula.codec.UnknownNameException;
import dev.fabula.readmodel.ReadModelConflictException;
import dev.fabula.readmodel.ReadModelDecodingException;
import dev.fabula.readmodel.ReadModelNotFoundException;
import dev.fabula.readmodel.ReadModelOptions;
import dev.fabula.readmodel.ReadModelRepository;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The one {@link ReadModelRepository} over any backend's {@link ReadModelStorage}, and the
 * encoding every backend that stores models through a {@link Codec} shares: the check that the
 * codec knows the models' name with their type, the limits on what is stored, and decoding with a
 * {@link ReadModelDecodingException} naming the model.
 */
public final class StoredReadModels {
  private StoredReadModels() {}

  /**
   * Checks that {@code codec} has {@code options}' name registered with exactly {@code options}'
   * type, so that the models are encoded and decoded as that type and nothing else.
   *
   * @throws UnknownNameException when the name is not registered
   * @throws IllegalArgumentException when the name is registered with another type
   */
  public static void requireRegistered(Codec codec, ReadModelOptions<?, ?> options) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(options, "options");
    Class<?> registered = codec.registry().findType(options.name()).orElseThrow(() -> new UnknownNameException(options.name()));
    if (!registered.equals(options.type())) {
      throw new IllegalArgumentException(
          "the codec registers the read model name '" + options.name() + "' for " + registered.getName()
              + ", but the read model options say its models are " + options.type().getName()
              + "; register the name with the models' type, or give the models another name");
    }
  }

  /**
   * {@code model}, to be stored under {@code key}, encoded by {@code codec} under {@code options}'
   * name: JSON of at most {@link EventLimits#MAX_PAYLOAD_BYTES} bytes without a NUL character, as
   * event payloads and snapshot states.
   *
   * @throws IllegalArgumentException naming the model when the encoding is beyond those limits
   */
  public static byte[] encode(Codec codec, ReadModelOptions<?, ?> options, String key, Object model) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(model, "model");
    byte[] json = codec.encode(options.name(), model);
    EventLimits.checkStoredJson("the " + options.name() + " read model " + key, json);
    return json;
  }

  /**
   * The model stored under {@code key} as {@code json} at the codec's {@code revision} of the
   * name, decoded (upcast first when older).
   *
   * @throws ReadModelDecodingException naming the models' name and the key when the data does not
   *     decode into the models' type
   */
  public static <M> M decode(Codec codec, ReadModelOptions<?, M> options, String key, int revision, byte[] json) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(json, "json");
    Object decoded;
    try {
      decoded = codec.decode(options.name(), revision, json);
    } catch (RuntimeException e) {
      throw new ReadModelDecodingException(options.name(), key, e);
    }
    if (!options.type().isInstance(decoded)) {
      throw new ReadModelDecodingException(options.name(), key, new IllegalStateException(
          "the codec returned " + (decoded == null ? "null" : decoded.getClass().getName()) + ", not "
              + options.type().getName()));
    }
    return options.type().cast(decoded);
  }

  /** The repository keeping {@code options}' models in {@code storage}. */
  public static <K, M> ReadModelRepository<K, M> repository(ReadModelOptions<K, M> options, ReadModelStorage<M> storage) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(storage, "storage");
    return new Repository<>(options, storage);
  }

  /**
   * The id of {@code model}, checked.
   *
   * @throws IllegalArgumentException when the id function returns {@code null}
   */
  private static <K, M> K idOf(ReadModelOptions<K, M> options, M model) {
    K id = options.idOf().apply(model);
    if (id == null) {
      throw new IllegalArgumentException(
          "the id function of the " + options.name() + " read models returned null for " + model);
    }
    return id;
  }

  /**
   * A new model for {@code id} from the options' factory.
   *
   * @throws ReadModelNotFoundException when no factory is set
   * @throws IllegalArgumentException when the factory returns {@code null} or a model with another id
   */
  private static <K, M> M create(ReadModelOptions<K, M> options, K id) {
    var factory = options.factory().orElseThrow(() -> new ReadModelNotFoundException(options.name(), id.toString()));
    return requireId(options, id, factory.apply(id), "the factory");
  }

  /**
   * {@code model}, returned by {@code source} for {@code id}, checked to have that id.
   *
   * @throws IllegalArgumentException when it is {@code null} or has another id
   */
  private static <K, M> M requireId(ReadModelOptions<K, M> options, K id, @Nullable M model, String source) {
    if (model == null) {
      throw new IllegalArgumentException(source + " returned null for the " + options.name() + " read model " + id);
    }
    K actual = idOf(options, model);
    if (!actual.toString().equals(id.toString())) {
      throw new IllegalArgumentException(
          source + " returned a " + options.name() + " read model with id " + actual + " for id " + id
              + " (a model keeps its id)");
    }
    return model;
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
      return stored.isPresent() ? stored.get().model() : create(options, id);
    }

    @Override
    public void save(M model) {
      Objects.requireNonNull(model, "model");
      K id = idOf(options, model);
      storage.put(id.toString(), model, newRevision());
    }

    @Override
    public M use(K id, UnaryOperator<M> update) {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(update, "update");
      String key = id.toString();
      for (int attempt = 1; attempt <= options.maxAttempts(); attempt++) {
        Optional<ReadModelStorage.Stored<M>> stored = storage.read(key);
        M current = stored.isPresent() ? stored.get().model() : create(options, id);
        M next = requireId(options, id, update.apply(current), "the update");
        if (stored.isPresent() && next == current) {
          return next; // the update changed nothing (it must not change its argument): no write
        }
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
