package dev.fabula.memory;

import dev.fabula.ClosedException;
import dev.fabula.codec.Codec;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.InsertNotifying;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.event.Subscription;
import dev.fabula.spi.Arguments;
import dev.fabula.spi.BatchValidator;
import dev.fabula.spi.EventLimits;
import dev.fabula.spi.EventUpcasting;
import dev.fabula.spi.InsertListeners;
import dev.fabula.spi.QueryPlan;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.RandomAccess;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory {@link EventStore}: writes batches under one lock and answers queries without
 * any, by translating each query's {@link QueryPlan} ({@link MemoryQuery}).
 *
 * <p>Events live in {@link EventColumns}, found by id through {@link EventIds}; each aggregate
 * keeps the positions of its events in an {@link AggregateStream}. Writers append under the lock;
 * readers read the published size and then the columns, so they see a prefix that is complete.
 * Positions are assigned under the lock in commit order, so a catch-up reader can never miss a
 * late commit. A batch is checked whole before anything is written: on its own by the {@link
 * BatchValidator}, then against what the store holds.
 *
 * <p>With a {@link Codec} whose registry has event upcasters, events of the names they read are
 * kept as inserted (objects of the old type) and read through {@link EventUpcasting}, as a
 * persistent store reads its old rows: queries, finds and insert notifications see what they
 * stand for now.
 */
final class MemoryEventStore implements EventStore, InsertNotifying {
  /** The codec whose event upcasters reads apply, or {@code null} when the registry has none. */
  private final @Nullable Codec upcasting;
  private final InsertListeners insertListeners = new InsertListeners();
  private final ReentrantLock writeLock = new ReentrantLock();
  private final EventColumns columns = new EventColumns();
  private final EventIds ids = new EventIds(columns);
  private final Map<AggregateStream.Key, AggregateStream> streams = new ConcurrentHashMap<>();
  private volatile boolean closed;

  MemoryEventStore() {
    this.upcasting = null;
  }

  MemoryEventStore(Codec codec) {
    Objects.requireNonNull(codec, "codec");
    this.upcasting = codec.registry().upcastsEvents() ? codec : null;
  }

  @Override
  public List<Event<?>> insert(List<? extends Event<?>> events) {
    Arguments.requireNoNulls(events, "events");
    ensureOpen();
    if (events.isEmpty()) {
      return List.of();
    }
    List<Event<?>> stored;
    EventLimits.checkEvents(events); // the limits every store keeps (names, metadata)
    Event<?>[] batch = events.toArray(Event<?>[]::new); // the caller may change its list later
    // The batch on its own, before the lock: what it holds cannot change.
    List<BatchValidator.Span> spans = BatchValidator.validate(Arrays.asList(batch));
    writeLock.lock();
    try {
      ensureOpen();
      checkAgainstStored(batch, spans);
      stored = append(batch);
    } finally {
      writeLock.unlock();
    }
    insertListeners.fire(upcasting == null ? stored : EventUpcasting.forListeners(upcasting, stored));
    return stored;
  }

  /** Writes a checked batch and publishes it; under the lock. */
  private List<Event<?>> append(Event<?>[] batch) {
    int first = columns.size() + 1;
    int n = first - 1;
    EventColumns.Chunk[] cs = columns.chunksFor(n + batch.length);
    // Batches are usually one aggregate's events: look its stream up once per run of them.
    @Nullable AggregateRef lastRef = null;
    @Nullable AggregateStream lastStream = null;
    for (int i = 0; i < batch.length; i++) {
      Event<?> e = batch[i];
      int position = ++n;
      AggregateRef ref = e.aggregateOrNull();
      if (ref == null) {
        EventColumns.write(cs, position, e, null, 0);
        ids.index(e.id(), position);
        continue;
      }
      if (lastStream == null || !sameAggregate(ref, lastRef)) {
        int run = runLength(batch, i);
        lastStream = streams.computeIfAbsent(
            new AggregateStream.Key(ref.name(), ref.id()), k -> new AggregateStream(k, run));
        lastRef = ref;
      }
      EventColumns.write(cs, position, e, lastStream.key(), ref.version());
      ids.index(e.id(), position);
      lastStream.append(position, ref.version());
    }
    columns.publish(n);
    return new Stored(batch, first);
  }

