package dev.fabula.repository;

import dev.fabula.RetryPolicy;
import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.aggregate.Snapshotting;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Metadata;
import dev.fabula.event.SortField;
import dev.fabula.aggregate.internal.AggregateAccess;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotQuery;
import dev.fabula.snapshot.SnapshotSchedule;
import dev.fabula.snapshot.SnapshotStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/** The {@link Repository} over any {@link EventStore}. */
final class EventSourcedRepository<A extends AggregateRoot> implements Repository<A> {
  private static final System.Logger LOG = System.getLogger(EventSourcedRepository.class.getName());
  private static final AggregateAccess ACCESS = AggregateAccess.get();

  private final EventStore store;
  private final Function<UUID, A> factory;
  private final RetryPolicy retry;
  private final @Nullable SnapshotStore snapshots;
  private final SnapshotSchedule schedule;
  private final String aggregateName;
  private final @Nullable StateCache cache;
  private final @Nullable Turns turns;

  EventSourcedRepository(Repository.Builder<A> b) {
    store = b.store;
    factory = b.factory;
    retry = b.retry;
    snapshots = b.snapshots;
    schedule = b.schedule;
    cache = b.cacheSize == 0 ? null : new StateCache(b.cacheSize);
    turns = b.takeTurns ? new Turns() : null;
    A probe = newAggregate(new UUID(0, 0));
    aggregateName = probe.name();
    if (!(probe instanceof Snapshotting<?>)) {
      if (snapshots != null) {
        throw new IllegalStateException(
            probe.getClass().getName() + " must implement Snapshotting to be used with snapshots");
      }
      if (cache != null) {
        throw new IllegalStateException(
            probe.getClass().getName() + " must implement Snapshotting to be cached");
      }
    }
  }

  @Override
  public String aggregateName() {
    return aggregateName;
  }

  @Override
  public void save(A aggregate, Metadata metadata) {
    List<Event<?>> changes = aggregate.changes();
    if (changes.isEmpty()) {
      return;
    }
    List<Event<?>> toStore = changes;
    if (!metadata.isEmpty()) {
      toStore = new ArrayList<>(changes.size());
      for (Event<?> e : changes) {
        toStore.add(e.withMetadata(e.metadata().merge(metadata)));
      }
    }
    int previous = aggregate.committedVersion();
    try {
      store.insert(toStore);
    } catch (ConcurrencyException e) {
      if (cache != null) {
        cache.remove(aggregate.id()); // another writer moved on: the cached state is stale
      }
      throw e;
    }
    ACCESS.markCommitted(aggregate); // clears the live changes view
    boolean snapshotDue =
        snapshots != null
            && !aggregate.isDeleted() // a snapshot does not carry the deletion mark: replay it
            && schedule.shouldSnapshot(previous, aggregate.version());
    if (cache != null || snapshotDue) {
      Snapshot state = stateOf(aggregate);
      if (cache != null) {
        remember(aggregate, state);
      }
      if (snapshotDue) {
        takeSnapshot(state);
      }
    }
  }

  /** The aggregate's committed state as a snapshot; null when it cannot give one. */
  private @Nullable Snapshot stateOf(A aggregate) {
    try {
      Object state = ((Snapshotting<?>) aggregate).snapshotState();
      return new Snapshot(
          aggregateName, aggregate.id(), aggregate.version(), ACCESS.lastEventTime(aggregate), state);
    } catch (RuntimeException e) {
      // The events are committed; a missing snapshot only costs replay time later.
      LOG.log(System.Logger.Level.WARNING, "could not capture the state of " + aggregate + ": " + e, e);
      return null;
    }
  }

