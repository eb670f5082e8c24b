package dev.fabula.memory;

import dev.fabula.ClosedException;
import dev.fabula.event.SortOrder;
import dev.fabula.snapshot.Snapshot;
import dev.fabula.snapshot.SnapshotQuery;
import dev.fabula.snapshot.SnapshotStore;
import dev.fabula.spi.Arguments;
import dev.fabula.spi.EventLimits;
import dev.fabula.spi.TextOrder;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;

/** The in-memory {@link SnapshotStore}: per aggregate, a map from version to snapshot. */
final class MemorySnapshotStore implements SnapshotStore {
  private final Map<Key, NavigableMap<Integer, Snapshot>> snapshots = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private record Key(String name, UUID id) {}

  @Override
  public void save(Snapshot snapshot) {
    Objects.requireNonNull(snapshot, "snapshot");
    ensureOpen();
    EventLimits.checkSnapshotName(snapshot.aggregateName()); // the limits every store keeps
    snapshots
        .computeIfAbsent(new Key(snapshot.aggregateName(), snapshot.aggregateId()), k -> new ConcurrentSkipListMap<>())
        .put(snapshot.version(), snapshot);
  }

  @Override
  public Optional<Snapshot> latest(String aggregateName, UUID aggregateId) {
    return limit(aggregateName, aggregateId, Integer.MAX_VALUE);
  }

  @Override
  public Optional<Snapshot> version(String aggregateName, UUID aggregateId, int version) {
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(aggregateId, "aggregateId");
    ensureOpen();
    EventLimits.checkText("aggregateName", aggregateName);
    var versions = snapshots.get(new Key(aggregateName, aggregateId));
    return versions == null ? Optional.empty() : Optional.ofNullable(versions.get(version));
  }

  @Override
  public Optional<Snapshot> limit(String aggregateName, UUID aggregateId, int maxVersion) {
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(aggregateId, "aggregateId");
    ensureOpen();
    EventLimits.checkText("aggregateName", aggregateName);
    var versions = snapshots.get(new Key(aggregateName, aggregateId));
    if (versions == null) {
      return Optional.empty();
    }
    var entry = versions.floorEntry(maxVersion);
    return entry == null ? Optional.empty() : Optional.of(entry.getValue());
  }

  @Override
  public Stream<Snapshot> query(SnapshotQuery query) {
    Objects.requireNonNull(query, "query");
    ensureOpen();
    EventLimits.checkSnapshotQuery(query);
    Stream<Snapshot> s =
        snapshots.values().stream().flatMap(m -> m.values().stream()).filter(query::matches);
    if (!query.sort().isEmpty()) {
      s = s.sorted(comparator(query.sort()));
    }
    if (query.limit().isPresent()) {
      s = s.limit(query.limit().getAsInt());
    }
    return s;
  }

  private static Comparator<Snapshot> comparator(List<SortOrder> sort) {
    Comparator<Snapshot> c = (a, b) -> 0;
    for (SortOrder o : sort) {
      Comparator<Snapshot> key =
          switch (o.field()) {
            case AGGREGATE_NAME -> (a, b) -> TextOrder.compare(a.aggregateName(), b.aggregateName());
            case AGGREGATE_ID -> (a, b) -> compareIds(a.aggregateId(), b.aggregateId());
            case AGGREGATE_VERSION -> Comparator.comparingInt(Snapshot::version);
            case TIME -> Comparator.comparing(Snapshot::time);
            case POSITION, NAME -> throw new IllegalStateException("unsortable " + o.field());
          };
      c = c.thenComparing(o.descending() ? key.reversed() : key);
    }
    return c;
  }

  /**
   * Orders ids as their 16 bytes compare (unsigned), as the event store and PostgreSQL do (ADR
   * 0002); {@link UUID#compareTo} compares signed halves.
   */
  private static int compareIds(UUID a, UUID b) {
    int c = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
    return c != 0 ? c : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
  }

  @Override
  public void delete(List<Snapshot> toDelete) {
    Arguments.requireNoNulls(toDelete, "snapshots");
    ensureOpen();
    for (Snapshot s : toDelete) {
      var versions = snapshots.get(new Key(s.aggregateName(), s.aggregateId()));
      if (versions != null) {
        versions.remove(s.version());
      }
    }
  }

  @Override
  public void close() {
    closed = true;
  }

  private void ensureOpen() {
    if (closed) {
      throw new ClosedException("snapshot store");
    }
  }
}
