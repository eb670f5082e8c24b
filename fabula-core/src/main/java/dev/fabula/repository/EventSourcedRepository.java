package dev.fabula.repository;

import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.aggregate.Snapshotting;
import dev.fabula.event.EventQuery;
import dev.fabula.event.EventStore;
import dev.fabula.event.Metadata;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Repository} over any {@link EventStore}: checks the arguments and hands each call to
 * the part that does that job — {@link Loader} (fetches), {@link Saver} (saves, deletes, the cache
 * and snapshots), {@link Turns} (concurrent uses of one aggregate and their shared saves) and
 * {@link Histories} (queries).
 */
final class EventSourcedRepository<A extends AggregateRoot> implements Repository<A> {
  private final String aggregateName;
  private final Loader<A> loader;
  private final Saver<A> saver;
  private final @Nullable Turns<A> turns;
  private final Histories histories;

  EventSourcedRepository(Repository.Builder<A> b) {
    A probe = Loader.fresh(b.factory, new UUID(0, 0));
    aggregateName = probe.name();
    if (!(probe instanceof Snapshotting<?>)) {
      if (b.snapshots != null) {
        throw new IllegalStateException(
            probe.getClass().getName() + " must implement Snapshotting to be used with snapshots");
      }
      if (b.cacheSize != 0) {
        throw new IllegalStateException(
            probe.getClass().getName() + " must implement Snapshotting to be cached");
      }
    }
    loader = new Loader<>(b, aggregateName);
    saver = new Saver<>(b, loader);
    turns = b.takeTurns ? new Turns<>(loader, saver) : null;
    histories = new Histories(b.store, aggregateName);
  }

  @Override
  public String aggregateName() {
    return aggregateName;
  }

  @Override
  public void save(A aggregate, Metadata metadata) {
    Objects.requireNonNull(aggregate, "aggregate");
    Objects.requireNonNull(metadata, "metadata");
    saver.save(aggregate, metadata);
  }

  @Override
  public A fetch(UUID id) {
    Objects.requireNonNull(id, "id");
    return loader.fetch(id);
  }

  @Override
  public A fetchIncludingDeleted(UUID id) {
    Objects.requireNonNull(id, "id");
    return loader.load(id, Integer.MAX_VALUE);
  }

  @Override
  public A fetchVersion(UUID id, int version) {
    Objects.requireNonNull(id, "id");
    return loader.fetchVersion(id, version);
  }

  @Override
  public A use(UUID id, Metadata metadata, Consumer<? super A> action) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(action, "action");
    return turns == null ? saver.fetchActSave(id, metadata, action) : turns.use(id, metadata, action);
  }

  @Override
  public Stream<History> query(EventQuery query) {
    Objects.requireNonNull(query, "query");
    return histories.query(query, false);
  }

  @Override
  public Stream<History> queryIncludingDeleted(EventQuery query) {
    Objects.requireNonNull(query, "query");
    return histories.query(query, true);
  }

  @Override
  public A rebuild(History history) {
    Objects.requireNonNull(history, "history");
    return loader.rebuild(history);
  }

  @Override
  public void delete(UUID id) {
    Objects.requireNonNull(id, "id");
    saver.delete(id);
  }
}
