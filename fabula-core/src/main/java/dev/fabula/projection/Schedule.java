package dev.fabula.projection;

import dev.fabula.event.EventBus;
import dev.fabula.event.EventStore;
import dev.fabula.event.Subscription;
import java.time.Duration;
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

  /** Events that projections failed on and moved past ({@link FailurePolicy#DEAD_LETTER}). */
  List<DeadLetter> deadLetters();

  /** Closes every subscription and rejects further use. Idempotent. */
  @Override
  void close();
}
