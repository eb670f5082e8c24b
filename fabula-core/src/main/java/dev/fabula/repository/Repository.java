package dev.fabula.repository;

import dev.fabula.RetryPolicy;
import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Metadata;
import dev.fabula.snapshot.SnapshotSchedule;
import dev.fabula.snapshot.SnapshotStore;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Saves and loads aggregates of one type through an {@link EventStore}. Bound to a factory that
 * creates an empty aggregate for an id; loading replays the aggregate's events into it (from the
 * latest snapshot when snapshots are configured).
 *
 * <p>Thread-safe. Create one with {@link #of} or {@link #builder}.
 *
 * @param <A> the aggregate type
 */
public interface Repository<A extends AggregateRoot> {
  /** A repository with default settings: retries on, no snapshots. */
  static <A extends AggregateRoot> Repository<A> of(EventStore store, Function<UUID, A> factory) {
    return builder(store, factory).build();
  }

  /** A builder for a repository over {@code store} creating aggregates with {@code factory}. */
  static <A extends AggregateRoot> Builder<A> builder(EventStore store, Function<UUID, A> factory) {
    return new Builder<>(store, factory);
  }

  /** The name of the aggregates this repository holds. */
  String aggregateName();

  /**
   * Stores the aggregate's uncommitted changes atomically and marks them committed. Does nothing
   * when there are none.
   *
   * @throws dev.fabula.event.ConcurrencyException when another writer stored a version first;
   *     the aggregate keeps its changes
   */
  default void save(A aggregate) {
    save(aggregate, Metadata.empty());
  }

  /** Like {@link #save(AggregateRoot)}, adding {@code metadata} to every stored event. */
  void save(A aggregate, Metadata metadata);

  /**
   * The aggregate at its latest version; a never-stored id gives a fresh aggregate at version 0.
   *
   * @throws AggregateDeletedException when the aggregate is soft-deleted
   */
  A fetch(UUID id);

  /** The aggregate at its latest version, even if soft-deleted (to restore it). */
  A fetchIncludingDeleted(UUID id);

  /**
   * The aggregate as it was at {@code version}.
   *
   * @throws VersionNotFoundException when the aggregate never reached that version
   * @throws IllegalArgumentException when {@code version < 1}
   */
  A fetchVersion(UUID id, int version);

  /**
   * Fetches the aggregate, runs {@code action} on it and saves its changes. On a {@link
   * dev.fabula.event.ConcurrencyException} the whole sequence is repeated on fresh state, as the
   * retry policy allows; exceptions from {@code action} are not retried.
   *
   * @return the saved aggregate
   * @throws AggregateDeletedException when the aggregate is soft-deleted
   */
  default A use(UUID id, Consumer<? super A> action) {
    return use(id, Metadata.empty(), action);
  }

  /** Like {@link #use(UUID, Consumer)}, adding {@code metadata} to every stored event. */
  A use(UUID id, Metadata metadata, Consumer<? super A> action);

  /**
   * The histories of this repository's aggregates whose events match {@code query}, one per
   * aggregate, lazily. Close the stream.
   */
  Stream<History> query(EventQuery query);

  /** Rebuilds an aggregate from a history returned by {@link #query}. */
  A rebuild(History history);

  /**
   * Deletes every event and snapshot of the aggregate. A later fetch gives a fresh aggregate.
   * Prefer soft deletion ({@link dev.fabula.aggregate.SoftDeleted}) where history matters.
   */
  void delete(UUID id);

  /**
   * Configures a {@link Repository}. Defaults: {@link RetryPolicy#defaults()}, no snapshots.
   *
   * @param <A> the aggregate type
   */
  final class Builder<A extends AggregateRoot> {
    final EventStore store;
    final Function<UUID, A> factory;
    RetryPolicy retry = RetryPolicy.defaults();
    @Nullable SnapshotStore snapshots;
    SnapshotSchedule schedule = SnapshotSchedule.never();
    private boolean retrySet;

    private Builder(EventStore store, Function<UUID, A> factory) {
      this.store = Objects.requireNonNull(store, "store");
      this.factory = Objects.requireNonNull(factory, "factory");
    }

    /** How {@code use} retries on version conflicts; {@link RetryPolicy#none()} disables it. */
    public Builder<A> retry(RetryPolicy policy) {
      if (retrySet) {
        throw new IllegalStateException("retry policy was already set to " + retry);
      }
      retrySet = true;
      retry = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Takes snapshots into {@code store} per {@code schedule}, and starts fetches from the latest
     * one. The aggregate type must implement {@link dev.fabula.aggregate.Snapshotting}.
     */
    public Builder<A> snapshots(SnapshotStore store, SnapshotSchedule schedule) {
      if (snapshots != null) {
        throw new IllegalStateException("snapshots were already configured");
      }
      snapshots = Objects.requireNonNull(store, "snapshot store");
      this.schedule = Objects.requireNonNull(schedule, "schedule");
      return this;
    }

    /**
     * The repository.
     *
     * @throws IllegalStateException when snapshots are configured for an aggregate type that does
     *     not implement {@link dev.fabula.aggregate.Snapshotting}
     */
    public Repository<A> build() {
      return new EventSourcedRepository<>(this);
    }
  }
}
