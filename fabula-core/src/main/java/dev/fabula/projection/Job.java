package dev.fabula.projection;

import dev.fabula.event.AggregateSelector;
import dev.fabula.event.Event;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One run of a {@link Schedule}: the events projections need, read from the event store up to a
 * fixed {@linkplain #head() head} position taken when the job started.
 *
 * <p>Streams returned here are lazy and must be closed (try-with-resources). A job caches what it
 * read, up to {@link ScheduleOptions#jobCacheSize()} events, so several projections applied from
 * one job read the store once. A job is used by the thread that received it.
 */
public interface Job {
  /**
   * The job's events: those matching the schedule's names (or the trigger's query and filters)
   * that are new since the subscription's previous job, or all of them for a reset trigger.
   */
  Stream<Event<?>> events();

  /** The job's {@linkplain #events() events} that belong to aggregates with any of these names. */
  Stream<Event<?>> events(String... aggregateNames);

  /**
   * The events {@code projection} needs: for a {@link ProgressAware} projection, the matching
   * events after its progress (whatever the previous job read); for any other, {@link #events()}.
   */
  Stream<Event<?>> eventsFor(Projection projection);

  /** The aggregates (name and id) that the job's {@linkplain #events() events} belong to. */
  Set<AggregateSelector.Exact> aggregates();

  /**
   * Applies the events each projection needs ({@link #eventsFor}), in position order: resetting it
   * first for a reset trigger, skipping events its {@link Guarded guard} rejects, retrying
   * transient failures, and for a {@link ProgressAware} projection advancing its progress with each
   * event under the projection's lock. Projections are applied one after the other; one that fails
   * does not keep the others from being applied.
   *
   * @throws ProjectionException after all projections ran, when one failed and its schedule's
   *     policy is {@link FailurePolicy#STOP} (further failures are suppressed exceptions); each
   *     failure was reported to the schedule's listener already
   * @throws IllegalStateException for a reset trigger and a progress-aware projection that is not
   *     {@link Resettable} or does not reset its progress to 0
   */
  void apply(Projection... projections);

  /** The last global position this job reads. */
  long head();

  /** The options of the trigger that started this job ({@link TriggerOptions#defaults()} if none). */
  TriggerOptions trigger();
}
