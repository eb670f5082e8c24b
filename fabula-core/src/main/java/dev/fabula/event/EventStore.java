package dev.fabula.event;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Where events are kept: the source of truth of an event-sourced application.
 *
 * <p>Promises every implementation keeps (and the conformance kit in {@code fabula-tck} checks):
 *
 * <ul>
 *   <li>{@link #insert} is atomic: all events of the batch are stored, or none.
 *   <li>Two events of one aggregate never share a version, whatever the number of concurrent
 *       writers and processes; versions of an aggregate start at 1 and are contiguous. A conflict
 *       is a {@link ConcurrencyException}.
 *   <li>Stored events get a global position: unique and increasing within a batch, not
 *       necessarily consecutive (PostgreSQL's are sparse). A reader that follows the store by
 *       position ({@link EventQuery.Builder#afterPosition}) never skips an event that commits late
 *       with a lower position and never sees an event twice.
 *   <li>Times round-trip to the nanosecond.
 *   <li>{@link #query} is lazy: results are read as the stream is consumed; close the stream
 *       (try-with-resources) to release what it holds.
 *   <li>Every store keeps the same input limits and refuses an event beyond them with an {@link
 *       InvalidEventException} naming the event and the field, before anything is stored: no NUL
 *       character (U+0000) and no unpaired UTF-16 surrogate (text with no UTF-8 form) in the event
 *       name, aggregate name, metadata keys and values (nor a NUL in a query's name filters:
 *       {@link InvalidQueryException}); event and aggregate names of at most
 *       255 characters; metadata of at most 1 MiB (UTF-8 of keys and values); and, in a store
 *       that encodes payloads, an encoded payload of at most 16 MiB without NUL characters. What
 *       a store accepts, it reads back.
 *   <li>If the connection to a remote store breaks during an insert, the store finds out whether
 *       the batch was stored: it returns normally if it was, fails with its connection exception
 *       if it was not, and fails with {@link OutcomeUnknownException} only if it cannot tell in
 *       time. Retrying the same events is then safe: ids are unique, so a batch stored before
 *       fails as a {@link DuplicateEventException} instead of being stored twice.
 * </ul>
 *
 * <p>Implementations are thread-safe. After {@link #close()} every method throws {@link
 * dev.fabula.ClosedException}.
 */
public interface EventStore extends AutoCloseable {
  /**
   * Stores the events atomically and returns them with their global positions, in the order
   * given.
   *
   * <p>A batch with several faults fails with one of the exceptions below; which one is not
   * specified, and stores may differ (the in-memory store checks the input limits, then ids
   * repeated within the batch, then versions within the batch, then ids already stored, then each
   * aggregate's versions against its stored stream). Whichever is thrown, nothing is stored.
   *
   * @throws ConcurrencyException when a version of an aggregate in the batch is already taken
   * @throws DuplicateEventException when an event id is already stored or repeated in the batch
   * @throws InvalidBatchException when versions within the batch or against the stored stream are
   *     not contiguous
   * @throws InvalidEventException when an event is beyond the store's input limits (see above)
   * @throws OutcomeUnknownException when the connection broke and the store could not learn in
   *     time whether the batch was stored
   */
  List<Event<?>> insert(List<? extends Event<?>> events);

  /** The stored event with this id. */
  Optional<Event<?>> find(UUID id);

  /**
   * The events matching {@code query}, lazily. The caller must close the stream.
   *
   * @throws InvalidQueryException when the store cannot answer the query
   */
  Stream<Event<?>> query(EventQuery query);

  /** Deletes the given events (by id); ids not stored are ignored. */
  void delete(List<? extends Event<?>> events);

  /**
   * The highest global position a catch-up reader can see now, or {@code 0} when the store is
   * empty. Events below it that are not yet visible do not exist: reading up to this position
   * never skips one.
   */
  long lastPosition();

  /** Releases the store's resources. Idempotent. */
  @Override
  void close();
}
