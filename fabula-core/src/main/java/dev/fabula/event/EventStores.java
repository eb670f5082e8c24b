package dev.fabula.event;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/** Decorators for any {@link EventStore}. */
public final class EventStores {
  private EventStores() {}

  /**
   * A store that publishes every batch it inserted to {@code bus}, with global positions set,
   * after the insert committed. If publishing fails, {@link EventStore#insert} throws an {@link
   * EventPublishException}: the events are stored, and readers that follow the store catch up.
   * Closing the returned store closes {@code store}, not {@code bus}.
   */
  public static EventStore publishing(EventStore store, EventBus bus) {
    return new PublishingEventStore(
        Objects.requireNonNull(store, "store"), Objects.requireNonNull(bus, "bus"));
  }

  private record PublishingEventStore(EventStore store, EventBus bus) implements EventStore {
    @Override
    public List<Event<?>> insert(List<? extends Event<?>> events) {
      List<Event<?>> stored = store.insert(events);
      if (!stored.isEmpty()) {
        try {
          bus.publish(stored);
        } catch (RuntimeException e) {
          throw new EventPublishException(stored, e);
        }
      }
      return stored;
    }

    @Override
    public Optional<Event<?>> find(UUID id) {
      return store.find(id);
    }

    @Override
    public Stream<Event<?>> query(EventQuery query) {
      return store.query(query);
    }

    @Override
    public void delete(List<? extends Event<?>> events) {
      store.delete(events);
    }

    @Override
    public long lastPosition() {
      return store.lastPosition();
    }

    @Override
    public void close() {
      store.close();
    }
  }
}
