package dev.fabula.telemetry;

import dev.fabula.event.AggregateSelector;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.InsertNotifying;
import dev.fabula.event.Metadata;
import dev.fabula.event.Subscription;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Spliterator;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/** {@link Telemetry#eventStore}: observes appends and one-aggregate reads, passes the rest on. */
class ObservedEventStore implements EventStore {
  final EventStore store;
  private final Instrumentation instrumentation;

  ObservedEventStore(EventStore store, Instrumentation instrumentation) {
    this.store = store;
    this.instrumentation = instrumentation;
  }

  @Override
  public List<Event<?>> insert(List<? extends Event<?>> events) {
    if (events.isEmpty()) {
      return store.insert(events);
    }
    Observation o = instrumentation.start(new Operation.Append(events));
    List<Event<?>> stored;
    Observation.Scope s = o.makeCurrent();
    try {
      stored = store.insert(propagated(o, events));
    } catch (RuntimeException | Error e) {
      o.end(e);
      throw e;
    } finally {
      s.close();
    }
    o.end(null);
    return stored;
  }

  /** {@code events}, each with the observation's context in its metadata. */
  static List<? extends Event<?>> propagated(Observation o, List<? extends Event<?>> events) {
    List<Event<?>> out = null;
    for (int i = 0; i < events.size(); i++) {
      Event<?> e = events.get(i);
      Metadata m = o.propagate(e.metadata());
      if (m != e.metadata()) {
        if (out == null) {
          out = new ArrayList<>(events.subList(0, i));
        }
        out.add(e.withMetadata(m));
      } else if (out != null) {
        out.add(e);
      }
    }
    return out == null ? events : out;
  }

  @Override
  public Optional<Event<?>> find(UUID id) {
    return store.find(id);
  }

  @Override
  public Stream<Event<?>> query(EventQuery query) {
    String aggregate = oneAggregate(query);
    if (aggregate == null) {
      return store.query(query);
    }
    Observation o = instrumentation.start(new Operation.Load(aggregate));
    Stream<Event<?>> events;
    Observation.Scope s = o.makeCurrent();
    try {
      events = store.query(query);
    } catch (RuntimeException | Error e) {
      o.end(e);
      throw e;
    } finally {
      s.close();
    }
    var counted = new Counted(events, o);
    return StreamSupport.stream(counted, false).onClose(counted::close);
  }

  /** The aggregate's name when {@code query} reads exactly one aggregate's stream, else null. */
  private static @Nullable String oneAggregate(EventQuery query) {
    List<AggregateSelector> selectors = query.aggregates();
    if (selectors.isEmpty() || !(selectors.getFirst() instanceof AggregateSelector.Exact first)) {
      return null;
    }
    for (AggregateSelector s : selectors) {
      if (!s.equals(first)) {
        return null;
      }
    }
    return first.name();
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

  @Override
  public String toString() {
    return "Observed[" + store + "]";
  }

  /** The store's {@link InsertNotifying} capability kept. */
  static final class Notifying extends ObservedEventStore implements InsertNotifying {
    Notifying(EventStore store, Instrumentation instrumentation) {
      super(store, instrumentation);
    }

    @Override
    public Subscription onInsert(Consumer<List<Event<?>>> listener) {
      return ((InsertNotifying) store).onInsert(listener);
    }
  }

  /**
   * A load's events as they are read: counts them, notes a failure, and ends the observation when
   * the stream is closed (once).
   */
  private static final class Counted implements Spliterator<Event<?>> {
    private final Stream<Event<?>> source;
    private final Spliterator<Event<?>> events;
    private final Observation observation;
    private long count;
    private @Nullable Throwable failure;
    private boolean ended;

    Counted(Stream<Event<?>> source, Observation observation) {
      this.source = source;
      this.events = source.spliterator();
      this.observation = observation;
    }

    @Override
    public boolean tryAdvance(Consumer<? super Event<?>> action) {
      try {
        return events.tryAdvance(
            e -> {
              count++;
              action.accept(e);
            });
      } catch (RuntimeException | Error e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public @Nullable Spliterator<Event<?>> trySplit() {
      return null;
    }

    @Override
    public long estimateSize() {
      return events.estimateSize();
    }

    @Override
    public int characteristics() {
      return events.characteristics() & ~(SIZED | SUBSIZED);
    }

    void close() {
      try {
        source.close();
      } catch (RuntimeException | Error e) {
        if (failure == null) {
          failure = e;
        }
        throw e;
      } finally {
        if (!ended) {
          ended = true;
          observation.count(count);
          observation.end(failure);
        }
      }
    }
  }
}
