package dev.fabula.memory;

import dev.fabula.ClosedException;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.AggregateSelector;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.DuplicateEventException;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.InsertNotifying;
import dev.fabula.event.InvalidBatchException;
import dev.fabula.event.Metadata;
import dev.fabula.event.SortField;
import dev.fabula.event.SortOrder;
import dev.fabula.event.Subscription;
import dev.fabula.spi.Arguments;
import dev.fabula.spi.EventLimits;
import dev.fabula.spi.InsertListeners;
import java.time.Instant;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.RandomAccess;
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
 * <p>Events are kept column by column in fixed-size {@link Chunk chunks} indexed by position - 1,
 * not as {@link Event} objects: a stored event costs its data object and a few array slots, so
 * the garbage collector has one object per event to copy instead of five (event, id, time,
 * aggregate reference, data). The first read of an event builds the {@code Event} and keeps it
 * for later reads (replays, loads), so what is read again costs no allocation. Writers append
 * under a lock; readers never lock: they read {@code size} (volatile) and then the chunks, so they
 * see a prefix that is complete. Each aggregate keeps the positions of its events, so loading one
 * aggregate touches only its own events. Positions are assigned under the lock in commit order,
 * so a catch-up reader can never miss a late commit.
 *
 * <p>Ids are looked up in two places. An event whose id is greater than every id stored before
 * (the usual case: {@link dev.fabula.spi.UuidV7} ids rise with time) cannot be a duplicate, so
 * it is stored without a probe and its position appended to {@code ascending}, a list that is
 * sorted by id because it is sorted by position; {@code find} binary-searches it. Any other id
 * (chosen by the caller, or raced past by another thread's newer one) is checked against both
 * and kept in the hash {@link IdIndex}.
 */
final class MemoryEventStore implements EventStore, InsertNotifying {
  private final InsertListeners insertListeners = new InsertListeners();
  private static final int CHUNK_BITS = 12;
  /** Events per chunk: small enough that a chunk's arrays are ordinary (not humongous) objects. */
  private static final int CHUNK_SIZE = 1 << CHUNK_BITS;
  private static final int CHUNK_MASK = CHUNK_SIZE - 1;
  /** Up to this many events, a batch is checked for repeated ids pairwise instead of with a set. */
  private static final int SMALL_BATCH = 32;

  private final ReentrantLock writeLock = new ReentrantLock();
  private final IdIndex byId = new IdIndex();
  private final Map<StreamKey, AggregateStream> streams = new ConcurrentHashMap<>();
  private volatile Chunk[] chunks = new Chunk[16];
  private volatile int size;
  /** Positions of the events stored with a new greatest id, in position (and so id) order. */
  private volatile int[] ascending = new int[1024];
  private volatile int ascendingCount;
  /** The greatest id stored so far; written under the lock. */
  private final GreatestId greatestId = new GreatestId();
  private volatile boolean closed;

  /** The greatest of the ids it was offered, compared as unsigned 128-bit numbers. */
  private static final class GreatestId {
    private boolean any;
    private long hi;
    private long lo;

    GreatestId copy() {
      GreatestId c = new GreatestId();
      c.any = any;
      c.hi = hi;
      c.lo = lo;
      return c;
    }

    /** Takes the id if it is greater than every id offered before; says whether it was. */
    boolean offer(UUID id) {
      long h = id.getMostSignificantBits();
      long l = id.getLeastSignificantBits();
      if (any && compareIds(h, l, hi, lo) <= 0) {
        return false;
      }
      any = true;
      hi = h;
      lo = l;
      return true;
    }
  }

  /** An aggregate's name and id: the key of its stream, shared by the slots of its events. */
  private record StreamKey(String name, UUID id) {}

  /**
   * The events at {@code CHUNK_SIZE} consecutive positions, one array per field. Slots are
   * written once, before {@code size} publishes them; a delete only clears {@code data}.
   */
  private static final class Chunk {
    final long[] idHi = new long[CHUNK_SIZE];
    final long[] idLo = new long[CHUNK_SIZE];
    final long[] seconds = new long[CHUNK_SIZE];
    final int[] nanos = new int[CHUNK_SIZE];
    final String[] names = new String[CHUNK_SIZE];
    /** The event's data; {@code null} once the event is deleted. */
    final @Nullable Object[] data = new Object[CHUNK_SIZE];
    final Metadata[] metadata = new Metadata[CHUNK_SIZE];
    /** The aggregate, or {@code null} for an event without one. */
    final @Nullable StreamKey[] aggregates = new StreamKey[CHUNK_SIZE];
    final int[] versions = new int[CHUNK_SIZE];
    /**
     * The event as built by its first read, kept for the next ones; {@code null} until then.
     * Readers may race to build it: they build equal, immutable events, and any of them may stay.
     */
    final @Nullable Event<?>[] built = new Event<?>[CHUNK_SIZE];
  }

  /** The positions of one aggregate's events in version order; replaced, never mutated, on delete. */
  private static final class AggregateStream {
    /** The aggregate: the same object as the stream's key in the map, and in every slot of it. */
    private final StreamKey key;
    private int[] positions;
    private volatile int count;
    private int version;
    // Whether the event at index i has version i + 1 (true for every stream built by inserts
    // alone). Only ever turns false, before count publishes the slot that broke it.
    private boolean dense = true;

    AggregateStream(StreamKey key, int capacity) {
      this.key = key;
      positions = new int[Math.max(capacity, 2)];
    }

    void append(int position, int newVersion) {
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
    Arguments.requireNoNulls(events, "events");
    ensureOpen();
    if (events.isEmpty()) {
      return List.of();
    }
    List<Event<?>> stored;
    EventLimits.checkEvents(events); // the limits every store keeps (names, metadata)
    writeLock.lock();
    try {
      ensureOpen();
      validate(events);
      Event<?>[] batch = events.toArray(Event<?>[]::new); // the caller may change its list later
      int first = size + 1;
      int n = size;
      Chunk[] cs = chunksFor(n + batch.length);
      // Batches are usually one aggregate's events: look its stream up once per run of them.
      @Nullable AggregateRef lastRef = null;
      @Nullable StreamKey lastKey = null;
      @Nullable AggregateStream lastStream = null;
      for (int i = 0; i < batch.length; i++) {
        Event<?> e = batch[i];
        int position = n + 1;
        Chunk c = cs[n >>> CHUNK_BITS];
        int slot = n & CHUNK_MASK;
        n++;
        UUID id = e.id();
        Instant time = e.time();
        c.idHi[slot] = id.getMostSignificantBits();
        c.idLo[slot] = id.getLeastSignificantBits();
        c.seconds[slot] = time.getEpochSecond();
        c.nanos[slot] = time.getNano();
        c.names[slot] = e.name();
        c.data[slot] = e.data();
        c.metadata[slot] = e.metadata();
        AggregateRef ref = e.aggregateOrNull();
        if (ref != null) {
          if (lastStream == null || !sameAggregate(ref, lastRef)) {
            int run = runLength(batch, i);
            lastStream = streams.computeIfAbsent(
                new StreamKey(ref.name(), ref.id()), k -> new AggregateStream(k, run));
            lastKey = lastStream.key;
            lastRef = ref;
          }
          c.aggregates[slot] = lastKey;
          c.versions[slot] = ref.version();
        }
        index(id, position);
        if (ref != null) {
          lastStream.append(position, ref.version());
        }
      }
      size = n;
      stored = new Stored(batch, first);
    } finally {
      writeLock.unlock();
    }
    insertListeners.fire(stored);
    return stored;
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

  /** The chunks, grown (and published) to hold {@code capacity} events; under the lock. */
  private Chunk[] chunksFor(int capacity) {
    Chunk[] cs = chunks;
    int needed = (capacity + CHUNK_MASK) >>> CHUNK_BITS;
    if (needed > cs.length) {
      cs = Arrays.copyOf(cs, Math.max(cs.length * 2, needed));
    }
    // Chunks are made in order, so only the last ones can be missing.
    int missing = needed;
    while (missing > 0 && cs[missing - 1] == null) {
      missing--;
    }
    if (missing == needed && cs == chunks) {
      return cs;
    }
    for (int k = missing; k < needed; k++) {
      cs[k] = new Chunk();
    }
    chunks = cs; // published before size, so a reader that sees a position sees its chunk
    return cs;
  }

  /** Records where {@code id} is stored: in the ascending list when it is a new greatest id. */
  private void index(UUID id, int position) {
    if (greatestId.offer(id)) {
      int count = ascendingCount;
      int[] a = ascending;
      if (count == a.length) {
        a = Arrays.copyOf(a, a.length * 2);
        ascending = a;
      }
      a[count] = position;
      ascendingCount = count + 1; // volatile write publishes the entry
    } else {
      byId.put(id, position);
    }
  }

  private static boolean sameAggregate(@Nullable AggregateRef a, @Nullable AggregateRef b) {
    return a != null && b != null && a.id().equals(b.id()) && a.name().equals(b.name());
  }

  /** Orders two ids as unsigned 128-bit numbers, as their 16 bytes compare. */
  private static int compareIds(long hiA, long loA, long hiB, long loB) {
    int c = Long.compareUnsigned(hiA, hiB);
    return c != 0 ? c : Long.compareUnsigned(loA, loB);
  }

  /** Checks ids and versions of the whole batch before anything is written. */
  private void validate(List<? extends Event<?>> events) {
    // An id above every id stored and every earlier id of the batch repeats nothing: only the
    // others are probed. Duplicates among those: pairwise for the usual small batch (no
    // allocation), a set for big ones.
    @Nullable Set<UUID> ids = null;
    GreatestId greatest = greatestId.copy(); // the store's, then the batch's so far
    // Next versions of the batch's other aggregates; only a batch of several aggregates needs it.
    @Nullable Map<StreamKey, Integer> expectedNext = null;
    int index = 0;
    // The previous event's aggregate and its next version, so that a run of one aggregate's
    // events (the usual batch) needs no map lookups; the map holds the others.
    @Nullable AggregateRef lastRef = null;
    int lastNext = 0;
    for (Event<?> e : events) {
      UUID id = e.id();
      if (!greatest.offer(id)) {
        if (ids == null && events.size() > SMALL_BATCH) {
          ids = new HashSet<>(events.size() * 2);
          for (int i = 0; i < index; i++) {
            ids.add(events.get(i).id());
          }
        }
        if ((ids != null ? ids.contains(id) : repeatsEarlier(events, index)) || locate(id) > 0) {
          throw new DuplicateEventException(id);
        }
      }
      if (ids != null) {
        ids.add(id);
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

  /**
   * The position of the live (not deleted) event with this id, or 0. Reads {@code size} first:
   * everything inserted before it is visible, and answers beyond it are unfinished inserts.
   */
  private int locate(UUID id) {
    int end = size;
    Chunk[] cs = chunks;
    long hi = id.getMostSignificantBits();
    long lo = id.getLeastSignificantBits();
    // The hash index may race with a write and return a stale slot: check the id at it.
    int position = byId.get(id);
    if (position >= 1 && position <= end && isLive(cs, position, hi, lo)) {
      return position;
    }
    int count = ascendingCount; // before the array: the array read next holds at least count
    int[] a = ascending;
    int low = 0;
    int high = count - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int p = a[mid];
      if (p > end) { // positions ascend with ids: everything from here on is unfinished
        high = mid - 1;
        continue;
      }
      Chunk c = cs[(p - 1) >>> CHUNK_BITS];
      int slot = (p - 1) & CHUNK_MASK;
      int cmp = compareIds(c.idHi[slot], c.idLo[slot], hi, lo);
      if (cmp == 0) {
        return c.data[slot] != null ? p : 0;
      }
      if (cmp < 0) {
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return 0;
  }

  private static boolean isLive(Chunk[] cs, int position, long hi, long lo) {
    Chunk c = cs[(position - 1) >>> CHUNK_BITS];
    int slot = (position - 1) & CHUNK_MASK;
    return c.idHi[slot] == hi && c.idLo[slot] == lo && c.data[slot] != null;
  }

  /** The event stored at {@code position}, built from its slot; null when it was deleted. */
  private static @Nullable Event<?> eventAt(Chunk[] cs, int position) {
    Chunk c = cs[(position - 1) >>> CHUNK_BITS];
    int slot = (position - 1) & CHUNK_MASK;
    Object data = c.data[slot]; // first: a deleted event is never returned from the cache
    if (data == null) {
      return null;
    }
    Event<?> e = c.built[slot];
    if (e == null) {
      e = build(c, slot, data, position);
      c.built[slot] = e;
    }
    return e;
  }

  /** The event of a slot, from its columns. */
  private static Event<?> build(Chunk c, int slot, Object data, int position) {
    StreamKey key = c.aggregates[slot];
    return Event.of(
        new UUID(c.idHi[slot], c.idLo[slot]),
        c.names[slot],
        Instant.ofEpochSecond(c.seconds[slot], c.nanos[slot]),
        data,
        key == null ? null : new AggregateRef(key.name(), key.id(), c.versions[slot]),
        c.metadata[slot],
        position);
  }

  @Override
  public Optional<Event<?>> find(UUID id) {
    Objects.requireNonNull(id, "id");
    ensureOpen();
    int position = locate(id);
    return position == 0 ? Optional.empty() : Optional.ofNullable(eventAt(chunks, position));
  }

  @Override
  public Stream<Event<?>> query(EventQuery query) {
    Objects.requireNonNull(query, "query");
    ensureOpen();
    EventLimits.checkQuery(query); // the same filters as every store accepts
    int end = size;
    Chunk[] cs = chunks;
    Spliterator<Event<?>> source = plan(query, cs, end);
    Stream<Event<?>> stream = StreamSupport.stream(source, false);
    if (!isPositionOrder(query.sort()) && !(isSingleAggregate(query) && isVersionOrder(query.sort()))) {
      stream = stream.sorted(comparator(query.sort()));
    }
    if (query.limit().isPresent()) {
      stream = stream.limit(query.limit().getAsInt());
    }
    return stream;
  }

  private Spliterator<Event<?>> plan(EventQuery query, Chunk[] cs, int end) {
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
      int[] positions = stream.positions;
      int from = 0;
      int to = count;
      if (stream.dense) {
        long min = query.versionMin().orElse(1);
        long max = query.versionMax().orElse(Integer.MAX_VALUE);
        from = (int) Math.min(Math.max(min - 1, 0), count);
        to = (int) Math.max(Math.min(max, count), from);
        if (onlyAggregateAndVersionBounds(query)) {
          // What a repository loads: the range is exactly the result, nothing left to filter.
          return new Scan(cs, end, positions, to, from, null);
        }
      }
      return new Scan(cs, end, positions, to, from, query);
    }
    if (!selectors.isEmpty() && selectors.stream().allMatch(s -> s instanceof AggregateSelector.Exact)) {
      int[] positions = positionsOf(selectors);
      return new Scan(cs, end, positions, positions.length, 0, query);
    }
    int from = (int) Math.min(query.afterPosition(), end);
    return new Scan(cs, end, null, end, from, query);
  }

  private int[] positionsOf(List<AggregateSelector> selectors) {
    int[] all = new int[0];
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
      int[] p = stream.positions;
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
    private final Chunk[] chunks;
    private final int size;
    private final int @Nullable [] positions;
    private final int end;
    /** The filter, or {@code null} when every event of the range is in the result. */
    private final @Nullable EventQuery query;
    private int next;

    /**
     * Walks {@code positions[from..end)}, or positions {@code from + 1 .. end} when there are no
     * positions, among the first {@code size} of {@code chunks}.
     */
    Scan(Chunk[] chunks, int size, int @Nullable [] positions, int end, int from, @Nullable EventQuery query) {
      super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
      this.chunks = chunks;
      this.size = size;
      this.positions = positions;
      this.end = end;
      this.next = from;
      this.query = query;
    }

    @Override
    public boolean tryAdvance(Consumer<? super Event<?>> action) {
      while (next < end) {
        int position = positions == null ? next + 1 : positions[next];
        next++;
        Event<?> e = position <= size ? eventAt(chunks, position) : null;
        if (e != null && (query == null || query.matches(e))) {
          action.accept(e);
          return true;
        }
      }
      return false;
    }
  }

  /** Whether the query filters by nothing but its aggregate selectors and a version min and max. */
  private static boolean onlyAggregateAndVersionBounds(EventQuery q) {
    return q.names().isEmpty()
        && q.ids().isEmpty()
        && q.timeExact().isEmpty()
        && q.timeRanges().isEmpty()
        && q.timeMin().isEmpty()
        && q.timeMax().isEmpty()
        && q.timeBefore().isEmpty()
        && q.timeAfter().isEmpty()
        && q.aggregateNames().isEmpty()
        && q.aggregateIds().isEmpty()
        && q.versionExact().isEmpty()
        && q.versionRanges().isEmpty()
        && q.afterPosition() == 0;
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
    Arguments.requireNoNulls(events, "events");
    ensureOpen();
    writeLock.lock();
    try {
      ensureOpen();
      Set<StreamKey> touched = new HashSet<>();
      Chunk[] cs = chunks;
      for (Event<?> e : events) {
        int position = locate(e.id());
        if (position == 0) {
          continue;
        }
        byId.remove(e.id());
        Chunk c = cs[(position - 1) >>> CHUNK_BITS];
        int slot = (position - 1) & CHUNK_MASK;
        c.data[slot] = null; // the other fields stay: the ascending list still orders by the id
        c.built[slot] = null;
        StreamKey key = c.aggregates[slot];
        if (key != null) {
          touched.add(key);
        }
      }
      touched.forEach(key -> rebuildStream(key, cs));
    } finally {
      writeLock.unlock();
    }
  }

  /** Replaces a stream after deletions, so its version is the highest one left. */
  private void rebuildStream(StreamKey key, Chunk[] cs) {
    AggregateStream old = streams.get(key);
    if (old == null) {
      return;
    }
    var fresh = new AggregateStream(old.key, old.count);
    for (int i = 0; i < old.count; i++) {
      int position = old.positions[i];
      Chunk c = cs[(position - 1) >>> CHUNK_BITS];
      int slot = (position - 1) & CHUNK_MASK;
      if (c.data[slot] != null) {
        fresh.append(position, c.versions[slot]);
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
