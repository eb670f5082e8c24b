package dev.fabula.readmodel;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link ReadModelRepository} keeps: the models' name, their type, how to get a model's id,
 * and optionally a factory for models not stored yet. Immutable; made with {@link #of}, refined with
 * the {@code with} methods, each returning new options.
 *
 * <pre>{@code
 * ReadModelOptions<UUID, Product> products =
 *     ReadModelOptions.of("catalog.product", Product.class, Product::id)
 *         .withFactory(id -> Product.empty(id));
 * }</pre>
 *
 * <p>The name is what persistent repositories encode the models under: register it in the {@link
 * dev.fabula.codec.CodecRegistry} with the same type ({@code register("catalog.product",
 * Product.class)}). It also names the collection or table in backends that keep one per kind.
 *
 * @param <K> the id type
 * @param <M> the model type
 */
public final class ReadModelOptions<K, M> {
  /** Attempts {@link ReadModelRepository#use} makes by default before it gives up. */
  public static final int DEFAULT_MAX_ATTEMPTS = 100;

  private final String name;
  private final Class<M> type;
  private final Function<? super M, ? extends K> idOf;
  private final @Nullable Function<? super K, ? extends M> factory;
  private final int maxAttempts;

  private ReadModelOptions(
      String name,
      Class<M> type,
      Function<? super M, ? extends K> idOf,
      @Nullable Function<? super K, ? extends M> factory,
      int maxAttempts) {
    this.name = name;
    this.type = type;
    this.idOf = idOf;
    this.factory = factory;
    this.maxAttempts = maxAttempts;
  }

  /**
   * Options for models of {@code type} named {@code name}, whose id {@code idOf} returns; no
   * factory, {@link #DEFAULT_MAX_ATTEMPTS}.
   *
   * @throws IllegalArgumentException when {@code name} is blank or holds a NUL character
   */
  public static <K, M> ReadModelOptions<K, M> of(
      String name, Class<M> type, Function<? super M, ? extends K> idOf) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(idOf, "idOf");
    if (name.isBlank() || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "a read model name must not be blank or hold a NUL character, got \"" + name.replace("\0", "\\0") + "\"");
    }
    return new ReadModelOptions<>(name, type, idOf, null, DEFAULT_MAX_ATTEMPTS);
  }

  /** These options with {@code factory} making a model for an id that has none stored. */
  public ReadModelOptions<K, M> withFactory(Function<? super K, ? extends M> factory) {
    Objects.requireNonNull(factory, "factory");
    return new ReadModelOptions<>(name, type, idOf, factory, maxAttempts);
  }

  /**
   * These options with {@link ReadModelRepository#use} making at most {@code attempts} attempts.
   *
   * @throws IllegalArgumentException when {@code attempts} is below 1
   */
  public ReadModelOptions<K, M> withMaxAttempts(int attempts) {
    if (attempts < 1) {
      throw new IllegalArgumentException("max attempts must be at least 1, got " + attempts);
    }
    return new ReadModelOptions<>(name, type, idOf, factory, attempts);
  }

  /** The models' name: their codec name, and the name of their collection or table. */
  public String name() {
    return name;
  }

  /** The models' type. */
  public Class<M> type() {
    return type;
  }

  /** The function returning a model's id. */
  public Function<? super M, ? extends K> idOf() {
    return idOf;
  }

  /** The factory for missing models, if set. */
  public Optional<Function<? super K, ? extends M>> factory() {
    return Optional.ofNullable(factory);
  }

  /** The most attempts {@link ReadModelRepository#use} makes. */
  public int maxAttempts() {
    return maxAttempts;
  }

  @Override
  public String toString() {
    return "ReadModelOptions[name=" + name + ", type=" + type.getName() + ", factory="
        + (factory != null) + ", maxAttempts=" + maxAttempts + "]";
  }
}
