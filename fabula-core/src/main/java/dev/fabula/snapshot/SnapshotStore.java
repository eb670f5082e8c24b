package dev.fabula.snapshot;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Keeps aggregate snapshots. At most one snapshot per aggregate and version: saving another
 * replaces it. Thread-safe; after {@link #close()} every method throws {@link
 * dev.fabula.ClosedException}.
 */
public interface SnapshotStore extends AutoCloseable {
  /**
   * Saves the snapshot, replacing one of the same aggregate and version. When a persistent store's
   * connection breaks during the save (a {@link dev.fabula.TransientException}), whether it was
   * saved is unknown; saving it again is harmless.
   */
  void save(Snapshot snapshot);

  /**
   * The snapshot with the highest version of the aggregate.
   *
   * @throws SnapshotDecodingException when it is stored but no longer decodes
   */
  Optional<Snapshot> latest(String aggregateName, UUID aggregateId);

  /**
   * The snapshot of the aggregate at exactly {@code version}.
   *
   * @throws SnapshotDecodingException when it is stored but no longer decodes
   */
  Optional<Snapshot> version(String aggregateName, UUID aggregateId, int version);

  /**
   * The snapshot with the highest version not above {@code maxVersion}.
   *
   * @throws SnapshotDecodingException when it is stored but no longer decodes
   */
  Optional<Snapshot> limit(String aggregateName, UUID aggregateId, int maxVersion);

  /** The snapshots matching {@code query}, lazily; the caller closes the stream. */
  Stream<Snapshot> query(SnapshotQuery query);

  /** Deletes the given snapshots (by aggregate and version); missing ones are ignored. */
  void delete(List<Snapshot> snapshots);

  /** Releases the store's resources. Idempotent. */
  @Override
  void close();
}
