package dev.fabula.event;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * An {@link EventStore} capability: the store tells listeners in this process about every batch it
 * stored, after the insert committed. Fabula's in-memory and PostgreSQL stores have it, and a
 * {@link dev.fabula.projection.Schedule#continuously continuous schedule} uses it, so read models
 * follow the store's own inserts without an {@link EventStores#publishing publishing} wrapper.
 *
 * <p>It reports only inserts made through this store object: other processes (or another store
 * object on the same database) are not seen; for those, publish to a shared {@link EventBus}.
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

  /**
   * The listeners of one store, for implementations: {@link #add} backs {@link #onInsert}, {@link
   * #fire} goes after each committed insert. Costs one volatile read per insert while nobody
   * listens. Thread-safe.
   */
  final class Listeners {
    private final ReentrantLock lock = new ReentrantLock();
    private volatile List<Consumer<List<Event<?>>>> current = List.of();

    /** No listeners yet. */
    public Listeners() {}

    /** Adds a listener; closing the result removes it. */
    public Subscription add(Consumer<List<Event<?>>> listener) {
      Objects.requireNonNull(listener, "listener");
      lock.lock();
      try {
        var next = new ArrayList<>(current);
        next.add(listener);
        current = List.copyOf(next);
      } finally {
        lock.unlock();
      }
      return new Subscription() {
        private volatile boolean active = true;

        @Override
        public boolean isActive() {
          return active;
        }

        @Override
        public void close() {
          active = false;
          remove(listener);
        }
      };
    }

    private void remove(Consumer<List<Event<?>>> listener) {
      lock.lock();
      try {
        var next = new ArrayList<>(current);
        for (int i = 0; i < next.size(); i++) {
          if (next.get(i) == listener) {
            next.remove(i);
            current = List.copyOf(next);
            return;
          }
        }
      } finally {
        lock.unlock();
      }
    }

    /** Tells every listener about {@code stored}; a listener's failure never reaches the caller. */
    public void fire(List<Event<?>> stored) {
      List<Consumer<List<Event<?>>>> listeners = current;
      if (listeners.isEmpty() || stored.isEmpty()) {
        return;
      }
      for (Consumer<List<Event<?>>> l : listeners) {
        try {
          l.accept(stored);
        } catch (Throwable t) { // the insert committed: its caller must hear of success
          System.getLogger(InsertNotifying.class.getName())
              .log(System.Logger.Level.ERROR, "an insert listener failed; the events are stored", t);
        }
      }
    }
  }
}