  private void takeSnapshot(@Nullable Snapshot state) {
    if (state == null) {
      return;
    }
    try {
      snapshots.save(state);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "could not snapshot " + state.aggregateName() + " "
          + state.aggregateId() + " v" + state.version() + ": " + e, e);
    }
  }

  /** Caches the state of a committed aggregate; a deleted one is forgotten instead. */
  private void remember(A aggregate, @Nullable Snapshot state) {
    if (state == null || aggregate.isDeleted()) {
      cache.remove(aggregate.id());
    } else {
      cache.put(state);
    }
  }

  @Override
  public A fetch(UUID id) {
    A aggregate = load(id, Integer.MAX_VALUE);
    if (aggregate.isDeleted()) {
      throw new AggregateDeletedException(aggregateName, id);
    }
    return aggregate;
  }

  @Override
  public A fetchIncludingDeleted(UUID id) {
    return load(id, Integer.MAX_VALUE);
  }

  @Override
  public A fetchVersion(UUID id, int version) {
    if (version < 1) {
      throw new IllegalArgumentException("version must be at least 1, got " + version);
    }
    A aggregate = load(id, version);
    if (aggregate.version() < version) {
      throw new VersionNotFoundException(aggregateName, id, version, aggregate.version());
    }
    return aggregate;
  }

  private A load(UUID id, int maxVersion) {
    A aggregate = newAggregate(id);
    if (snapshots != null && restoreSnapshot(aggregate, maxVersion)) {
      try {
        replay(aggregate, maxVersion);
        return aggregate;
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "replay after snapshot of " + aggregate + " failed; replaying from the start", e);
        aggregate = newAggregate(id);
      }
    }
    replay(aggregate, maxVersion);
    return aggregate;
  }

  private boolean restoreSnapshot(A aggregate, int maxVersion) {
    UUID id = aggregate.id();
    try {
      Optional<Snapshot> snapshot =
          maxVersion == Integer.MAX_VALUE
              ? snapshots.latest(aggregateName, id)
              : snapshots.limit(aggregateName, id, maxVersion);
      if (snapshot.isEmpty()) {
        return false;
      }
      restoreState(aggregate, snapshot.get());
      return true;
    } catch (RuntimeException e) {
      // A snapshot is an optimisation: one that no longer decodes is ignored, never fatal.
      LOG.log(System.Logger.Level.WARNING, "ignoring the snapshot of " + aggregateName + " " + id + ": " + e);
      return false;
    }
  }

  @SuppressWarnings("unchecked")
  private void restoreState(A aggregate, Snapshot snapshot) {
    ((Snapshotting<Object>) aggregate).restoreSnapshotState(snapshot.state());
    ACCESS.restoredAt(aggregate, snapshot.version(), snapshot.time());
  }

  private void replay(A aggregate, int maxVersion) {
    var q = EventQuery.builder().aggregate(aggregateName, aggregate.id());
    if (aggregate.version() > 0) {
      q.versionMin(aggregate.version() + 1);
    }
    if (maxVersion != Integer.MAX_VALUE) {
      q.versionMax(maxVersion);
    }
    try (Stream<Event<?>> events = store.query(q.sortBy(SortField.AGGREGATE_VERSION).build())) {
      aggregate.replay(events::iterator);
    }
  }

  /**
   * What {@code use} starts from: the cached state when there is one (a fresh aggregate restored
   * from it, so nothing mutable is shared), otherwise the store, whose result is then cached.
   */
  private A fetchForUse(UUID id) {
    if (cache == null) {
      return fetch(id);
    }
    Snapshot cached = cache.get(id);
    if (cached != null) {
      A aggregate = newAggregate(id);
      try {
        restoreState(aggregate, cached);
        return aggregate;
      } catch (RuntimeException e) {
        cache.remove(id);
        LOG.log(System.Logger.Level.WARNING, "dropping the cached state of " + aggregate + ": " + e);
      }
    }
    A loaded = fetch(id);
    if (loaded.version() > 0) {
      remember(loaded, stateOf(loaded));
    }
    return loaded;
  }

  @Override
  public A use(UUID id, Metadata metadata, Consumer<? super A> action) {
    if (turns == null) {
      return fetchActSave(id, metadata, action);
    }
    Turns.Turn turn = turns.enter(id);
    try {
      return fetchActSave(id, metadata, action);
    } finally {
      turns.leave(id, turn);
    }
  }

  /** Fetch, act, save; again on a conflict as the retry policy allows. */
  private A fetchActSave(UUID id, Metadata metadata, Consumer<? super A> action) {
    for (int attempt = 1; ; attempt++) {
      A aggregate = fetchForUse(id);
      action.accept(aggregate);
      try {
        save(aggregate, metadata);
        return aggregate;
      } catch (ConcurrencyException e) {
        if (attempt >= retry.maxAttempts()) {
          throw e;
        }
        retry.pause(attempt);
      }
    }
  }

  @Override
  public Stream<History> query(EventQuery query) {
    if (!query.sort().isEmpty()) {
      throw new IllegalArgumentException(
          "repository queries are grouped by aggregate; remove the sort keys " + query.sort());
    }
    EventQuery grouped =
        query.toBuilder()
            .aggregate(aggregateName)
            .sortBy(SortField.AGGREGATE_ID)
            .sortBy(SortField.AGGREGATE_VERSION)
            .build();
    Stream<Event<?>> events = store.query(grouped);
    Iterator<History> histories = new GroupingIterator(events.iterator());
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(histories, Spliterator.ORDERED | Spliterator.NONNULL),
            false)
        .onClose(events::close);
  }

  @Override
  public A rebuild(History history) {
    if (!history.aggregateName().equals(aggregateName)) {
      throw new IllegalArgumentException(
          "history of " + history.aggregateName() + " given to the repository of " + aggregateName);
    }
    A aggregate = newAggregate(history.aggregateId());
    aggregate.replay(history.events());
    return aggregate;
  }

  @Override
  public void delete(UUID id) {
    List<Event<?>> events;
    try (Stream<Event<?>> s = store.query(EventQuery.builder().aggregate(aggregateName, id).build())) {
      events = s.toList();
    }
    store.delete(events);
    if (snapshots != null) {
      List<Snapshot> stored;
      try (Stream<Snapshot> s =
          snapshots.query(
              SnapshotQuery.builder().aggregateNames(aggregateName).aggregateIds(id).build())) {
        stored = s.toList();
      }
      snapshots.delete(stored);
    }
    if (cache != null) {
      cache.remove(id);
    }
  }

  private A newAggregate(UUID id) {
    A aggregate = factory.apply(id);
    if (!aggregate.id().equals(id)) {
      throw new IllegalStateException(
          "the aggregate factory returned id " + aggregate.id() + " when asked for " + id);
    }
    if (aggregate.version() != 0 || !aggregate.changes().isEmpty()) {
      throw new IllegalStateException("the aggregate factory must return a fresh aggregate");
    }
    return aggregate;
  }

  /** Groups an event stream sorted by aggregate id and version into one history per aggregate. */
  private final class GroupingIterator implements Iterator<History> {
    private final Iterator<Event<?>> events;
    private @Nullable Event<?> pending;

    GroupingIterator(Iterator<Event<?>> events) {
      this.events = events;
      pending = events.hasNext() ? events.next() : null;
    }

    @Override
    public boolean hasNext() {
      return pending != null;
    }

    @Override
    public History next() {
      Event<?> first = pending;
      if (first == null) {
        throw new NoSuchElementException();
      }
      AggregateRef ref = first.aggregateOrNull();
      UUID id = ref == null ? new UUID(0, 0) : ref.id();
      List<Event<?>> batch = new ArrayList<>();
      batch.add(first);
      pending = null;
      while (events.hasNext()) {
        Event<?> e = events.next();
        AggregateRef r = e.aggregateOrNull();
        if (r != null && r.id().equals(id)) {
          batch.add(e);
        } else {
          pending = e;
          break;
        }
      }
      return new History(aggregateName, id, batch);
    }
  }
}
