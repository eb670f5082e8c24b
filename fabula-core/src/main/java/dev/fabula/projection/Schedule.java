package dev.fabula.projection;

import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.Subscription;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Decides when projection jobs run, and runs them: each {@linkplain #subscribe subscription} gets
 * its own virtual thread that runs one job at a time.
 *
 * <ul>
 *   <li>{@link #continuously continuously}: every event published on the bus with one of the
 *       schedule's names triggers a job, debounced ({@link ScheduleOptions#debounce()}) with a
 *       hard cap ({@link ScheduleOptions#debounceCap()}). The bus is only a trigger: the job reads
 *       the store from each projection's progress, so an event the bus lost is still applied.
 *   <li>{@link #periodically periodically}: a job every interval.
 * </ul>
 *
 * <p>Subscribing may first run a catch-up job ({@link ScheduleOptions#catchUp()}); {@link
 * #trigger} runs a job now, with options (reset, query, filters). Closing a subscription or the
 * schedule stops its thread: a running job stops at the next event boundary (progress stays
 * consistent), pending triggers fail with {@link dev.fabula.ClosedException}. A job still busy in
 * a projection after a grace period (10 s) is interrupted; what the projection throws then is no
 * failure of it: the event is neither reported, nor dead-lettered, nor moved past.
 */
public interface Schedule extends AutoCloseable {
  /**
   * A schedule triggered by events with any of {@code names} ({@value EventBus#ALL} for all)
   * published on {@code bus}, reading {@code store}.
   *
   * @throws IllegalArgumentException when {@code names} is empty or holds a blank name
   */
  static Schedule continuously(
      EventBus bus, EventStore store, Set<String> names, ScheduleOptions options) {
    Objects.requireNonNull(bus, "bus");
    return new ScheduleImpl(bus, store, names, null, options);
  }

  /** A continuous schedule with {@link ScheduleOptions#defaults()}. */
  static Schedule continuously(EventBus bus, EventStore store, Set<String> names) {
    return continuously(bus, store, names, ScheduleOptions.defaults());
  }

  /**
   * A schedule running a job every {@code interval} over the events with any of {@code names}
   * ({@value EventBus#ALL} for all) in {@code store}.
   *
   * @throws IllegalArgumentException when {@code names} is empty or holds a blank name, the
   *     interval is not positive, or the options set a debounce (it applies to continuous
   *     schedules only)
   */
  static Schedule periodically(
      EventStore store, Duration interval, Set<String> names, ScheduleOptions options) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(names, "names");
    Objects.requireNonNull(options, "options");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive, got " + interval);
    }
    if (options.debounced()) {
      throw new IllegalArgumentException("a periodic schedule has no debounce; remove it");
    }
    return new ScheduleImpl(null, store, names, interval, options);
  }

  /**
   * Starts a subscription whose thread runs the schedule's jobs with {@code handler}. With {@link
   * CatchUp#BLOCKING} this returns after the catch-up job; if that job fails, the subscription is
   * closed (nothing keeps running out of the caller's reach) and its failure is rethrown: fix the
   * cause and subscribe again — projections resume where they stopped.
   *
   * <p>If the store is {@link dev.fabula.event.InsertNotifying} (Fabula's in-memory and PostgreSQL
   * stores are), a continuous schedule is also triggered by the store's own inserts in this
   * process, so it follows the store without {@link dev.fabula.event.EventStores#publishing}.
   *
   * <p>Any failure of the subscription's thread reaches the {@link ScheduleListener}: a failed job
   * (a projection's {@link Error} included) fails that job's triggers and the next job runs; a
   * failure outside any job stops the subscription, which then is no longer active and refuses
   * triggers with a {@link ScheduleStoppedException}.
   *
   * @throws dev.fabula.ClosedException when the schedule is closed
   */
  Subscription subscribe(JobHandler handler);

  /**
   * Subscribes a handler applying {@code projections} to each job ({@link Job#apply}): they read
   * the store once per job, and one failing does not stop the others. Each resumes where it
   * stopped and is applied each event once: a {@link ProgressAware} one from its own progress
   * (across restarts too), any other from its position in this schedule, kept in memory for the
   * schedule's life (a new schedule starts it from the first event). Pass instances that live as
   * long as the subscription: positions are kept per instance ({@link Job#apply}).
   */
  default Subscription project(Projection... projections) {
    Objects.requireNonNull(projections, "projections");
    Projection[] copy = projections.clone();
    for (Projection p : copy) {
      Objects.requireNonNull(p, "projection");
    }
    return subscribe(job -> job.apply(copy));
  }

  /**
   * Runs a job with {@code options} in every subscription, after the job each is running now.
   *
   * @return completes when every subscription ran the job; exceptionally with the first failure
   *     (a {@link ProjectionException} or whatever the handler threw), or with a {@link
   *     dev.fabula.ClosedException} if the schedule closes first
   */
  CompletableFuture<Void> trigger(TriggerOptions options);

  /** {@link #trigger(TriggerOptions)} with {@link TriggerOptions#defaults()}. */
  default CompletableFuture<Void> trigger() {
    return trigger(TriggerOptions.defaults());
  }

  /**
   * Waits until every projection of every subscription has applied everything stored when this
   * method was called (the store's {@link EventStore#lastPosition()} now). A subscription that is
   * behind gets a job at once, whatever its triggers, so this also works for events nobody
   * published. A subscription whose handler applies no projection counts as caught up when its
   * jobs have read up to the target.
   *
   * @throws CatchUpTimeoutException when a projection has not caught up within {@code timeout},
   *     or at once when the job run for this wait left it stopped on a failure ({@link
   *     FailurePolicy#STOP}) and no other job is running or due: names it, its position and the
   *     target, and carries the failure it stopped on, if any
   * @throws IllegalStateException when the schedule has no subscription
   * @throws ScheduleStoppedException when a subscription stopped on a failure
   * @throws dev.fabula.ClosedException when the schedule is closed
   */
  void awaitCaughtUp(Duration timeout);

  /** Where the schedule stands: its slowest subscription's position, the store's head, the lag. */
  ScheduleStatus status();

  /**
   * Events that projections failed on and moved past ({@link FailurePolicy#DEAD_LETTER}), oldest
   * first: at most the latest 10,000, kept in memory for the schedule's life. A reset trigger drops
   * the letters of each projection it rebuilds (the rebuild meets their events again).
   */
  List<DeadLetter> deadLetters();

  /**
   * Applies a dead letter's event again to the projection (the instance) it failed in, and on
   * success removes the letter. The letter is found by this record, or else by its projection's
   * name and event id. The event is applied under the projection's lock (after any job running in
   * it), through its {@link Guarded} check and the schedule's {@link ApplyInterceptor}, with the
   * schedule's retry policy for {@link dev.fabula.TransientException}s: a projection that keeps no
   * progress gets {@link Projection#apply}, a {@link Reapplicable} one {@link Reapplicable#reapply}
   * (its progress does not move). An event that could not be decoded is read from the store again.
   * Two retries of one letter at once apply it at most once: the second finds no letter.
   *
   * @throws UnknownDeadLetterException when the schedule does not hold the letter (any more)
   * @throws ReapplyRefusedException when nothing was tried: the projection is {@link
   *     ProgressAware} but not {@link Reapplicable}, it was reset since the event failed, or the
   *     store no longer holds an undecodable event; the letter stays as it was
   * @throws ProjectionException when applying (or decoding) failed again; the letter stays, now
   *     carrying this failure, which the listener is also told of
   * @throws dev.fabula.ClosedException when the schedule is closed
   */
  default void retry(DeadLetter letter) {
    retry(letter, ChronoUnit.FOREVER.getDuration());
  }

  /**
   * {@link #retry(DeadLetter)}, waiting at most {@code wait} for a job running in the projection
   * (a rebuild may run for minutes): for callers that must answer, such as the console's request.
   *
   * @throws ReapplyRefusedException also when the projection stayed busy for {@code wait}: nothing
   *     was applied, the letter stays
   */
  void retry(DeadLetter letter, Duration wait);

  /**
   * Removes a dead letter without applying its event (found like {@link #retry} finds it).
   *
   * @return whether the schedule held the letter; false also while a retry of it is running
   */
  boolean evict(DeadLetter letter);

  /** Closes every subscription and rejects further use. Idempotent. */
  @Override
  void close();
}
