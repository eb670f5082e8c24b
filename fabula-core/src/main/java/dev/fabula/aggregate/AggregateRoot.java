package dev.fabula.aggregate;

import dev.fabula.event.AggregateRef;
import dev.fabula.event.Event;
import dev.fabula.spi.AggregateAccess;
import dev.fabula.spi.UuidV7;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The base of an event-sourced aggregate: a consistency boundary whose state is rebuilt by
 * replaying its events.
 *
 * <p>Domain methods validate their input against the current state and then {@link #raise} an
 * event. Raising gives the event the next version and a time strictly after the previous event's,
 * applies it to the state at once, and records it as an uncommitted {@linkplain #changes() change}
 * that the repository stores on save.
 *
 * <p>State changes happen only when events are applied, in one of two styles:
 *
 * <ul>
 *   <li>register an applier per event name in the constructor with {@link #on}, or
 *   <li>override {@link #apply(Event)} with a pattern-matching {@code switch} over sealed event
 *       data.
 * </ul>
 *
 * <p>Not thread-safe: an aggregate instance is used by one thread at a time (the repository's
 * {@code use} gives each attempt a fresh instance).
 */
public abstract class AggregateRoot {
  static {
    AggregateAccess.install(new Access());
  }

  private final String name;
  private final UUID id;
  private final InstantSource clock;
  private final Map<String, Consumer<Object>> appliers = new HashMap<>();
  private final List<Event<?>> changes = new ArrayList<>();
  private int version;
  private int committedVersion;
  private Instant lastTime = Instant.MIN;
  private boolean deleted;

  /** An aggregate reading the system clock for event times. */
  protected AggregateRoot(String name, UUID id) {
    this(name, id, InstantSource.system());
  }

  /** An aggregate reading {@code clock} for event times (for tests and simulations). */
  protected AggregateRoot(String name, UUID id, InstantSource clock) {
    this.name = Objects.requireNonNull(name, "name");
    this.id = Objects.requireNonNull(id, "id");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (name.isBlank()) {
      throw new IllegalArgumentException("aggregate name must not be blank");
    }
  }

  /** The aggregate's type name, e.g. {@code "product"}. */
  public final String name() {
    return name;
  }

  /** The aggregate's id. */
  public final UUID id() {
    return id;
  }

  /** The version of the current state: the last applied event's, {@code 0} before any. */
  public final int version() {
    return version;
  }

  /** The version stored in the event store, before the uncommitted changes. */
  public final int committedVersion() {
    return committedVersion;
  }

  /** The events raised since the aggregate was fetched or last saved, oldest first. */
  public final List<Event<?>> changes() {
    return Collections.unmodifiableList(changes);
  }

  /** Whether the last deletion marker applied was a {@link SoftDeleted} one. */
  public final boolean isDeleted() {
    return deleted;
  }

  /**
   * Registers how events named {@code eventName} change the state. Call it in the constructor.
   *
   * @throws IllegalStateException when an applier for the name is already registered
   */
  protected final <D> void on(String eventName, Class<D> dataType, Consumer<? super D> applier) {
    Objects.requireNonNull(dataType, "dataType");
    Objects.requireNonNull(applier, "applier");
    Consumer<Object> typed =
        data -> {
          if (!dataType.isInstance(data)) {
            throw new ClassCastException(
                "event " + eventName + " carries " + data.getClass().getName()
                    + " but its applier expects " + dataType.getName());
          }
          applier.accept(dataType.cast(data));
        };
    if (appliers.putIfAbsent(Objects.requireNonNull(eventName, "eventName"), typed) != null) {
      throw new IllegalStateException("an applier for '" + eventName + "' is already registered");
    }
  }

  /**
   * Changes the state according to {@code event}. The default calls the applier registered with
   * {@link #on} for the event's name and ignores events without one. Override it to apply events
   * with a {@code switch} instead.
   */
  protected void apply(Event<?> event) {
    Consumer<Object> applier = appliers.get(event.name());
    if (applier != null) {
      applier.accept(event.data());
    }
  }

  /**
   * Raises an event: gives it the next version and a strictly increasing time, applies it, and
   * records it as a change. If applying throws, nothing is recorded and the version stays.
   *
   * @return the raised event
   */
  protected final <D> Event<D> raise(String eventName, D data) {
    Instant now = clock.instant();
    Instant time = now.isAfter(lastTime) ? now : lastTime.plusNanos(1);
    Event<D> event =
        Event.of(
            UuidV7.next(),
            eventName,
            time,
            data,
            new AggregateRef(name, id, version + 1),
            dev.fabula.event.Metadata.empty(),
            0);
    applyAndTrack(event);
    changes.add(event);
    return event;
  }

  /**
   * Rebuilds state from stored events, which must be this aggregate's, continuing its version one
   * by one.
   *
   * @throws AggregateHistoryException when an event has another aggregate name or id, no
   *     aggregate, or a version that does not follow the current one
   * @throws IllegalStateException when there are uncommitted changes
   */
  public final void replay(Iterable<? extends Event<?>> history) {
    Objects.requireNonNull(history, "history");
    if (!changes.isEmpty()) {
      throw new IllegalStateException(
          "cannot replay history into " + name + " " + id + " with uncommitted changes");
    }
    for (Event<?> event : history) {
      AggregateRef ref = event.aggregateOrNull();
      if (ref == null) {
        throw new AggregateHistoryException(event.id(), "it has no aggregate, expected " + name + " " + id);
      }
      if (!ref.name().equals(name) || !ref.id().equals(id)) {
        throw new AggregateHistoryException(
            event.id(),
            "it belongs to " + ref.name() + " " + ref.id() + ", not to " + name + " " + id);
      }
      if (ref.version() != version + 1) {
        throw new AggregateHistoryException(
            event.id(),
            "its version " + ref.version() + " does not follow version " + version + " of "
                + name + " " + id);
      }
      applyAndTrack(event);
      committedVersion = version;
    }
  }

  private void applyAndTrack(Event<?> event) {
    apply(event);
    if (event.data() instanceof SoftDeleted) {
      deleted = true;
    } else if (event.data() instanceof SoftRestored) {
      deleted = false;
    }
    version = event.aggregateOrNull() == null ? version + 1 : event.aggregateOrNull().version();
    lastTime = event.time();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + name + " " + id + " v" + version + "]";
  }

  /** What the repository may do that application code may not. */
  private static final class Access extends AggregateAccess<AggregateRoot> {
    Access() {
      super(AggregateRoot.class);
    }

    @Override
    public void markCommitted(AggregateRoot aggregate) {
      aggregate.changes.clear();
      aggregate.committedVersion = aggregate.version;
    }

    @Override
    public void restoredAt(AggregateRoot aggregate, int version, Instant time) {
      if (aggregate.version != 0 || !aggregate.changes.isEmpty()) {
        throw new IllegalStateException("a snapshot can only be restored into a fresh aggregate");
      }
      aggregate.version = version;
      aggregate.committedVersion = version;
      aggregate.lastTime = time;
    }

    @Override
    public Instant lastEventTime(AggregateRoot aggregate) {
      return aggregate.lastTime;
    }
  }
}
