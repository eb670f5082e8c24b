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
 * <p>A job reads each projection from its own position and advances it with each event under the
 * projection's lock, so a projection that fails stops at its last good event, the next job resumes
 * there, and re-running a job never applies an event twice and never skips one. A projection that
 * is {@link dev.fabula.projection.ProgressAware} keeps that position itself (for a database read
 * model, in the transaction that changes it), so it also resumes there after a restart; for any
 * other the schedule keeps it in memory. {@link
 * dev.fabula.projection.ProgressStore} keeps positions by projection name for read models that do
 * not keep their own ({@link dev.fabula.projection.Projections#tracked}).
 *
 * <p>{@link dev.fabula.projection.ProjectionService} triggers a named schedule in whichever
 * process runs it; {@link dev.fabula.projection.Lookup} is a built-in projection mapping values to
 * aggregate ids and back.
 *
 * <p>Every thread a schedule starts reports any failure ({@link java.lang.Throwable}) to its
 * {@link dev.fabula.projection.ScheduleListener} and the trigger that asked for the job; by default
 * the listener logs each failure once through {@link java.lang.System.Logger}.
 */
@NullMarked
package dev.fabula.projection;

import org.jspecify.annotations.NullMarked;
