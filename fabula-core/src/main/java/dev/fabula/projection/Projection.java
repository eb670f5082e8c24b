package dev.fabula.projection;

import dev.fabula.event.Event;

/**
 * A read model built from events. A {@link Job} calls {@link #apply} once per event, in global
 * position order, never from two threads at once for one projection instance.
 *
 * <p>Apply events with a pattern-matching {@code switch} over sealed event data, or extend {@link
 * AbstractProjection} and register appliers by event name. Add capabilities by implementing
 * {@link Guarded} (accept or reject single events), {@link Resettable} (rebuild from scratch) and
 * {@link ProgressAware} (resume from the last applied position, exactly once).
 *
 * <p>{@code apply} should change the read model completely or not at all: when it throws, the job
 * reports a {@link ProjectionException} and the event counts as not applied.
 */
@FunctionalInterface
public interface Projection {
  /** Changes the read model according to {@code event}. */
  void apply(Event<?> event) throws Exception;

  /**
   * The name used in exceptions, logs and dead letters. Defaults to the class name, or for a
   * lambda to {@code "lambda in "} and the class that wrote it; override it, or wrap a lambda with
   * {@link Projections#named}, to give the projection a stable, readable name.
   */
  default String projectionName() {
    return Projections.defaultName(getClass());
  }
}
