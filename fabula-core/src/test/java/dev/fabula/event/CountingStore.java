package dev.fabula.event;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** Delegates to a store and counts its queries; for tests that prove a read did not happen. */
public class CountingStore implements EventStore {
  private final EventStore delegate;
  /** How many queries went through. */
  public final AtomicInteger queries = new AtomicInteger();

  /** Counts the queries of {@code delegate}. */
  public CountingStore(EventStore delegate) {
    this.delegate = delegate;
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
    queries.incrementAndGet();
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
