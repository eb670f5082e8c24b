/**
 * Aggregate snapshots: the {@link dev.fabula.snapshot.SnapshotStore}, its query, and the {@link
 * dev.fabula.snapshot.SnapshotSchedule} that tells the repository when to take one.
 */
@NullMarked
package dev.fabula.snapshot;

import org.jspecify.annotations.NullMarked;
