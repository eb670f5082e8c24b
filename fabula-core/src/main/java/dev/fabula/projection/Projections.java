package dev.fabula.projection;

import dev.fabula.event.Event;
import java.util.Objects;

/** Factories for projections. */
public final class Projections {
  private Projections() {}

  /**
   * {@code projection} under {@code name}: the name its failures, logs and dead letters carry
   * (instead of a lambda's generated class). Keeps {@link Guarded} when {@code projection} has it;
   * a projection that keeps progress or can reset is a class of its own and names itself by
   * overriding {@link Projection#projectionName()}.
   *
   * <p>Create one per read model and reuse it: jobs lock and position the returned instance.
   *
   * @throws IllegalArgumentException when the name is blank, or the projection is {@link
   *     ProgressAware} or {@link Resettable}
   */
  public static Projection named(String name, Projection projection) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(projection, "projection");
    if (name.isBlank()) {
      throw new IllegalArgumentException("projection name must not be blank");
    }
    if (projection instanceof ProgressAware || projection instanceof Resettable) {
      throw new IllegalArgumentException(
          "projection " + projection.projectionName() + " keeps progress or can reset: name it by"
              + " overriding projectionName() (a wrapper would hide what it keeps)");
    }
    if (projection instanceof Guarded guard) {
      return new NamedGuarded(name, projection, guard);
    }
    return new Named(name, projection);
  }

  private record Named(String name, Projection projection) implements Projection {
    @Override
    public void apply(Event<?> event) throws Exception {
      projection.apply(event);
    }

    @Override
    public String projectionName() {
      return name;
    }
  }

  private record NamedGuarded(String name, Projection projection, Guarded guard)
      implements Projection, Guarded {
    @Override
    public void apply(Event<?> event) throws Exception {
      projection.apply(event);
    }

    @Override
    public boolean accepts(Event<?> event) {
      return guard.accepts(event);
    }

    @Override
    public String projectionName() {
      return name;
    }
  }

  /** The default name of a projection class: its name, or the class a lambda was written in. */
  static String defaultName(Class<?> type) {
    String n = type.getName();
    int lambda = n.indexOf("$$Lambda");
    if (lambda > 0) {
      return "lambda in " + n.substring(0, lambda);
    }
    return n;
  }

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
