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
   * that are new since the subscription's previous job, or all of them for a reset trigger. A job
   * handler reading these itself gets them at least once: after a failed job (or a narrowed one)
   * the next job delivers them again. {@link #apply} is what applies each event once.
   */
  Stream<Event<?>> events();

  /** The job's {@linkplain #events() events} that belong to aggregates with any of these names. */
  Stream<Event<?>> events(String... aggregateNames);

  /**
   * The events {@code projection} needs, for a handler that applies them itself: the schedule's
   * events after its position — its progress if it is {@link ProgressAware}, else where this
   * schedule last left it (for a projection the schedule meets for the first time: where this job
   * starts, like {@link #events()}). A narrowed trigger's job stops before the first event it
   * leaves out.
   *
   * <p>A {@link ProgressAware} projection read this way must advance its progress itself. Any
   * other one moves in the schedule when the job's handler returns normally (not when it throws,
   * nor when the schedule closes first): past the last event the stream handed out, or to the
   * job's {@linkplain #head() head} if the stream of an un-narrowed job was read to its end. So a
   * handler that applies each event it takes, or fails the job, gets each event once; after a
   * failed job the next one hands out the same events again (at least once). A projection also
   * given to {@link #apply} in the same job moves only as {@code apply} moves it.
   */
  Stream<Event<?>> eventsFor(Projection projection);

  /** The aggregates (name and id) that the job's {@linkplain #events() events} belong to. */
  Set<AggregateSelector.Exact> aggregates();

  /**
   * Applies the events each projection needs ({@link #eventsFor}), in position order: resetting it
   * first for a reset trigger, skipping events its {@link Guarded guard} rejects, retrying
   * transient failures, and advancing the projection's position with each event under the
   * projection's lock: its progress if it is {@link ProgressAware}, else its position in this
   * schedule. So each projection resumes where it stopped — after a failure too — and no event is
   * applied to it twice. Projections are applied one after the other; one that fails does not keep
   * the others from being applied. Under {@link FailurePolicy#DEAD_LETTER} an event the store
   * cannot decode becomes a dead letter too, and the projection reads on after it.
   *
   * <p>Positions are kept per projection <em>instance</em>. One the schedule meets for the first
   * time starts where this job starts (the subscription's position), so a projection built inside
   * the handler for each job — a capturing lambda, a {@link Projections#named} wrapper — gets each
   * job's new events, like {@link #events()}, and is at-least-once like it; create a projection
   * once and reuse it for exactly-once.
   *
   * <p>If the schedule closes (or the job's thread is interrupted) while a projection applies an
   * event, that is no failure of the projection: it is neither reported, nor dead-lettered, nor
   * moved past the event, which the next job or schedule applies.
   *
   * @throws dev.fabula.ClosedException when the schedule closed while a projection applied an
   *     event; the thread's interrupt flag is set again if it was interrupted
   * @throws dev.fabula.FabulaException when the job's thread was interrupted otherwise (flag set)
   *
   * @throws ProjectionException after all projections ran, when one failed and its schedule's
   *     policy is {@link FailurePolicy#STOP} (further failures are suppressed exceptions); each
   *     failure was reported to the schedule's listener already
   * @throws IllegalStateException for a reset trigger and a projection that is not {@link
   *     Resettable}, or a progress-aware one that does not reset its progress to 0
   */
  void apply(Projection... projections);

  /** The last global position this job reads. */
  long head();

  /** The options of the trigger that started this job ({@link TriggerOptions#defaults()} if none). */
  TriggerOptions trigger();
}
