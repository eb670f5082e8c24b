package dev.fabula.proxy;

import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** Delegates to a store and counts its queries; for tests that prove a read did not happen. */
public class CountingStore extends ForwardingEventStore {
  /** How many queries went through. */
  public final AtomicInteger queries = new AtomicInteger();

  /** Counts the queries of {@code delegate}. */
  public CountingStore(EventStore delegate) {
    super(delegate);
  }

  @Override
  public Stream<Event<?>> query(EventQuery query) {
    queries.incrementAndGet();
    return delegate.query(query);
  }
}
