/**
 * The read side: projections that turn events into read models, kept current by schedules.
 *
 * <p>A {@link dev.fabula.projection.Projection} applies events. A {@link
 * dev.fabula.projection.Schedule} decides when: {@linkplain
 * dev.fabula.projection.Schedule#continuously continuously} (triggered by the event bus, with a
 * debounce whose cap is a hard upper bound on the wait) or {@linkplain
 * dev.fabula.projection.Schedule#periodically periodically}. Each run is a {@link
 * dev.fabula.projection.Job} that reads the event store — never only what the bus delivered — so
 * an event missed on the bus is still applied.
 *
 * <p>A projection that is {@link dev.fabula.projection.ProgressAware} keeps the global position of
 * the last event it applied; a job for it reads the store from after that position, and applies
 * each event and advances the position under one lock (or, for a database read model, in one
 * transaction), so re-running a job never applies an event twice and never skips one. {@link
 * dev.fabula.projection.ProgressStore} keeps positions by projection name for read models that do
 * not keep their own ({@link dev.fabula.projection.Projections#tracked}).
 *
 * <p>{@link dev.fabula.projection.ProjectionService} triggers a named schedule in whichever
 * process runs it; {@link dev.fabula.projection.Lookup} is a built-in projection mapping values to
 * aggregate ids and back.
 */
@NullMarked
package dev.fabula.projection;

import org.jspecify.annotations.NullMarked;
