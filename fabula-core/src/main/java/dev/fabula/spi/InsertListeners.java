package dev.fabula.spi;

import dev.fabula.event.Event;
import dev.fabula.event.InsertNotifying;
import dev.fabula.event.Subscription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The insert listeners of one store, for Fabula's backends (not for application code): {@link
 * #add} backs {@link InsertNotifying#onInsert}, {@link #fire} goes after each committed insert.
 * Costs one volatile read per insert while nobody listens. Thread-safe.
 */
public final class InsertListeners {
  private final ReentrantLock lock = new ReentrantLock();
  private volatile List<Consumer<List<Event<?>>>> current = List.of();

  /** No listeners yet. */
  public InsertListeners() {}

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
