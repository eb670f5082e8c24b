package dev.fabula.projection;

import dev.fabula.ClosedException;
import dev.fabula.FabulaException;
import dev.fabula.RetryPolicy;
import dev.fabula.TransientException;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Applies a job's events to projections, each from its own position, event by event: with
 * retries, the failure policy and dead letters, and stopping before an event, never past it, when
 * the schedule closes or the thread is interrupted. Used by the job's thread only.
 */
final class ProjectionApplier {
  private static final int PROGRESS_REPORT_EVERY = 4096;

  private final JobReader reader;
  private final long from;
  private final long head;
  private final boolean reset;
  private final StoreJob.Context context;
  private final Set<Object> resetDone = Collections.newSetFromMap(new IdentityHashMap<>());
  /** The projections applied in this job: they moved their positions themselves. */
  private final Set<Object> appliedHere = Collections.newSetFromMap(new IdentityHashMap<>());
  /** Why the job stopped early: an interrupt, or the schedule closing. */
  private @Nullable Throwable interruption;

  ProjectionApplier(JobReader reader, long from, long head, boolean reset, StoreJob.Context context) {
    this.reader = reader;
    this.from = from;
    this.head = head;
    this.reset = reset;
    this.context = context;
  }

  /** Whether {@link #apply} met {@code projection} in this job. */
  boolean appliedHere(Projection projection) {
    return appliedHere.contains(projection);
  }

  /** Applies each projection in turn; see {@link Job#apply}. */
  void apply(Projection... projections) {
    ProjectionException first = null;
    for (Projection p : projections) {
      Objects.requireNonNull(p, "projection");
      if (interruption != null) {
        break;
      }
      ProjectionException failure = applyOne(p);
      if (failure != null) {
        if (first == null) {
          first = failure;
        } else {
          first.addSuppressed(failure);
        }
      }
    }
    Throwable stop = interruption;
    if (stop != null) {
      // Closing (or an interrupt) is no projection's failure: nothing was dead-lettered, reported
      // or moved past the event; the next job (or schedule) applies it. The flag is the caller's.
      if (interrupted(stop)) {
        Thread.currentThread().interrupt();
      }
      RuntimeException ended;
      if (context.cancelled()) {
        ended = new ClosedException("projection schedule");
        ended.initCause(stop);
      } else {
        ended =
            new FabulaException(
                "a projection job was interrupted; each projection stays before the event it was"
                    + " applying",
                stop);
      }
      if (first != null) {
        ended.addSuppressed(first);
      }
      throw ended;
    }
    if (first != null) {
      throw first;
    }
  }

  /** Applies one projection; returns its failure under {@link FailurePolicy#STOP}, else null. */
  private @Nullable ProjectionException applyOne(Projection projection) {
    appliedHere.add(projection);
    ReentrantLock lock = ProjectionLocks.of(projection);
    lock.lock();
    try {
      ProgressAware progress = projection instanceof ProgressAware pa ? pa : null;
      Cursors.Cursor cursor = context.cursor(projection, from);
      if (reset && resetDone.add(projection)) {
        reset(projection, progress);
        cursor.position = 0;
        // The rebuild meets the dead-lettered events again: a retry of one would apply it twice.
        context.projectionReset(projection);
      }
      long last = progress != null ? progress.progress() : cursor.position;
      cursor.position = last;
      Guarded guard = projection instanceof Guarded g ? g : null;
      long applied = 0;
      boolean narrowed = reader.narrowed();
      while (true) {
        try (Stream<Event<?>> events = reader.read(last)) {
          Iterator<Event<?>> it = events.iterator();
          // The parts of a stored event that event upcasters split share its position (ADR 0021):
          // they are applied as one group, and progress moves past the position only after the
          // last of them. A job that stops inside a group leaves progress before it; the next one
          // starts the group over: a ProgressAware projection gets every part again (a
          // transactional one rolled them back), one whose position the schedule keeps gets only
          // the parts its cursor does not list as applied.
          long group = last;
          Event<?> next = it.hasNext() ? it.next() : null;
          while (next != null) {
            Event<?> event = next;
            next = null;
            if (event.position() <= last) {
              next = it.hasNext() ? it.next() : null;
              continue; // never twice, even if a store returned an event again
            }
            if (progress == null && cursor.appliedBefore(event)) {
              next = it.hasNext() ? it.next() : null; // by the job that stopped inside its group
              if (next == null || next.position() != event.position()) {
                last = advance(progress, cursor, event.position());
              }
              continue;
            }
            boolean groupStarts = event.position() != group;
            if (groupStarts && context.cancelled()) {
              return null;
            }
            if (groupStarts && narrowed && !reader.covered(event)) {
              // The trigger left this event out: stop before it, so the next job delivers it.
              cursor.failure = null;
              return null;
            }
            group = event.position();
            ProjectionException failure = applyWithRetry(projection, guard, event);
            if (interruption != null) {
              return null; // stopped before the event: not applied, not skipped
            }
            if (failure != null && !failed(projection, failure, event)) {
              cursor.failure = failure;
              return failure; // progress stays at the last good position
            }
            try {
              next = it.hasNext() ? it.next() : null;
            } catch (RuntimeException | Error e) {
              // Parts are decoded together, so a failing read is of a later stored event: the
              // group is whole, and moves progress before the failure is handled.
              last = advance(progress, cursor, group);
              throw e;
            }
            if (next == null || next.position() != group) {
              last = advance(progress, cursor, group);
              context.progressed(last, ++applied % PROGRESS_REPORT_EVERY == 0);
            } else if (progress == null) {
              cursor.applied(event); // a part with more to come: a stop before them remembers it
            }
          }
          break;
        } catch (EventDecodingException e) {
          if (e.position() > head) {
            break; // beyond this job: the next one meets it
          }
          if (e.position() <= last) {
            throw e; // the store broke its order; retrying here would loop
          }
          var failure = new ProjectionException(projection.projectionName(), e);
          if (!failed(projection, failure, null)) {
            cursor.failure = failure;
            return failure;
          }
          last = advance(progress, cursor, e.position()); // and read on after it
        }
      }
      // Everything of the schedule up to the head was read: nothing at or below it can appear
      // later. A narrowed job read only part of it, so it moves nothing further.
      if (!narrowed && last < head && !context.cancelled()) {
        advance(progress, cursor, head);
      }
      cursor.failure = null;
      return null;
    } finally {
      lock.unlock();
    }
  }

