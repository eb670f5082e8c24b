package dev.fabula.event;

import java.util.List;
import java.util.function.Consumer;

/**
 * An {@link EventStore} capability: the store tells listeners in this process about every batch it
 * stored, after the insert committed. Fabula's in-memory and PostgreSQL stores have it, and a
 * {@link dev.fabula.projection.Schedule#continuously continuous schedule} uses it, so read models
 * follow the store's own inserts without an {@link EventStores#publishing publishing} wrapper.
 *
 * <p>It reports only inserts made through this store object: other processes (or another store
 * object on the same database) are not seen; for those, publish to a shared {@link EventBus}.
 * Stores implement it with {@code dev.fabula.spi.InsertListeners}.
 */
public interface InsertNotifying {
  /**
   * Calls {@code listener} with each batch this store stores from now on (with positions set), on
   * the inserting thread, after the insert committed and before {@code insert} returns. The
   * listener must return quickly; whatever it throws is ignored (the events are stored).
   *
   * @return closing it stops the calls
   */
  Subscription onInsert(Consumer<List<Event<?>>> listener);
}
