package dev.fabula.memory;

import dev.fabula.ClosedException;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.AggregateSelector;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory {@link EventStore}.
 *
 * <p>Events live in one append-only array indexed by position - 1; writers append under a lock,
 * readers never lock: they read {@code size} (volatile) and then the array, so they see a prefix
 * that is complete. Each aggregate keeps the positions of its events, so loading one aggregate
 * touches only its own events. Positions are assigned under the lock in commit order, so a
 * catch-up reader can never miss a late commit.
 */
final class MemoryEventStore implements EventStore {
  private static final int INITIAL_CAPACITY = 1024;
  /** Up to this many events, a batch is checked for repeated ids pairwise instead of with a set. */
  private static final int SMALL_BATCH = 32;

  private final ReentrantLock writeLock = new ReentrantLock();
  private final IdIndex byId = new IdIndex();
  private final Map<StreamKey, AggregateStream> streams = new ConcurrentHashMap<>();
  private volatile @Nullable Event<?>[] log = new Event<?>[INITIAL_CAPACITY];
  private volatile int size;
  private volatile boolean closed;

  private record StreamKey(String name, UUID id) {}

  /** The positions of one aggregate's events in version order; replaced, never mutated, on delete. */
  private static final class AggregateStream {
    private long[] positions;
    private volatile int count;
    private int version;
    // Whether the event at index i has version i + 1 (true for every stream built by inserts
    // alone). Only ever turns false, before count publishes the slot that broke it.
    private boolean dense = true;

    AggregateStream(int capacity) {
      positions = new long[Math.max(capacity, 4)];
    }

    void append(long position, int newVersion) {
      if (count == positions.length) {
        positions = Arrays.copyOf(positions, positions.length * 2);
      }
      positions[count] = position;
      if (newVersion != count + 1) {
        dense = false;
      }
      version = newVersion;
      count = count + 1; // volatile write publishes the slot
    }
  }

  @Override
  public List<Event<?>> insert(List<? extends Event<?>> events) {
    ensureOpen();
    if (events.isEmpty()) {
      return List.of();
    }
    writeLock.lock();
    try {
      ensureOpen();
      validate(events);
      var stored = new ArrayList<Event<?>>(events.size());
      int n = size;
      @Nullable Event<?>[] arr = log;
      if (n + events.size() > arr.length) {
        arr = Arrays.copyOf(arr, Math.max(arr.length * 2, n + events.size()));
        log = arr;
      }
      // Batches are usually one aggregate's events: look its stream up once per run of them.
      @Nullable AggregateRef lastRef = null;
      @Nullable AggregateStream lastStream = null;
      for (Event<?> e : events) {
        long position = n + 1;
        Event<?> s = e.withPosition(position);
        arr[n++] = s;
        byId.put(s.id(), (int) position);
        AggregateRef ref = s.aggregateOrNull();
        if (ref != null) {
          if (lastStream == null || !sameAggregate(ref, lastRef)) {
            lastStream =
                streams.computeIfAbsent(new StreamKey(ref.name(), ref.id()), k -> new AggregateStream(16));
            lastRef = ref;
          }
          lastStream.append(position, ref.version());
        }
        stored.add(s);
      }
      size = n;
      return stored;
    } finally {
      writeLock.unlock();
    }
  }

  private static boolean sameAggregate(AggregateRef a, @Nullable AggregateRef b) {
    return b != null && a.id().equals(b.id()) && a.name().equals(b.name());
  }

  /** Checks ids and versions of the whole batch before anything is written. */
  private void validate(List<? extends Event<?>> events) {
    // Duplicates inside the batch: pairwise for the usual small batch (no allocation), a set
    // for big ones.
    @Nullable Set<UUID> ids = events.size() > SMALL_BATCH ? new HashSet<>(events.size() * 2) : null;
    // Next versions of the batch's other aggregates; only a batch of several aggregates needs it.
    @Nullable Map<StreamKey, Integer> expectedNext = null;
    int index = 0;
    // The previous event's aggregate and its next version, so that a run of one aggregate's
    // events (the usual batch) needs no map lookups; the map holds the others.
    @Nullable AggregateRef lastRef = null;
    int lastNext = 0;
    for (Event<?> e : events) {
      if ((ids != null ? !ids.add(e.id()) : repeatsEarlier(events, index)) || lookup(e.id()) != null) {
        throw new DuplicateEventException(e.id());
      }
      index++;
      AggregateRef ref = e.aggregateOrNull();
      if (ref == null) {
        continue;
      }
      if (sameAggregate(ref, lastRef)) {
        if (ref.version() != lastNext) {
          throw new InvalidBatchException(
              "event " + e.id() + " has version " + ref.version() + " of " + ref.name() + " "
                  + ref.id() + ", but the batch's previous event of it has version " + (lastNext - 1));
        }
        lastNext = ref.version() + 1;
        continue;
      }
      StreamKey key = new StreamKey(ref.name(), ref.id());
      if (lastRef != null) {
        if (expectedNext == null) {
          expectedNext = new HashMap<>();
        }
        expectedNext.put(new StreamKey(lastRef.name(), lastRef.id()), lastNext);
      }
      Integer next = expectedNext == null ? null : expectedNext.get(key);
      if (next == null) {
        AggregateStream stream = streams.get(key);
        int current = stream == null ? 0 : stream.version;
        if (ref.version() <= current) {
          throw new ConcurrencyException(ref.name(), ref.id(), ref.version() - 1, current);
        }
        if (ref.version() != current + 1) {
          throw new InvalidBatchException(
              "event " + e.id() + " has version " + ref.version() + " of " + ref.name() + " "
                  + ref.id() + ", but the stored stream ends at version " + current);
        }
      } else if (ref.version() != next) {
        throw new InvalidBatchException(
            "event " + e.id() + " has version " + ref.version() + " of " + ref.name() + " "
                + ref.id() + ", but the batch's previous event of it has version " + (next - 1));
      }
      lastRef = ref;
      lastNext = ref.version() + 1;
    }
  }

