package dev.fabula.projection;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Where one subscription of a schedule stands: the projections its jobs apply and where its jobs
 * read up to, for status and {@link Schedule#awaitCaughtUp}. Written by the subscription's job
 * thread, read from any thread.
 */
final class SubscriptionProgress {
  /** A projection (or the subscription itself) short of a target position. */
  record Behind(String name, long position, @Nullable Throwable failure) {}

  private final Cursors cursors;
  /**
   * The projections this subscription's jobs apply: those of its last successful job, and of jobs
   * since (a projection built for each job must not stay behind here after its job).
   */
  private final Set<Cursors.Cursor> applied = ConcurrentHashMap.newKeySet();
  /** The projections the running job met (job thread only). */
  private final Set<Cursors.Cursor> met = new HashSet<>();
  /** Where {@link Job#events()} starts: the head of the last whole, un-narrowed job. */
  private volatile long cursor;
  private volatile long head;

  SubscriptionProgress(Cursors cursors) {
    this.cursors = cursors;
  }

  /** Where the next un-narrowed job starts reading. */
  long cursor() {
    return cursor;
  }

  /** The head of the running (or last) job. */
  long head() {
    return head;
  }

  /** The running job reads up to {@code position}. */
  void head(long position) {
    head = position;
  }

  /** A job starts: it has met no projection yet. */
  void jobStarting() {
    met.clear();
  }

  /**
   * Where {@code projection} stands in the schedule (one not met yet starts at {@code start}); the
   * running job met it.
   */
  Cursors.Cursor cursor(Projection projection, long start) {
    Cursors.Cursor c = cursors.of(projection, start);
    met.add(c);
    applied.add(c);
    return c;
  }

  /**
   * The job's handler returned: the projections of this job are the subscription's now (one built
   * for an earlier job only is no longer anyone's read model), and an un-narrowed job moves the
   * cursor to its head.
   */
  void jobSucceeded(boolean narrowed) {
    applied.retainAll(met);
    if (!narrowed) {
      cursor = Math.max(cursor, head);
    }
  }

  /** The job ended, however: forget what it met and the projections collected since. */
  void jobEnded() {
    met.clear();
    applied.removeIf(c -> !c.live());
  }

  /** Where the subscription stands: its slowest projection, or where its jobs read up to. */
  long position() {
    long min = Long.MAX_VALUE;
    for (Cursors.Cursor c : applied) {
      if (c.live()) {
        min = Math.min(min, c.position);
      }
    }
    return min == Long.MAX_VALUE ? cursor : min;
  }

  /** The first projection (or the subscription itself) short of {@code target}, or null. */
  @Nullable Behind behind(long target) {
    boolean any = false;
    for (Cursors.Cursor c : applied) {
      if (c.live()) {
        any = true;
        if (c.position < target) {
          return new Behind(c.name, c.position, c.failure);
        }
      }
    }
    if (!any && cursor < target) {
      return new Behind("(subscription of a job handler)", cursor, null);
    }
    return null;
  }

  /** How many projections are tracked (for tests). */
  int tracked() {
    return applied.size();
  }
}
