package dev.fabula.projection;

import dev.fabula.event.Event;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Projection} whose events are applied by appliers registered per event name, usually in
 * the constructor. Events without an applier are ignored. Subclasses may also implement {@link
 * Guarded}, {@link Resettable} and {@link ProgressAware}.
 */
public abstract class AbstractProjection implements Projection {
  private final Map<String, Consumer<Event<?>>> appliers = new HashMap<>();
  private final @Nullable String name;

  /** A projection without appliers yet, named by its class ({@link Projection#projectionName()}). */
  protected AbstractProjection() {
    this.name = null;
  }

  /**
   * A projection without appliers yet, named {@code name} in failures, logs and dead letters.
   *
   * @throws IllegalArgumentException when the name is blank
   */
  protected AbstractProjection(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("projection name must not be blank");
    }
    this.name = name;
  }

  /** The name given to the constructor, else the class name. */
  @Override
  public String projectionName() {
    return name != null ? name : Projection.super.projectionName();
  }

  /**
   * Registers how events named {@code eventName}, whose data is a {@code dataType}, change the read
   * model. The applier receives the whole event (for its aggregate, time and position).
   *
   * @throws IllegalStateException when an applier for the name is already registered
   */
  protected final <D> void on(String eventName, Class<D> dataType, Consumer<Event<D>> applier) {
    Objects.requireNonNull(eventName, "eventName");
    Objects.requireNonNull(dataType, "dataType");
    Objects.requireNonNull(applier, "applier");
    Consumer<Event<?>> typed =
        event -> {
          if (!dataType.isInstance(event.data())) {
            throw new ClassCastException(
                "event " + event.name() + " " + event.id() + " carries "
                    + event.data().getClass().getName() + " but its applier expects "
                    + dataType.getName());
          }
          @SuppressWarnings("unchecked") // the data type was checked just above
          Event<D> cast = (Event<D>) event;
          applier.accept(cast);
        };
    if (appliers.putIfAbsent(eventName, typed) != null) {
      throw new IllegalStateException("an applier for '" + eventName + "' is already registered");
    }
  }

  /** The event names with an applier: what a schedule for this projection subscribes to. */
  public final Set<String> eventNames() {
    return Set.copyOf(appliers.keySet());
  }

  /** Calls the applier registered for the event's name, if any. */
  @Override
  public void apply(Event<?> event) {
    Objects.requireNonNull(event, "event");
    Consumer<Event<?>> applier = appliers.get(event.name());
    if (applier != null) {
      applier.accept(event);
    }
  }
}
