package dev.fabula.projection;

import dev.fabula.event.Event;

/**
 * A {@link Projection} that accepts or rejects single events before they are applied, e.g. by
 * their name, aggregate or metadata. A rejected event is not applied, but a {@link
 * ProgressAware} projection still advances past it: the guard is part of the projection's
 * definition, so the decision would be the same on every run.
 */
public interface Guarded {
  /** Whether {@code event} is applied. Must be deterministic and free of side effects. */
  boolean accepts(Event<?> event);
}