  /**
   * Checks a batch that is valid on its own against what is stored; under the lock. An id above
   * every stored one (the usual fresh UUIDv7) needs no probe.
   *
   * @throws DuplicateEventException if an event's id is stored already
   * @throws ConcurrencyException if an aggregate's first version in the batch is stored already
   * @throws InvalidBatchException if it leaves a gap after the stored stream
   */
  private void checkAgainstStored(Event<?>[] batch, List<BatchValidator.Span> spans) {
    for (Event<?> e : batch) {
      UUID id = e.id();
      if (!ids.aboveAll(id) && ids.locate(id) > 0) {
        throw new DuplicateEventException(id);
      }
    }
    for (int i = 0; i < spans.size(); i++) { // no iterator: the usual batch has one span
      BatchValidator.Span span = spans.get(i);
      AggregateStream stream = streams.get(new AggregateStream.Key(span.name(), span.id()));
      int current = stream == null ? 0 : stream.version();
      if (span.firstVersion() <= current) {
        throw new ConcurrencyException(span.name(), span.id(), span.firstVersion() - 1, current);
      }
      if (span.firstVersion() != current + 1) {
        throw new InvalidBatchException(
            "event " + firstEventOf(batch, span).id() + " has version " + span.firstVersion() + " of "
                + span.name() + " " + span.id() + ", but the stored stream ends at version " + current);
      }
    }
  }

  /** The batch's event that starts {@code span}. */
  private static Event<?> firstEventOf(Event<?>[] batch, BatchValidator.Span span) {
    for (Event<?> e : batch) {
      AggregateRef ref = e.aggregateOrNull();
      if (ref != null && ref.version() == span.firstVersion() && ref.id().equals(span.id())
          && ref.name().equals(span.name())) {
        return e;
      }
    }
    throw new IllegalStateException("no event of the batch starts " + span);
  }

  @Override
  public Subscription onInsert(Consumer<List<Event<?>>> listener) {
    return insertListeners.add(listener);
  }

  /** How many events from {@code from} on belong to the aggregate of the event at {@code from}. */
  private static int runLength(Event<?>[] batch, int from) {
    AggregateRef ref = batch[from].aggregateOrNull();
    int end = from + 1;
    while (end < batch.length && sameAggregate(batch[end].aggregateOrNull(), ref)) {
      end++;
    }
    return end - from;
  }

  private static boolean sameAggregate(@Nullable AggregateRef a, @Nullable AggregateRef b) {
    return a != null && b != null && a.id().equals(b.id()) && a.name().equals(b.name());
  }

  /**
   * The events of an inserted batch with their positions, made when asked for: the usual caller,
   * a repository, does not look at them, and each stored copy would be an object per event.
   */
  private static final class Stored extends AbstractList<Event<?>> implements RandomAccess {
    private final Event<?>[] batch;
    private final int first;

    Stored(Event<?>[] batch, int first) {
      this.batch = batch;
      this.first = first;
    }

    @Override
    public Event<?> get(int index) {
      return batch[index].withPosition(first + (long) index);
    }

    @Override
    public int size() {
      return batch.length;
    }
  }

  @Override
  public Optional<Event<?>> find(UUID id) {
    Objects.requireNonNull(id, "id");
    ensureOpen();
    int position = ids.locate(id);
    Event<?> e = position == 0 ? null : EventColumns.eventAt(columns.chunks(), position);
    Codec codec = upcasting;
    if (e == null || codec == null || !EventUpcasting.upcasts(codec, e.name())) {
      return Optional.ofNullable(e);
    }
    return EventUpcasting.withStoredId(EventUpcasting.decodeObject(codec, e));
  }

  @Override
  public Stream<Event<?>> query(EventQuery query) {
    Objects.requireNonNull(query, "query");
    ensureOpen();
    EventLimits.checkQuery(query); // the same filters as every store accepts
    int end = columns.size(); // before the chunks: they hold at least end
    Codec codec = upcasting;
    if (codec == null) {
      return MemoryQuery.run(QueryPlan.of(query), columns.chunks(), end, streams);
    }
    Stream<Event<?>> stored =
        MemoryQuery.run(EventUpcasting.storedPlan(codec.registry(), query), columns.chunks(), end, streams);
    Stream<Event<?>> upcast = stored.flatMap(
        e -> EventUpcasting.upcasts(codec, e.name()) ? EventUpcasting.decodeObject(codec, e).stream() : Stream.of(e));
    return EventUpcasting.finish(codec.registry(), query, upcast);
  }

  @Override
  public void delete(List<? extends Event<?>> events) {
    Arguments.requireNoNulls(events, "events");
    ensureOpen();
    writeLock.lock();
    try {
      ensureOpen();
      Set<AggregateStream.Key> touched = new HashSet<>();
      EventColumns.Chunk[] cs = columns.chunks();
      for (Event<?> e : events) {
        int position = ids.locate(e.id());
        if (position == 0) {
          continue;
        }
        ids.remove(e.id());
        AggregateStream.Key key = EventColumns.clear(cs, position);
        if (key != null) {
          touched.add(key);
        }
      }
      for (AggregateStream.Key key : touched) {
        AggregateStream old = streams.get(key);
        AggregateStream fresh = old == null ? null : old.withoutDeleted(cs);
        if (fresh == null) {
          streams.remove(key);
        } else {
          streams.put(key, fresh);
        }
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public long lastPosition() {
    ensureOpen();
    return columns.size();
  }

  @Override
  public void close() {
    closed = true;
  }

  private void ensureOpen() {
    if (closed) {
      throw new ClosedException("event store");
    }
  }
}
