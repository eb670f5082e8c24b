package dev.fabula.projection;

/**
 * Observes a schedule: jobs starting and finishing, progress during long jobs, failures and dead
 * letters. Methods are called on the schedule's job thread (those about a retry or an eviction of a
 * dead letter on its caller's) and should return quickly; whatever a
 * listener throws is logged and goes no further. Every method has an empty default, except that
 * failures are logged, each once, through {@link System.Logger}.
 */
public interface ScheduleListener {
  /** A job is starting; {@code status.head()} is the last position it will read. */
  default void jobStarted(ScheduleStatus status) {}

  /** Progress inside a running job, at most every few thousand events. */
  default void progressed(ScheduleStatus status) {}

  /** A job finished (successfully or not). */
  default void jobFinished(ScheduleStatus status) {}

  /** A projection failed on an event; it stopped there, or the event became a dead letter. */
  default void failed(ProjectionException failure) {
    System.getLogger(ScheduleListener.class.getName())
        .log(System.Logger.Level.ERROR, failure.getMessage(), failure);
  }

  /**
   * A job handler failed with something other than a {@link ProjectionException} (any {@link
   * Throwable}), or the subscription's thread failed outside a job and stopped ({@link
   * ScheduleStoppedException} for later triggers).
   */
  default void jobFailed(Throwable failure) {
    System.getLogger(ScheduleListener.class.getName())
        .log(System.Logger.Level.ERROR, "projection job failed", failure);
  }

  /** A failed event was moved to the dead-letter list. */
  default void deadLettered(DeadLetter letter) {}

  /**
   * A letter left the dead-letter list, for the reason given. Called on the thread that removed
   * it: the caller of {@link Schedule#retry} or {@link Schedule#evict}, or a job thread.
   */
  default void deadLetterRemoved(DeadLetter letter, DeadLetter.Removal reason) {}

  /** A listener that only logs failures. */
  static ScheduleListener logging() {
    return new ScheduleListener() {};
  }
}
