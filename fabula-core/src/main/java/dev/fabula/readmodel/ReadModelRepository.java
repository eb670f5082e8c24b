package dev.fabula.readmodel;

import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Keeps read models of one kind by id: one stored model per id, fetched, saved, updated and
 * deleted whole. A projection builds its read model through it, a query handler reads it.
 *
 * <p>Promises every implementation keeps (and the conformance kit checks):
 *
 * <ul>
 *   <li>{@link #save} stores the model under its id ({@link ReadModelOptions#idOf}), replacing
 *       whatever was stored under it: last writer wins.
 *   <li>{@link #use} is safe under concurrency: concurrent uses of one id, in any number of
 *       threads or processes, each see the model as the previous one left it, and none is lost.
 *       It reads the model, applies the function, and saves the result only if nobody saved or
 *       deleted that model in between (optimistic concurrency on a version the repository keeps
 *       beside the model); otherwise it reads again and calls the function again. So the function
 *       must be free of side effects other than computing the new model, and must not change the
 *       model it is given (that may be the very instance stored, or one another attempt saw).
 *   <li>A missing model is created by the {@linkplain ReadModelOptions#factory factory} when one is
 *       set (in {@link #fetch} and {@link #use}; never stored by {@code fetch} alone), and is a
 *       {@link ReadModelNotFoundException} otherwise. {@link #find} never uses the factory.
 *   <li>What is saved is read back equal: persistent repositories encode the model with the codec
 *       under the options' name, and decode only to the type registered for it. The in-memory
 *       repository keeps the instances themselves, so models should be immutable values (records).
 *   <li>A write ({@link #save}, {@link #use}, {@link #delete}) that fails because the connection
 *       to a persistent store broke (a {@link dev.fabula.TransientException} such as a backend's
 *       connection exception) has an unknown outcome: the change may or may not be stored. Retrying
 *       repeats it, so updates should be idempotent, for instance guarded by a version the model
 *       keeps.
 * </ul>
 *
 * <p>Implementations are thread-safe.
 *
 * @param <K> the id type; persistent repositories store an id by its string form ({@code
 *     toString()}), so two ids with one string form are one model
 * @param <M> the model type
 */
public interface ReadModelRepository<K, M> {
  /** The options this repository was made with. */
  ReadModelOptions<K, M> options();

  /** The stored model with this id, if any; the factory is not used. */
  Optional<M> find(K id);

  /**
   * The stored model with this id or, when none is stored and a factory is set, a new one from the
   * factory (not stored).
   *
   * @throws ReadModelNotFoundException when none is stored and no factory is set
   */
  M fetch(K id);

  /**
   * Stores {@code model} under its id, replacing any model stored there. When the connection
   * breaks during the write, whether it happened is unknown (see the class comment); saving the
   * same model again is harmless.
   *
   * @throws IllegalArgumentException when the id function returns {@code null} for the model
   */
  void save(M model);

  /**
   * Reads the model with this id (or makes it with the factory), applies {@code update}, and stores
   * the result, retrying from a fresh read when another writer changed the model in between.
   * Returns the model stored. {@code update} must not change its argument: it returns a new model
   * with the same id, or its argument unchanged. When it returns the very instance it was given
   * ({@code ==}) for a stored model, nothing changed and nothing is written; a model just made by
   * the factory is stored either way.
   *
   * <p>If {@code update} throws, nothing is stored and the exception propagates. When the
   * connection breaks during the write, whether it happened is unknown (see the class comment).
   *
   * @throws ReadModelNotFoundException when none is stored and no factory is set
   * @throws IllegalArgumentException when {@code update} returns {@code null} or a model with
   *     another id
   * @throws ReadModelConflictException when every one of {@link ReadModelOptions#maxAttempts}
   *     attempts lost to a concurrent writer
   */
  M use(K id, UnaryOperator<M> update);

  /**
   * Deletes the model with this id. When the connection breaks during the delete, whether it
   * happened is unknown (see the class comment); deleting again is harmless.
   *
   * @return whether a model was stored under the id
   */
  boolean delete(K id);
}
