/**
 * Event-sourced aggregates: {@link dev.fabula.aggregate.AggregateRoot} raises events and rebuilds
 * its state from them; marker interfaces for soft deletion and {@link
 * dev.fabula.aggregate.Snapshotting} for snapshots.
 */
@NullMarked
package dev.fabula.aggregate;

import org.jspecify.annotations.NullMarked;