  /** Whether the event at {@code index} has the id of an earlier event of the batch. */
  private static boolean repeatsEarlier(List<? extends Event<?>> events, int index) {
    UUID id = events.get(index).id();
    for (int i = 0; i < index; i++) {
      if (events.get(i).id().equals(id)) {
        return true;
      }
    }
    return false;
  }

  /** The stored event with this id, or null: the index's answer checked against the log. */
  private @Nullable Event<?> lookup(UUID id) {
    int end = size; // volatile read first: everything inserted before it is visible
    int position = byId.get(id);
    if (position < 1 || position > end) {
      return null;
    }
    @Nullable Event<?>[] arr = log;
    Event<?> e = arr[position - 1];
    return e != null && e.id().equals(id) ? e : null;
  }

  @Override
  public Optional<Event<?>> find(UUID id) {
    ensureOpen();
    return Optional.ofNullable(lookup(id));
  }

  @Override
  public Stream<Event<?>> query(EventQuery query) {
    ensureOpen();
    int end = size;
    @Nullable Event<?>[] arr = log;
    Spliterator<Event<?>> source = plan(query, arr, end);
    Stream<Event<?>> stream = StreamSupport.stream(source, false);
    if (!isPositionOrder(query.sort()) && !(isSingleAggregate(query) && isVersionOrder(query.sort()))) {
      stream = stream.sorted(comparator(query.sort()));
    }
    if (query.limit().isPresent()) {
      stream = stream.limit(query.limit().getAsInt());
    }
    return stream;
  }

  private Spliterator<Event<?>> plan(EventQuery query, @Nullable Event<?>[] arr, int end) {
    List<AggregateSelector> selectors = query.aggregates();
    if (isSingleAggregate(query)) {
      // One aggregate: walk its own positions, only those within the version bounds when the
      // stream is dense (index = version - 1). The query still filters every event it yields.
      var exact = (AggregateSelector.Exact) selectors.get(0);
      AggregateStream stream = streams.get(new StreamKey(exact.name(), exact.id()));
      if (stream == null) {
        return Spliterators.emptySpliterator();
      }
      int count = stream.count;
      long[] positions = stream.positions;
      int from = 0;
      int to = count;
      if (stream.dense) {
        long min = query.versionMin().orElse(1);
        long max = query.versionMax().orElse(Integer.MAX_VALUE);
        from = (int) Math.min(Math.max(min - 1, 0), count);
        to = (int) Math.max(Math.min(max, count), from);
      }
      return new Scan(arr, positions, to, from, query);
    }
    if (!selectors.isEmpty() && selectors.stream().allMatch(s -> s instanceof AggregateSelector.Exact)) {
      long[] positions = positionsOf(selectors);
      return new Scan(arr, positions, positions.length, 0, query);
    }
    int from = (int) Math.min(query.afterPosition(), end);
    return new Scan(arr, null, end, from, query);
  }

  private long[] positionsOf(List<AggregateSelector> selectors) {
    long[] all = new long[0];
    int n = 0;
    Set<StreamKey> seen = new HashSet<>();
    for (AggregateSelector s : selectors) {
      var exact = (AggregateSelector.Exact) s;
      StreamKey key = new StreamKey(exact.name(), exact.id());
      AggregateStream stream = streams.get(key);
      if (stream == null || !seen.add(key)) {
        continue;
      }
      int count = stream.count;
      long[] p = stream.positions;
      all = Arrays.copyOf(all, n + count);
      System.arraycopy(p, 0, all, n, count);
      n += count;
    }
    if (seen.size() > 1) {
      Arrays.sort(all);
    }
    return all;
  }

  /** Walks positions (or an index range) lazily, skipping deleted and non-matching events. */
  private static final class Scan extends Spliterators.AbstractSpliterator<Event<?>> {
    private final @Nullable Event<?>[] arr;
    private final long @Nullable [] positions;
    private final int end;
    private final EventQuery query;
    private int next;

