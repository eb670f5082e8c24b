package dev.fabula.repository;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.aggregate.Snapshotting;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.SortField;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.spi.AggregateAccess;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Loads aggregates of one type: restores the latest usable snapshot, if snapshots are configured,
 * and replays the events after it.
 *
 * <p>A snapshot is an optimisation, never what a load rests on: one that does not restore, or
 * whose replay fails, is logged and the aggregate is replayed from its first event instead.
 *
 * @param <A> the aggregate type
 */
final class Loader<A extends AggregateRoot> {
  private static final System.Logger LOG = System.getLogger(Loader.class.getName());
  private static final AggregateAccess<AggregateRoot> ACCESS = AggregateAccess.get(AggregateRoot.class);

  private final EventStore store;
  private final Function<UUID, A> factory;
  private final @Nullable SnapshotStore snapshots;
  private final String aggregateName;

  /** A loader of the aggregates named {@code aggregateName} that the builder's factory creates. */
  Loader(Repository.Builder<A> b, String aggregateName) {
    store = b.store;
    factory = b.factory;
    snapshots = b.snapshots;
    this.aggregateName = aggregateName;
  }

  /** The aggregate at its latest version; fails when it is soft-deleted. */
  A fetch(UUID id) {
    A aggregate = load(id, Integer.MAX_VALUE);
    if (aggregate.isDeleted()) {
      throw new AggregateDeletedException(aggregateName, id);
    }
    return aggregate;
  }

  /** The aggregate at {@code version}; fails when it never reached it. */
  A fetchVersion(UUID id, int version) {
    if (version < 1) {
      throw new IllegalArgumentException("version must be at least 1, got " + version);
    }
    A aggregate = load(id, version);
    if (aggregate.version() < version) {
      throw new VersionNotFoundException(aggregateName, id, version, aggregate.version());
    }
    return aggregate;
  }

  /** The aggregate up to {@code maxVersion} ({@link Integer#MAX_VALUE}: its latest), deleted or not. */
  A load(UUID id, int maxVersion) {
    A aggregate = fresh(id);
    if (snapshots != null && restoreSnapshot(snapshots, aggregate, maxVersion)) {
      try {
        replay(aggregate, maxVersion);
        return aggregate;
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "replay after snapshot of " + aggregate + " failed; replaying from the start", e);
        aggregate = fresh(id);
      }
    }
    replay(aggregate, maxVersion);
    return aggregate;
  }

  /** The aggregate a history returned by a repository query describes. */
  A rebuild(History history) {
    if (!history.aggregateName().equals(aggregateName)) {
      throw new IllegalArgumentException(
          "history of " + history.aggregateName() + " given to the repository of " + aggregateName);
    }
    A aggregate = fresh(history.aggregateId());
    aggregate.replay(history.events());
    return aggregate;
  }

  /** A fresh aggregate restored from {@code state}; null (logged) when the restore throws. */
  @Nullable A restored(UUID id, Snapshot state) {
    A aggregate = fresh(id);
    try {
      restoreState(aggregate, state);
      return aggregate;
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "could not restore " + aggregate + " from its state in memory: " + e);
      return null;
    }
  }

  /** The name of the aggregates this loader loads. */
  String aggregateName() {
    return aggregateName;
  }

  /** A fresh aggregate from the factory, checked to be one. */
  A fresh(UUID id) {
    return fresh(factory, id);
  }

  /** A fresh aggregate from {@code factory}, checked to carry {@code id} and nothing else. */
  static <A extends AggregateRoot> A fresh(Function<UUID, A> factory, UUID id) {
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

  private boolean restoreSnapshot(SnapshotStore snapshots, A aggregate, int maxVersion) {
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
  private static void restoreState(AggregateRoot aggregate, Snapshot snapshot) {
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
}
