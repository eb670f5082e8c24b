package dev.fabula.projection;

/**
 * What a job does when a projection throws on an event (after transient errors were retried). In
 * both cases the failure is reported as a {@link ProjectionException} to the schedule's {@link
 * ScheduleListener}, and other projections keep running.
 */
public enum FailurePolicy {
  /**
   * The projection stops at the last good position: its progress stays before the failing event,
   * and the next job tries that event again (so a fixed projection resumes where it stopped). The
   * default.
   */
  STOP,
  /**
   * The event is recorded as a {@link DeadLetter} of its schedule and the projection moves on past
   * it. For read models where one missing event is better than a stalled one.
   */
  DEAD_LETTER
}
