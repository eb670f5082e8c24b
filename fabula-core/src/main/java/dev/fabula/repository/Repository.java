package dev.fabula.repository;

import dev.fabula.RetryPolicy;
import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Metadata;
import dev.fabula.snapshot.SnapshotSchedule;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.spi.Settings;
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
   * <p>Concurrent calls on the same aggregate through this repository take turns (unless {@link
   * Builder#takeTurns} switched that off): one fetches, acts and saves while the others wait, so
   * writers inside one process do not lose attempts to each other; conflicts come from other
   * processes only. A caller that waited a second goes ahead without its turn, so nested calls
   * cannot deadlock; the save's version check decides either way.
   *
   * <p>With a {@linkplain Builder#cache cache}, uses queued for the same turn also share their
   * save: each runs its action on its own thread, on a fresh aggregate holding the state the use
   * before it left, and the last of them inserts every one's events at once (one transaction
   * where the store has them). An action that throws leaves nothing in that save. Each use
   * returns only once the shared insert succeeded, with its own aggregate; if the insert fails,
   * every use in it fails (a conflict is retried on fresh state, as the retry policy allows).
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
   * The histories of this repository's aggregates that {@code query} selects, one per aggregate,
   * in the order of their ids' bytes, lazily. Close the stream.
   *
   * <p>The query <em>narrows</em> this repository's aggregates, as an aggregate query does in
   * goes: its filters select aggregates, they never add any, and each result is the selected
   * aggregate's whole history from version 1, so {@link #rebuild} always works.
   *
   * <ul>
   *   <li>An aggregate is selected when at least one of its events matches every filter of the
   *       query (the rules {@link EventQuery} states): {@code aggregate(name, id)} and {@code aggregateIds}
   *       select by id, {@code names} selects the aggregates that have an event of that name,
   *       time filters those with an event in that time, and so on.
   *   <li>Version filters also cap the history, as goes turns them into caps: each history ends
   *       at the highest version they let through ({@code versionExact(10)} gives versions 1 to
   *       10 of the aggregates that reached version 10; {@code versionMax(3)} gives every
   *       aggregate up to version 3). {@code versionMin} selects the aggregates that reached it.
   *   <li>A name of another aggregate type ({@code aggregate("product", id)} or {@code
   *       aggregateNames("product")} given to the repository of accounts) is refused with an
   *       {@link dev.fabula.event.InvalidQueryException}: this repository can never return such
   *       an aggregate, so the query is a mistake.
   *   <li>Aggregates whose history (up to the cap) ends soft-deleted are left out; {@link
   *       #queryIncludingDeleted} keeps them.
   *   <li>{@code limit} is the maximum number of histories; sort keys are refused ({@link
   *       dev.fabula.event.InvalidQueryException}): histories come in id order.
   * </ul>
   */
  Stream<History> query(EventQuery query);

  /** Like {@link #query}, keeping the soft-deleted aggregates it selects (to restore them). */
  Stream<History> queryIncludingDeleted(EventQuery query);

  /** Rebuilds an aggregate from a history returned by {@link #query}. */
  A rebuild(History history);

  /**
   * Deletes every event and snapshot of the aggregate. A later fetch gives a fresh aggregate.
   * Prefer soft deletion ({@link dev.fabula.aggregate.SoftDeleted}) where history matters.
   */
  void delete(UUID id);

  /**
   * Configures a {@link Repository}. Defaults: {@link RetryPolicy#defaults()}, no snapshots, no
   * cache, {@code use} calls on one aggregate take turns. Each setting may be made once: a
   * second call fails at once with an {@link IllegalStateException} naming both calls.
   *
   * @param <A> the aggregate type
   */
  final class Builder<A extends AggregateRoot> {
    final EventStore store;
    final Function<UUID, A> factory;
    RetryPolicy retry = RetryPolicy.defaults();
    @Nullable SnapshotStore snapshots;
    SnapshotSchedule schedule = SnapshotSchedule.never();
    int cacheSize;
    boolean takeTurns = true;
    private boolean retrySet;
    private boolean takeTurnsSet;

    private Builder(EventStore store, Function<UUID, A> factory) {
      this.store = Objects.requireNonNull(store, "store");
      this.factory = Objects.requireNonNull(factory, "factory");
    }

    /** How {@code use} retries on version conflicts; {@link RetryPolicy#none()} disables it. */
    public Builder<A> retry(RetryPolicy policy) {
      Objects.requireNonNull(policy, "policy");
      Settings.requireUnset(retrySet, "retry", retry, policy);
      retrySet = true;
      retry = policy;
      return this;
    }

    /**
     * Takes snapshots into {@code store} per {@code schedule}, and starts fetches from the latest
     * one. The aggregate type must implement {@link dev.fabula.aggregate.Snapshotting}.
     */
    public Builder<A> snapshots(SnapshotStore store, SnapshotSchedule schedule) {
      Objects.requireNonNull(store, "snapshot store");
      Objects.requireNonNull(schedule, "schedule");
      if (snapshots != null) {
        throw Settings.repeated(
            Settings.call("snapshots", snapshots, this.schedule), Settings.call("snapshots", store, schedule));
      }
      snapshots = store;
      this.schedule = schedule;
      return this;
    }

    /**
     * Keeps the state of up to {@code maxAggregates} recently used aggregates in memory, so that
     * {@link Repository#use} runs without reading the store: it restores a fresh aggregate from
     * the cached state, runs the action and saves, and the save's optimistic concurrency check
     * still decides. The aggregate type must implement {@link dev.fabula.aggregate.Snapshotting},
     * and its {@code snapshotState()} must return a value the aggregate never changes afterwards
     * (a record of immutable values): the cache keeps that value, not the aggregate.
     *
     * <p>What the cache promises:
     *
     * <ul>
     *   <li>only {@code use} reads it; {@code fetch}, {@code fetchVersion}, {@code query} and
     *       {@code rebuild} always read the store;
     *   <li>it is updated by every successful save through this repository, and an aggregate
     *       soft-deleted, deleted or hit by a version conflict is dropped from it;
     *   <li>when another process (or another repository) appends to a cached aggregate, the next
     *       {@code use} that raises events fails its save with a conflict, drops the entry and is
     *       retried on state read from the store, so no decision that raises events is ever
     *       committed on stale state.
     * </ul>
     *
     * An action that raises nothing (or throws) may have looked at state that another process
     * has since moved on from. Cache when this process is the only writer of these aggregates,
     * or when routing sends all commands of one aggregate to one process.
     *
     * @param maxAggregates how many aggregates to keep, least recently used dropped first; at
     *     least 1
     */
    public Builder<A> cache(int maxAggregates) {
      if (maxAggregates < 1) {
        throw new IllegalArgumentException("maxAggregates must be at least 1, got " + maxAggregates);
      }
      Settings.requireUnset(cacheSize != 0, "cache", cacheSize, maxAggregates);
      cacheSize = maxAggregates;
      return this;
    }

    /**
     * Whether concurrent {@link Repository#use} calls on the same aggregate through this
     * repository wait for each other (the default) or all run at once and let the store's
     * version check pick one winner, the others retrying. Taking turns wastes no attempts on
     * conflicts between threads of this process; switch it off only to see those conflicts.
     */
    public Builder<A> takeTurns(boolean enabled) {
      Settings.requireUnset(takeTurnsSet, "takeTurns", takeTurns, enabled);
      takeTurnsSet = true;
      takeTurns = enabled;
      return this;
    }

    /**
     * The repository.
     *
     * @throws IllegalStateException when snapshots or a cache are configured for an aggregate
     *     type that does not implement {@link dev.fabula.aggregate.Snapshotting}
     */
    public Repository<A> build() {
      return new EventSourcedRepository<>(this);
    }
  }
}
