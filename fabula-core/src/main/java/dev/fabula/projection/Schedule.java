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
 * consistent), pending triggers fail with {@link dev.fabula.ClosedException}.
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
    Objects.requireNonNull(interval, "interval");
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
   * CatchUp#BLOCKING} this returns after the catch-up job, rethrowing its failure (the
   * subscription stays active: fix the cause and trigger again).
   *
   * @throws dev.fabula.ClosedException when the schedule is closed
   */
  Subscription subscribe(JobHandler handler);

  /**
   * Subscribes a handler applying {@code projections} to each job ({@link Job#apply}): they read
   * the store once per job, and one failing does not stop the others.
   */
  default Subscription project(Projection... projections) {
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

  /** Where the schedule stands: its slowest subscription's position, the store's head, the lag. */
  ScheduleStatus status();

  /** Events that projections failed on and moved past ({@link FailurePolicy#DEAD_LETTER}). */
  List<DeadLetter> deadLetters();

  /** Closes every subscription and rejects further use. Idempotent. */
  @Override
  void close();
}
