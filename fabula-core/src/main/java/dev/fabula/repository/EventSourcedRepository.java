package dev.fabula.repository;

import dev.fabula.FabulaException;
import dev.fabula.RetryPolicy;
import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.aggregate.Snapshotting;
import dev.fabula.aggregate.SoftDeleted;
import dev.fabula.aggregate.SoftRestored;
import dev.fabula.event.AggregateRef;
import dev.fabula.event.AggregateSelector;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.InvalidQueryException;
import dev.fabula.event.Metadata;
import dev.fabula.event.Range;
import dev.fabula.event.SortField;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotQuery;
import dev.fabula.snapshot.SnapshotSchedule;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.spi.AggregateAccess;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/** The {@link Repository} over any {@link EventStore}. */
final class EventSourcedRepository<A extends AggregateRoot> implements Repository<A> {
  private static final System.Logger LOG = System.getLogger(EventSourcedRepository.class.getName());
  private static final AggregateAccess<AggregateRoot> ACCESS =
      AggregateAccess.get(AggregateRoot.class);

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
    Objects.requireNonNull(aggregate, "aggregate");
    Objects.requireNonNull(metadata, "metadata");
    List<Event<?>> changes = aggregate.changes();
    if (changes.isEmpty()) {
      return;
    }
    int previous = aggregate.committedVersion();
    insert(aggregate.id(), withMetadata(changes, metadata));
    ACCESS.markCommitted(aggregate); // clears the live changes view
    boolean snapshotDue =
        snapshots != null
            && !aggregate.isDeleted() // a snapshot does not carry the deletion mark: replay it
            && schedule.shouldSnapshot(previous, aggregate.version());
    if (cache != null || snapshotDue) {
      committed(aggregate.id(), previous, aggregate.isDeleted() ? null : stateOf(aggregate));
    }
  }

  /** {@code changes} with {@code metadata} merged into each event's own. */
  private static List<Event<?>> withMetadata(List<Event<?>> changes, Metadata metadata) {
    if (metadata.isEmpty()) {
      return changes;
    }
    List<Event<?>> merged = new ArrayList<>(changes.size());
    for (Event<?> e : changes) {
      merged.add(e.withMetadata(e.metadata().merge(metadata)));
    }
    return merged;
  }

  /** Stores {@code events}; a conflict also drops the cached state, which another writer outdated. */
  private void insert(UUID id, List<Event<?>> events) {
    try {
      store.insert(events);
    } catch (ConcurrencyException e) {
      if (cache != null) {
        cache.remove(id);
      }
      throw e;
    }
  }

  /**
   * Keeps the state an insert moved the aggregate to from {@code previous}: in the cache, and as
   * a snapshot when one is due. A null state (deleted, or not capturable) is dropped from the
   * cache and not snapshotted (a snapshot does not carry the deletion mark: replay it).
   */
  private void committed(UUID id, int previous, @Nullable Snapshot state) {
    if (cache != null) {
      remember(id, state);
    }
    if (state != null && snapshots != null && schedule.shouldSnapshot(previous, state.version())) {
      takeSnapshot(state);
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

  private void takeSnapshot(Snapshot state) {
    try {
      snapshots.save(state);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "could not snapshot " + state.aggregateName() + " "
          + state.aggregateId() + " v" + state.version() + ": " + e, e);
    }
  }

  /** Caches the state of a committed aggregate; a null state is forgotten instead. */
  private void remember(UUID id, @Nullable Snapshot state) {
    if (state == null) {
      cache.remove(id);
    } else {
      cache.put(state);
    }
  }

  @Override
  public A fetch(UUID id) {
    Objects.requireNonNull(id, "id");
    A aggregate = load(id, Integer.MAX_VALUE);
    if (aggregate.isDeleted()) {
      throw new AggregateDeletedException(aggregateName, id);
    }
    return aggregate;
  }

  @Override
  public A fetchIncludingDeleted(UUID id) {
    Objects.requireNonNull(id, "id");
    return load(id, Integer.MAX_VALUE);
  }

  @Override
  public A fetchVersion(UUID id, int version) {
    Objects.requireNonNull(id, "id");
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
      A aggregate = restored(id, cached);
      if (aggregate != null) {
        return aggregate;
      }
      cache.remove(id);
    }
    A loaded = fetch(id);
    if (loaded.version() > 0) {
      remember(id, stateOf(loaded));
    }
    return loaded;
  }

  /** A fresh aggregate restored from {@code state}; null (logged) when the restore throws. */
  private @Nullable A restored(UUID id, Snapshot state) {
    A aggregate = newAggregate(id);
    try {
      restoreState(aggregate, state);
      return aggregate;
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "could not restore " + aggregate + " from its state in memory: " + e);
      return null;
    }
  }

  @Override
  public A use(UUID id, Metadata metadata, Consumer<? super A> action) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(action, "action");
    if (turns == null) {
      return fetchActSave(id, metadata, action);
    }
    Turns.Turn turn = turns.enter(id);
    try {
      return cache != null && turn.held()
          ? actAndShareSave(turn, id, metadata, action)
          : fetchActSave(id, metadata, action);
    } finally {
      turns.leave(id, turn);
    }
  }

  /**
   * {@code use} holding the turn, with a cache (ADR 0009). Acts on the state the uses before it
   * left in the open {@link SharedSave} (or on the cached or fetched state when none is open).
   * With no save open and nobody queued, it saves on its own; otherwise it joins the open save, or
   * opens one. When other uses are queued for the turn, it gives the turn to them and waits:
   * they act and join too, and the last to join inserts every joined use's events at once. Each
   * returns that insert's outcome; a conflict is retried as the retry policy allows, like {@link
   * #fetchActSave}.
   */
  private A actAndShareSave(Turns.Turn turn, UUID id, Metadata metadata, Consumer<? super A> action) {
    for (int attempt = 1; ; attempt++) {
      SharedSave shared = turn.shared;
      A aggregate;
      try {
        Snapshot before = shared == null ? null : shared.state;
        aggregate = before == null ? null : restored(id, before);
        if (aggregate == null) {
          if (shared != null) { // its state does not restore: save what it holds, start afresh
            saveShared(turn, id, shared);
            shared = null;
          }
          aggregate = fetchForUse(id);
        }
        action.accept(aggregate);
      } catch (RuntimeException | Error e) {
        saveUnlessOthersQueued(turn, id); // the uses that joined must not wait for this one
        throw e;
      }
      boolean movedOn = turn.shared != shared || (shared != null && shared.saved);
      if (movedOn || (shared == null && !turn.othersQueued())) {
        // Nobody to share a save with, or a nested use of this aggregate on this thread moved
        // it on while this action ran: a plain save, whose version check decides.
        try {
          save(aggregate, metadata);
          return aggregate;
        } catch (ConcurrencyException e) {
          pauseOrThrow(attempt, e);
          continue;
        }
      }
      List<Event<?>> changes = aggregate.changes();
      if (shared == null) {
        if (changes.isEmpty()) {
          return aggregate;
        }
        shared = new SharedSave(aggregate.committedVersion());
        turn.shared = shared;
      }
      if (!changes.isEmpty()) {
        shared.join(withMetadata(changes, metadata), aggregate.isDeleted() ? null : stateOf(aggregate));
      }
      if (!shared.sealed && turn.othersQueued() && !turn.nested()) {
        turn.lock.unlock(); // the queued uses act and join; the last of them saves
        awaitSaved(turn, id, shared);
      } else {
        saveShared(turn, id, shared);
      }
      RuntimeException failure = shared.failure;
      if (failure == null) {
        ACCESS.markCommitted(aggregate);
        return aggregate;
      }
      if (!(failure instanceof ConcurrencyException conflict)) {
        throw failure;
      }
      pauseOrThrow(attempt, conflict);
      if (!turn.held()) {
        turn.lock.lock();
      }
    }
  }

  /** Saves the open shared save (holding the turn) unless queued uses will join and save it. */
  private void saveUnlessOthersQueued(Turns.Turn turn, UUID id) {
    SharedSave open = turn.shared;
    if (open != null && turn.held() && !turn.othersQueued()) {
      saveShared(turn, id, open);
    }
  }

  /**
   * Waits, without the turn, until {@code shared} is saved. Should the uses it waited for stop
   * coming (a queued caller gave up its wait), it takes the turn back and saves it itself.
   */
  private void awaitSaved(Turns.Turn turn, UUID id, SharedSave shared) {
    boolean interrupted = false;
    while (true) {
      try {
        if (shared.done.await(SharedSave.CHECK_EVERY.toNanos(), TimeUnit.NANOSECONDS)) {
          break;
        }
      } catch (InterruptedException e) {
        interrupted = true; // its events are in the save: it must still see the outcome
        continue;
      }
      if (turn.lock.tryLock()) {
        try {
          if (!shared.saved) {
            saveShared(turn, id, shared);
          }
        } finally {
          turn.lock.unlock();
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Inserts the events of a shared save (holding its turn) and records how that went. */
  private void saveShared(Turns.Turn turn, UUID id, SharedSave shared) {
    turn.shared = null;
    shared.saved = true;
    try {
      if (!shared.events.isEmpty()) {
        insert(id, shared.events);
      }
    } catch (RuntimeException e) {
      shared.failure = e;
      return;
    } catch (Error e) {
      shared.failure = new FabulaException("the shared save of " + aggregateName + " " + id + " failed", e);
      throw e;
    } finally {
      shared.done.countDown();
    }
    if (!shared.events.isEmpty()) {
      committed(id, shared.baseVersion, shared.state);
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
        pauseOrThrow(attempt, e);
      }
    }
  }

  /** After a conflict on {@code attempt}: the retry policy's pause, or {@code e} when it allows no more. */
  private void pauseOrThrow(int attempt, ConcurrencyException e) {
    if (attempt >= retry.maxAttempts()) {
      throw e;
    }
    retry.pause(attempt);
  }

  @Override
  public Stream<History> query(EventQuery query) {
    return query(query, false);
  }

  @Override
  public Stream<History> queryIncludingDeleted(EventQuery query) {
    return query(query, true);
  }

  /**
   * Goes' aggregate query: this repository's aggregates, narrowed by the query's filters, each
   * returned with its whole history up to the version cap the query's version filters give. The
   * store is read once, sorted by aggregate id and version and restricted to this aggregate type
   * (and to the selected ids, and the cap, where the query gives them); a history is kept when at
   * least one of its events matches the query.
   */
  private Stream<History> query(EventQuery query, boolean includingDeleted) {
    Objects.requireNonNull(query, "query");
    if (!query.sort().isEmpty()) {
      throw new InvalidQueryException(
          "repository queries return histories grouped by aggregate; remove the sort keys " + query.sort());
    }
    refuseOtherAggregateTypes(query);
    Set<UUID> ids = selectedIds(query);
    int cap = versionCap(query);
    if ((ids != null && ids.isEmpty()) || cap < 1) {
      return Stream.empty();
    }
    var read = EventQuery.builder();
    if (ids == null) {
      read.aggregate(aggregateName);
    } else {
      ids.forEach(id -> read.aggregate(aggregateName, id));
    }
    if (cap != Integer.MAX_VALUE) {
      read.versionMax(cap);
    }
    Stream<Event<?>> events =
        store.query(read.sortBy(SortField.AGGREGATE_ID).sortBy(SortField.AGGREGATE_VERSION).build());
    Iterator<History> histories = new GroupingIterator(events.iterator());
    Stream<History> result =
        StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(histories, Spliterator.ORDERED | Spliterator.NONNULL),
                false)
            .onClose(events::close)
            .filter(h -> anyMatches(query, h) && (includingDeleted || !endsDeleted(h)));
    return query.limit().isPresent() ? result.limit(query.limit().getAsInt()) : result;
  }

  /** A name of another aggregate type in a query of this repository is a mistake: refused. */
  private void refuseOtherAggregateTypes(EventQuery query) {
    for (String name : query.aggregateNames()) {
      if (!name.equals(aggregateName)) {
        throw new InvalidQueryException(
            "the repository of " + aggregateName + " aggregates cannot select aggregates named "
                + name + " (aggregateNames)");
      }
    }
    for (AggregateSelector s : query.aggregates()) {
      if (!s.name().equals(aggregateName)) {
        throw new InvalidQueryException(
            "the repository of " + aggregateName + " aggregates cannot select aggregates named "
                + s.name() + " (aggregate selector " + s + ")");
      }
    }
  }

  /**
   * The ids the query's aggregate ids and selectors allow (both when both are given); {@code
   * null} when they allow every id.
   */
  private static @Nullable Set<UUID> selectedIds(EventQuery query) {
    Set<UUID> fromSelectors = null;
    boolean anyId = false;
    for (AggregateSelector s : query.aggregates()) {
      if (s instanceof AggregateSelector.Exact exact) {
        if (fromSelectors == null) {
          fromSelectors = new LinkedHashSet<>();
        }
        fromSelectors.add(exact.id());
      } else {
        anyId = true;
      }
    }
    if (anyId) {
      fromSelectors = null;
    }
    Set<UUID> fromIds = query.aggregateIds().isEmpty() ? null : query.aggregateIds();
    if (fromSelectors == null) {
      return fromIds;
    }
    if (fromIds != null) {
      fromSelectors.retainAll(fromIds);
    }
    return fromSelectors;
  }

  /**
   * The highest version the query's version filters let through (as goes turns version filters
   * into caps): the greatest exact version, the greatest range end, the maximum, whichever of
   * them are given, the lowest of those; {@link Integer#MAX_VALUE} when none is.
   */
  private static int versionCap(EventQuery query) {
    int cap = Integer.MAX_VALUE;
    if (!query.versionExact().isEmpty()) {
      cap = Math.min(cap, Collections.max(query.versionExact()));
    }
    if (!query.versionRanges().isEmpty()) {
      int highest = Integer.MIN_VALUE;
      for (Range<Integer> r : query.versionRanges()) {
        highest = Math.max(highest, r.to());
      }
      cap = Math.min(cap, highest);
    }
    if (query.versionMax().isPresent()) {
      cap = Math.min(cap, query.versionMax().getAsInt());
    }
    return cap;
  }

  private static boolean anyMatches(EventQuery query, History history) {
    for (Event<?> e : history.events()) {
      if (query.matches(e)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the history's last deletion marker is a soft deletion, as replaying it would say. */
  private static boolean endsDeleted(History history) {
    boolean deleted = false;
    for (Event<?> e : history.events()) {
      if (e.data() instanceof SoftDeleted) {
        deleted = true;
      } else if (e.data() instanceof SoftRestored) {
        deleted = false;
      }
    }
    return deleted;
  }

  @Override
  public A rebuild(History history) {
    Objects.requireNonNull(history, "history");
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
    Objects.requireNonNull(id, "id");
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
