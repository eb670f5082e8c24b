package dev.fabula.projection;

import dev.fabula.FabulaException;
import dev.fabula.event.Event;

/** A projection whose progress lives in a {@link ProgressStore}; see {@link Projections#tracked}. */
class TrackedProjection implements Projection, Reapplicable, Resettable {
  private final String name;
  final Projection projection;
  private final ProgressStore store;

  TrackedProjection(String name, Projection projection, ProgressStore store) {
    this.name = name;
    this.projection = projection;
    this.store = store;
  }

  @Override
  public void apply(Event<?> event) throws Exception {
    projection.apply(event);
  }

  /**
   * The projection's own apply: its progress lives apart, in the store, so applying an event again
   * moves nothing (a dead letter's retry).
   */
  @Override
  public void reapply(Event<?> event) throws Exception {
    projection.apply(event);
  }

  @Override
  public String projectionName() {
    return name;
  }

  @Override
  public long progress() {
    return store.position(name);
  }

  @Override
  public void progress(long position) {
    long current = store.position(name);
    if (position > current && !store.advance(name, current, position)) {
      throw new FabulaException(
          "progress of projection " + name + " moved concurrently (expected " + current
              + "); another runner is applying it with a different progress store handle");
    }
  }

  @Override
  public void reset() {
    if (!(projection instanceof Resettable r)) {
      throw new IllegalStateException(
          "projection " + name + " is not Resettable; resetting only its progress would apply"
              + " every event to it again");
    }
    r.reset();
    store.reset(name);
  }

  static final class WithGuard extends TrackedProjection implements Guarded {
    WithGuard(String name, Projection projection, ProgressStore store) {
      super(name, projection, store);
    }

    @Override
    public boolean accepts(Event<?> event) {
      return ((Guarded) projection).accepts(event);
    }
  }
}
