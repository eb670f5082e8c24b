package dev.fabula.projection;

import dev.fabula.FabulaException;
import dev.fabula.RetryPolicy;
import dev.fabula.TransientException;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link Schedule#retry}: applies a dead letter's event again to the projection instance it failed
 * in, under that projection's lock, through its guard and the schedule's interceptor and retry
 * policy. The letter is taken out of the list (under the lock) before anything is applied, so two
 * retries of one letter apply it at most once; it goes back to its place if the retry fails or is
 * refused. See {@code docs/adr/0025-dead-letter-retry.md}.
 */
final class DeadLetterRetry {
  private DeadLetterRetry() {}

  static void retry(
      DeadLetters letters, EventStore store, ScheduleOptions options, DeadLetter letter, Duration wait) {
    DeadLetters.Entry entry = letters.find(letter);
    if (entry == null) {
      throw new UnknownDeadLetterException(letter.projection(), letter.eventId());
    }
    Projection projection = entry.projection();
    String name = letter.projection();
    if (projection instanceof ProgressAware && !(projection instanceof Reapplicable)) {
      throw new ReapplyRefusedException(
          "projection " + name + " keeps its own progress (ProgressAware) but is not Reapplicable:"
              + " its apply may be only the first half of a step that progress(position) completes,"
              + " so an event it moved past cannot be applied again safely; implement"
              + " dev.fabula.projection.Reapplicable, or evict the letter");
    }
    ReentrantLock lock = ProjectionLocks.of(projection);
    try {
      if (!lock.tryLock(saturatedNanos(wait), TimeUnit.NANOSECONDS)) {
        throw new ReapplyRefusedException(
            "projection " + name + " is busy: a job has been applying events to it for longer than "
                + wait + "; nothing was applied and the letter stays, retry it when the job ends");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FabulaException(
          "interrupted while waiting for projection " + name + " to retry event " + letter.eventId(), e);
    }
    try {
      // Under the projection's lock: a reset that dropped the letter has finished, and no other
      // retry of it is running; taking it out makes the next one find nothing.
      if (!letters.claim(entry)) {
        throw new UnknownDeadLetterException(name, letter.eventId());
      }
      Event<?> decoded = entry.letter().decoded();
      try {
        Event<?> event = event(entry.letter(), store, name);
        decoded = event;
        if (projection instanceof Reapplicable r) {
          long at = r.progress();
          if (at < event.position()) {
            throw new ReapplyRefusedException(
                "projection " + name + " is at position " + at + ", before event " + event.id()
                    + " at " + event.position() + ": it was reset since the event failed, and its"
                    + " rebuild applies the event when it gets there; evict the letter");
          }
        }
        apply(projection, event, options);
      } catch (ProjectionException failure) {
        letters.restore(entry, new DeadLetter(name, failure, decoded));
        ListenerCalls.safely(() -> options.listener().failed(failure));
        throw failure;
      } catch (RuntimeException | Error refused) {
        letters.restore(entry, entry.letter());
        throw refused;
      }
    } finally {
      lock.unlock();
    }
    letters.report(List.of(entry.letter()), DeadLetter.Removal.RETRIED);
  }

  private static long saturatedNanos(Duration wait) {
    try {
      return wait.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  /** The letter's event: as decoded when it failed, else read from the store again. */
  private static Event<?> event(DeadLetter letter, EventStore store, String name) {
    if (letter.decoded() != null) {
      return letter.decoded();
    }
    Optional<Event<?>> found;
    try {
      found = store.find(letter.eventId());
    } catch (EventDecodingException e) {
      throw new ProjectionException(name, e);
    }
    return found.orElseThrow(
        () ->
            new ReapplyRefusedException(
                "event " + letter.eventId() + " (" + letter.eventName() + ") of dead letter in"
                    + " projection " + name + " could not be decoded and the store no longer holds"
                    + " it; evict the letter"));
  }

  /**
   * Applies {@code event} unless the guard rejects it, retrying transient failures per policy. A
   * {@link ReapplyRefusedException} of the projection passes as it is; any other failure becomes a
   * {@link ProjectionException}.
   */
  private static void apply(Projection projection, Event<?> event, ScheduleOptions options) {
    Guarded guard = projection instanceof Guarded g ? g : null;
    ApplyInterceptor.Application application =
        projection instanceof Reapplicable r ? () -> r.reapply(event) : () -> projection.apply(event);
    RetryPolicy retry = options.retryPolicy();
    for (int attempt = 1; ; attempt++) {
      Throwable failure;
      try {
        if (guard == null || guard.accepts(event)) {
          ApplyInterceptor interceptor = options.interceptor();
          if (interceptor == ApplyInterceptor.none()) {
            application.run();
          } else {
            ProjectionApplier.intercepted(interceptor, projection, event, application);
          }
        }
        return;
      } catch (ReapplyRefusedException e) {
        throw e;
      } catch (Throwable e) {
        failure = e;
      }
      if (!(failure instanceof TransientException) || attempt >= retry.maxAttempts()) {
        throw new ProjectionException(projection.projectionName(), event, failure);
      }
      retry.pause(attempt); // an interrupt ends the retry: the letter goes back
    }
  }
}
