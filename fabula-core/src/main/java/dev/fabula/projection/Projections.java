package dev.fabula.projection;

import java.util.Objects;

/** Factories for projections. */
public final class Projections {
  private Projections() {}

  /**
   * A projection that keeps the progress of {@code projection} in {@code store} under {@code
   * name}: it is {@link ProgressAware} (reading and advancing the stored position), {@link
   * Resettable} (resetting the projection, if it is resettable, and the stored position), and
   * {@link Guarded} when {@code projection} is.
   *
   * <p>Create one per read model and reuse it: jobs lock the returned instance. Exactly-once holds
   * for re-runs, duplicate deliveries and concurrent triggers. A crash of the process between an
   * event's apply and the store's advance is covered only when the two share a transaction;
   * otherwise that one event may be applied again (see {@code docs/adr/0004-projection-progress.md}).
   *
   * @throws IllegalArgumentException when the name is blank
   * @throws IllegalStateException when a reset trigger reaches a projection that is not {@link
   *     Resettable} (resetting only the position would apply events twice)
   */
  public static Projection tracked(String name, Projection projection, ProgressStore store) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(projection, "projection");
    Objects.requireNonNull(store, "store");
    if (name.isBlank()) {
      throw new IllegalArgumentException("projection name must not be blank");
    }
    if (projection instanceof ProgressAware) {
      throw new IllegalArgumentException(
          "projection " + projection.projectionName() + " keeps its own progress already");
    }
    return projection instanceof Guarded
        ? new TrackedProjection.WithGuard(name, projection, store)
        : new TrackedProjection(name, projection, store);
  }
}
