package dev.fabula.projection;

import dev.fabula.event.Event;

/**
 * A {@link ProgressAware} projection that can apply an event it has already moved past, without
 * moving its progress: what {@link Schedule#retry} needs to retry a {@link DeadLetter} of a
 * projection that keeps its own position. A projection that keeps no position needs nothing of the
 * kind (the retry calls {@link Projection#apply}); a {@code ProgressAware} one that does not
 * implement this interface cannot be retried, because its {@code apply} may only be the first half
 * of a step that {@link ProgressAware#progress(long)} completes (a transactional read model would
 * roll the retried change back). See {@code docs/adr/0025-dead-letter-retry.md}.
 *
 * <p><b>The promise.</b> {@link #reapply} applies {@code event}, whose position is at or below
 * {@link #progress()}, to the read model completely and durably (for a database read model:
 * committed) when it returns normally, and not at all when it throws; it never changes the
 * progress. It is called under the projection's lock, like a job's {@code apply}, so never
 * concurrently with a job's {@code apply} or {@code progress(long)}, and never between the two.
 *
 * <p>A projection that finds the event no longer behind its stored progress — another process
 * {@linkplain Resettable#reset() reset} it since, so a rebuild will apply the event when it gets
 * there — must throw a {@link ReapplyRefusedException} instead of applying it, and change nothing.
 */
public interface Reapplicable extends ProgressAware {
  /**
   * Applies {@code event}, at or below {@link #progress()}, durably and without moving progress.
   *
   * @throws ReapplyRefusedException when the event is no longer at or below the stored progress
   * @throws Exception what the read model throws; then nothing was applied
   */
  void reapply(Event<?> event) throws Exception;
}