  private static long advance(@Nullable ProgressAware progress, Cursors.Cursor cursor, long position) {
    if (progress != null) {
      progress.progress(position);
    }
    cursor.position = position;
    return position;
  }

  /**
   * Reports a failure; returns whether the projection moves past the event ({@link
   * FailurePolicy#DEAD_LETTER}). {@code event} is null for an event that could not be decoded.
   */
  private boolean failed(Projection projection, ProjectionException failure, @Nullable Event<?> event) {
    ListenerCalls.safely(() -> context.options().listener().failed(failure));
    if (context.options().failurePolicy() == FailurePolicy.STOP) {
      return false;
    }
    var letter = new DeadLetter(projection.projectionName(), failure, event);
    context.deadLetter(letter, projection);
    ListenerCalls.safely(() -> context.options().listener().deadLettered(letter));
    return true;
  }

  private static void reset(Projection projection, @Nullable ProgressAware progress) {
    if (projection instanceof Resettable r) {
      r.reset();
    } else {
      // Applying every event again to a read model that still holds them would apply them twice.
      throw new IllegalStateException(
          "cannot rebuild projection " + projection.projectionName() + ": it is not Resettable");
    }
    if (progress != null && progress.progress() != 0) {
      throw new IllegalStateException(
          "projection " + projection.projectionName() + " did not set its progress to 0 in"
              + " reset() (it is at " + progress.progress() + ")");
    }
  }

  /**
   * Applies the event unless the guard rejects it; any {@link Throwable} becomes the report (an
   * {@link Error} too: the job reports it and goes on per policy). A failure while the schedule is
   * closing, or caused by an interrupt, is no failure of the projection: it sets {@link
   * #interruption} and returns null, and the caller stops without moving past the event.
   */
  private @Nullable ProjectionException applyWithRetry(
      Projection projection, @Nullable Guarded guard, Event<?> event) {
    RetryPolicy retry = context.options().retryPolicy();
    for (int attempt = 1; ; attempt++) {
      Throwable failure;
      try {
        if (guard == null || guard.accepts(event)) {
          ApplyInterceptor interceptor = context.options().interceptor();
          if (interceptor == ApplyInterceptor.none()) {
            projection.apply(event);
          } else {
            intercepted(interceptor, projection, event, () -> projection.apply(event));
          }
        }
        return null;
      } catch (Throwable e) {
        failure = e;
      }
      if (stopping(failure)) {
        interruption = failure;
        return null;
      }
      if (!(failure instanceof TransientException) || attempt >= retry.maxAttempts()) {
        return new ProjectionException(projection.projectionName(), event, failure);
      }
      try {
        retry.pause(attempt);
      } catch (RuntimeException interrupted) { // the pause's only failure: an interrupt
        interruption = interrupted;
        return null;
      }
    }
  }

  /**
   * Applies the event through {@code interceptor}, holding it to its contract: an interceptor
   * that returns without applying the event, or applies it twice, fails the event (reported like
   * any failure of the projection) instead of moving the projection past an event it never saw.
   * {@code application} is what applying means: {@link Projection#apply}, or for the retry of a
   * dead letter possibly {@link Reapplicable#reapply}.
   */
  static void intercepted(
      ApplyInterceptor interceptor,
      Projection projection,
      Event<?> event,
      ApplyInterceptor.Application application)
      throws Exception {
    var once = new Once(projection, event, application);
    interceptor.intercept(projection, event, once);
    if (!once.ran) {
      throw new IllegalStateException(
          "the schedule's interceptor " + interceptor + " returned without applying " + event
              + " to " + projection.projectionName());
    }
  }

  /** The one application of an event an interceptor runs. */
  private static final class Once implements ApplyInterceptor.Application {
    private final Projection projection;
    private final Event<?> event;
    private final ApplyInterceptor.Application application;
    private boolean ran;

    Once(Projection projection, Event<?> event, ApplyInterceptor.Application application) {
      this.projection = projection;
      this.event = event;
      this.application = application;
    }

    @Override
    public void run() throws Exception {
      if (ran) {
        throw new IllegalStateException(
            "an interceptor applied " + event + " to " + projection.projectionName() + " twice");
      }
      ran = true;
      application.run();
    }
  }

  /** Whether {@code failure} comes from the schedule closing or an interrupt of the job's thread. */
  private boolean stopping(Throwable failure) {
    return context.cancelled() || interrupted(failure);
  }

  /** Whether the thread is interrupted or {@code failure} comes from an interrupt. */
  private static boolean interrupted(Throwable failure) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 32; t = t.getCause(), depth++) {
      if (t instanceof InterruptedException
          || (t instanceof InterruptedIOException && !(t instanceof SocketTimeoutException))
          || t instanceof ClosedByInterruptException) {
        return true;
      }
    }
    return false;
  }
}