    Scan(@Nullable Event<?>[] arr, long @Nullable [] positions, int end, int from, EventQuery query) {
      super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
      this.arr = arr;
      this.positions = positions;
      this.end = end;
      this.next = from;
      this.query = query;
    }

    @Override
    public boolean tryAdvance(Consumer<? super Event<?>> action) {
      while (next < end) {
        int index = positions == null ? next : (int) (positions[next] - 1);
        next++;
        Event<?> e = index < arr.length ? arr[index] : null;
        if (e != null && query.matches(e)) {
          action.accept(e);
          return true;
        }
      }
      return false;
    }
  }

  /** Whether the query selects exactly one aggregate, by one or several equal exact selectors. */
  private static boolean isSingleAggregate(EventQuery query) {
    List<AggregateSelector> selectors = query.aggregates();
    if (selectors.isEmpty() || !(selectors.get(0) instanceof AggregateSelector.Exact first)) {
      return false;
    }
    for (int i = 1; i < selectors.size(); i++) {
      if (!first.equals(selectors.get(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code sort} orders the events of one aggregate as position order does: within one
   * aggregate the name and id are constant and versions rise with positions.
   */
  private static boolean isVersionOrder(List<SortOrder> sort) {
    for (SortOrder o : sort) {
      switch (o.field()) {
        case AGGREGATE_NAME, AGGREGATE_ID -> {
          // constant within one aggregate: does not order
        }
        case AGGREGATE_VERSION, POSITION -> {
          return !o.descending();
        }
        default -> {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean isPositionOrder(List<SortOrder> sort) {
    return sort.isEmpty() || (sort.get(0).field() == SortField.POSITION && !sort.get(0).descending());
  }

  private static Comparator<Event<?>> comparator(List<SortOrder> sort) {
    Comparator<Event<?>> c = null;
    for (SortOrder o : sort) {
      Comparator<Event<?>> key = key(o.field());
      if (o.descending()) {
        key = key.reversed();
      }
      c = c == null ? key : c.thenComparing(key);
    }
    Comparator<Event<?>> byPosition = Comparator.comparingLong(Event::position);
    return c == null ? byPosition : c.thenComparing(byPosition);
  }

  private static Comparator<Event<?>> key(SortField field) {
    return switch (field) {
      case POSITION -> Comparator.comparingLong(Event::position);
      case TIME -> Comparator.comparing(Event::time);
      case NAME -> Comparator.comparing(Event::name);
      case AGGREGATE_NAME ->
          Comparator.comparing(e -> refOf(e) == null ? "" : refOf(e).name());
      case AGGREGATE_ID -> (a, b) -> compareUnsigned(refOf(a), refOf(b));
      case AGGREGATE_VERSION -> Comparator.comparingInt(e -> refOf(e) == null ? 0 : refOf(e).version());
    };
  }

  /** Orders ids as their 16 bytes compare, as PostgreSQL and MongoDB do; no aggregate first. */
  private static int compareUnsigned(@Nullable AggregateRef a, @Nullable AggregateRef b) {
    if (a == null || b == null) {
      return a == null ? (b == null ? 0 : -1) : 1;
    }
    int c = Long.compareUnsigned(a.id().getMostSignificantBits(), b.id().getMostSignificantBits());
    return c != 0 ? c : Long.compareUnsigned(a.id().getLeastSignificantBits(), b.id().getLeastSignificantBits());
  }

  private static @Nullable AggregateRef refOf(Event<?> e) {
    return e.aggregateOrNull();
  }

  @Override
  public void delete(List<? extends Event<?>> events) {
    ensureOpen();
    writeLock.lock();
    try {
      ensureOpen();
      Set<StreamKey> touched = new HashSet<>();
      @Nullable Event<?>[] arr = log;
      for (Event<?> e : events) {
        Event<?> stored = lookup(e.id());
        if (stored == null) {
          continue;
        }
        byId.remove(e.id());
        arr[(int) stored.position() - 1] = null;
        AggregateRef ref = stored.aggregateOrNull();
        if (ref != null) {
          touched.add(new StreamKey(ref.name(), ref.id()));
        }
      }
      touched.forEach(key -> rebuildStream(key, arr));
    } finally {
      writeLock.unlock();
    }
  }

  /** Replaces a stream after deletions, so its version is the highest one left. */
  private void rebuildStream(StreamKey key, @Nullable Event<?>[] arr) {
    AggregateStream old = streams.get(key);
    if (old == null) {
      return;
    }
    var fresh = new AggregateStream(old.count);
    for (int i = 0; i < old.count; i++) {
      Event<?> e = arr[(int) old.positions[i] - 1];
      if (e != null) {
        fresh.append(old.positions[i], e.aggregateOrNull().version());
      }
    }
    if (fresh.count == 0) {
      streams.remove(key);
    } else {
      streams.put(key, fresh);
    }
  }

  @Override
  public long lastPosition() {
    ensureOpen();
    return size;
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
