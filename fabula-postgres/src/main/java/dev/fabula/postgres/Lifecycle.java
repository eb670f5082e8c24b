package dev.fabula.postgres;

import dev.fabula.ClosedException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The open/closed state every PostgreSQL store shares: {@link #close()} runs the store's close
 * action once, and {@link #ensureOpen()} rejects use afterwards with a {@link ClosedException}
 * naming the component.
 */
final class Lifecycle {
  private final String component;
  private final Runnable onClose;
  private final AtomicBoolean closed = new AtomicBoolean();

  Lifecycle(String component, Runnable onClose) {
    this.component = component;
    this.onClose = onClose;
  }

  void ensureOpen() {
    if (closed.get()) {
      throw new ClosedException(component);
    }
  }

  void close() {
    if (closed.compareAndSet(false, true)) {
      onClose.run();
    }
  }
}
