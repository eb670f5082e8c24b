package dev.fabula.proxy;

import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An event store that forwards every call to another: the base of the tests' stores that count,
 * break or delay one operation and leave the rest to a real store. Shared through core's test jar.
 */
public class ForwardingEventStore implements EventStore {
  /** The store every call goes to unless a subclass overrides it. */
  protected final EventStore delegate;

  /** Forwards to {@code delegate}. */
  public ForwardingEventStore(EventStore delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public List<Event<?>> insert(List<? extends Event<?>> events) {
    return delegate.insert(events);
  }

  @Override
  public Optional<Event<?>> find(UUID id) {
    return delegate.find(id);
  }

  @Override
  public Stream<Event<?>> query(EventQuery query) {
    return delegate.query(query);
  }

  @Override
  public void delete(List<? extends Event<?>> events) {
    delegate.delete(events);
  }

  @Override
  public long lastPosition() {
    return delegate.lastPosition();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
