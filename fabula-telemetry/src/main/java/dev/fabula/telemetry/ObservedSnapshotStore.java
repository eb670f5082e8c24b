package dev.fabula.telemetry;

import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotQuery;
import dev.fabula.snapshot.SnapshotStore;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** {@link Telemetry#snapshotStore}: observes the lookups a load makes. */
final class ObservedSnapshotStore implements SnapshotStore {
  private final SnapshotStore store;
  private final Instrumentation instrumentation;

  ObservedSnapshotStore(SnapshotStore store, Instrumentation instrumentation) {
    this.store = store;
    this.instrumentation = instrumentation;
  }

  @Override
  public void save(Snapshot snapshot) {
    store.save(snapshot);
  }

  @Override
  public Optional<Snapshot> latest(String aggregateName, UUID aggregateId) {
    return observed(aggregateName, () -> store.latest(aggregateName, aggregateId));
  }

  @Override
  public Optional<Snapshot> version(String aggregateName, UUID aggregateId, int version) {
    return store.version(aggregateName, aggregateId, version);
  }

  @Override
  public Optional<Snapshot> limit(String aggregateName, UUID aggregateId, int maxVersion) {
    return observed(aggregateName, () -> store.limit(aggregateName, aggregateId, maxVersion));
  }

  private Optional<Snapshot> observed(String aggregateName, Supplier<Optional<Snapshot>> lookup) {
    Observation o = instrumentation.start(new Operation.SnapshotLoad(Objects.requireNonNull(aggregateName, "aggregateName")));
    Optional<Snapshot> found;
    Observation.Scope s = o.makeCurrent();
    try {
      found = lookup.get();
    } catch (RuntimeException | Error e) {
      o.end(e);
      throw e;
    } finally {
      s.close();
    }
    o.count(found.isPresent() ? 1 : 0);
    o.end(null);
    return found;
  }

  @Override
  public Stream<Snapshot> query(SnapshotQuery query) {
    return store.query(query);
  }

  @Override
  public void delete(List<Snapshot> snapshots) {
    store.delete(snapshots);
  }

  @Override
  public void close() {
    store.close();
  }

  @Override
  public String toString() {
    return "Observed[" + store + "]";
  }
}
