package dev.fabula.projection;

/**
 * A {@link Projection} that keeps, together with its read model, the global position of the last
 * event it applied. This is what makes a projection exactly-once across restarts (within one
 * schedule's life every projection is: the schedule keeps the position of the others): a job reads the store only after
 * {@link #progress()}, and for each event calls {@link Projection#apply} and then {@link
 * #progress(long)} with that event's position while holding the projection's lock, so no other job
 * applies anything in between. Re-running a job — after a failure, a duplicate bus delivery or a
 * manual trigger — finds the position already advanced and applies nothing twice; since the store
 * never shows an event with a lower position later, nothing is skipped either.
 *
 * <p>For an in-memory read model the two calls are two field writes under the lock. A read model
 * in a database applies the event inside a transaction in {@code apply} and writes the position and
 * commits in {@code progress(long)} (or rolls back if {@code apply} threw), so that a crash between
 * the two loses both or neither. See {@code docs/adr/0004-projection-progress.md}.
 *
 * <p>A stored event that event upcasters split into parts (ADR 0021) is one step: {@code apply}
 * is called for each part, in order, and {@code progress(long)} once, with the position the parts
 * share, after the last. A job that stops inside such a group (a part failed, or the job was
 * interrupted) calls no {@code progress(long)} for it, and the next job applies every part again:
 * a transactional read model rolled the earlier parts back with the failed one; one that applies
 * without a transaction sees them twice.
 *
 * <p>Applying an event below the progress — retrying a {@link DeadLetter} — is a separate promise
 * that only the read model can make: {@link Reapplicable}.
 */
public interface ProgressAware {
  /** The global position of the last event applied, {@code 0} before any. */
  long progress();

  /**
   * Records that every event up to {@code position} has been applied (or, for a {@link Guarded}
   * projection, rejected). Positions passed by a job only grow, except through {@link
   * Resettable#reset()}.
   */
  void progress(long position);
}
