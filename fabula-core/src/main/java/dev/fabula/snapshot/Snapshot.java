package dev.fabula.snapshot;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The state of an aggregate at one version, so that fetching it need not replay the events up to
 * that version.
 *
 * @param aggregateName the aggregate's name
 * @param aggregateId the aggregate's id
 * @param version the aggregate version the state reflects; at least 1
 * @param time the time of the last event the state includes (of the event at {@code version}),
 *     not the moment the snapshot was written: a snapshot of one version always has the same
 *     time, whenever it is taken or taken again, and an aggregate restored from it goes on
 *     raising events strictly later than that event, exactly as after replaying its history
 * @param state the state, as returned by {@link dev.fabula.aggregate.Snapshotting#snapshotState()}
 */
public record Snapshot(String aggregateName, UUID aggregateId, int version, Instant time, Object state) {
  /** Validates the snapshot. */
  public Snapshot {
    Objects.requireNonNull(aggregateName, "aggregateName");
    Objects.requireNonNull(aggregateId, "aggregateId");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(state, "state");
    if (version < 1) {
      throw new IllegalArgumentException("snapshot version must be at least 1, got " + version);
    }
  }
}
