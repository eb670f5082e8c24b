package dev.fabula.repository;

import dev.fabula.RetryPolicy;
import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.aggregate.Snapshotting;
import dev.fabula.event.ConcurrencyException;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Metadata;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotQuery;
import dev.fabula.snapshot.SnapshotSchedule;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.spi.AggregateAccess;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Saves aggregates of one type: inserts their changes (retrying a {@code use} on a conflict as the
 * retry policy allows) and keeps the state cache and the snapshots in step with what was stored.
 *
 * <p>The cache is read only by {@code use} ({@link #forUse}); it is updated by every successful
 * insert and loses an aggregate that was deleted, soft-deleted or hit by a conflict. A snapshot
 * is taken when the schedule says so; one that fails is logged, never fatal, because the events
 * are stored already.
 *
 * @param <A> the aggregate type
 */
final class Saver<A extends AggregateRoot> {
  private static final System.Logger LOG = System.getLogger(Saver.class.getName());
  private static final AggregateAccess<AggregateRoot> ACCESS = AggregateAccess.get(AggregateRoot.class);

  private final Loader<A> loader;
  private final EventStore store;
  private final RetryPolicy retry;
  private final @Nullable SnapshotStore snapshots;
  private final SnapshotSchedule schedule;
  private final @Nullable StateCache cache;
  private final String aggregateName;

  Saver(Repository.Builder<A> b, Loader<A> loader) {
    this.loader = loader;
    store = b.store;
    retry = b.retry;
    snapshots = b.snapshots;
    schedule = b.schedule;
    cache = b.cacheSize == 0 ? null : new StateCache(b.cacheSize);
    aggregateName = loader.aggregateName();
  }

  /** Whether states are cached (then queued uses of one aggregate may share a save). */
  boolean caches() {
    return cache != null;
  }

  /** Stores the aggregate's changes with {@code metadata} and marks them committed. */
  void save(A aggregate, Metadata metadata) {
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
  static List<Event<?>> withMetadata(List<Event<?>> changes, Metadata metadata) {
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
  void insert(UUID id, List<Event<?>> events) {
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
  void committed(UUID id, int previous, @Nullable Snapshot state) {
    if (cache != null) {
      remember(cache, id, state);
    }
    if (state != null && snapshots != null && schedule.shouldSnapshot(previous, state.version())) {
      takeSnapshot(snapshots, state);
    }
  }

  /** The aggregate's committed state as a snapshot; null when it cannot give one. */
  @Nullable Snapshot stateOf(A aggregate) {
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

  /**
   * What {@code use} starts from: the cached state when there is one (a fresh aggregate restored
   * from it, so nothing mutable is shared), otherwise the store, whose result is then cached.
   */
  A forUse(UUID id) {
    if (cache == null) {
      return loader.fetch(id);
    }
    Snapshot cached = cache.get(id);
    if (cached != null) {
      A aggregate = loader.restored(id, cached);
      if (aggregate != null) {
        return aggregate;
      }
      cache.remove(id);
    }
    A loaded = loader.fetch(id);
    if (loaded.version() > 0) {
      remember(cache, id, stateOf(loaded));
    }
    return loaded;
  }

  /** Fetch, act, save; again on a conflict as the retry policy allows. */
  A fetchActSave(UUID id, Metadata metadata, Consumer<? super A> action) {
    for (int attempt = 1; ; attempt++) {
      A aggregate = forUse(id);
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
  void pauseOrThrow(int attempt, ConcurrencyException e) {
    if (attempt >= retry.maxAttempts()) {
      throw e;
    }
    retry.pause(attempt);
  }

  /** Deletes every event and snapshot of the aggregate, and forgets its cached state. */
  void delete(UUID id) {
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

  private static void takeSnapshot(SnapshotStore snapshots, Snapshot state) {
    try {
      snapshots.save(state);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "could not snapshot " + state.aggregateName() + " "
          + state.aggregateId() + " v" + state.version() + ": " + e, e);
    }
  }

  /** Caches the state of a committed aggregate; a null state is forgotten instead. */
  private static void remember(StateCache cache, UUID id, @Nullable Snapshot state) {
    if (state == null) {
      cache.remove(id);
    } else {
      cache.put(state);
    }
  }
}
