package dev.fabula.mongodb;

import dev.fabula.ClosedException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The open or closed state of a store: after {@link #close()}, {@link #ensureOpen()} throws a
 * {@link ClosedException} naming the store. Closing a store never closes the client it was given.
 */
final class StoreLifecycle {
  private final String component;
  private final AtomicBoolean closed = new AtomicBoolean();

  StoreLifecycle(String component) {
    this.component = component;
  }

  void ensureOpen() {
    if (closed.get()) {
      throw new ClosedException(component);
    }
  }

  void close() {
    closed.set(true);
  }
}
