package dev.fabula.postgres;

import dev.fabula.FabulaException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Group commit (ADR 0009): up to {@link #CONCURRENT_WRITES} groups are written at once; batches
 * submitted while that many are in flight wait, and the next writer writes all of them that fit
 * in one go, so many concurrent writers share transactions (one commit, one WAL flush each)
 * instead of queueing for a flush each. A batch that finds a write free is written at once:
 * nothing waits for company.
 *
 * <p>A writer is a submitting thread that got a write; the others park until their batch is
 * written or they are woken to write the next group. Only a lone batch whose own caller got the
 * write is written on the caller's thread; every other group (several batches, or one batch of
 * another caller that the writer found at the head of the queue) is written on a thread no caller
 * owns (see {@link #writeApart}), so that no caller's interrupt reaches another caller's write.
 * What fits together, and how a group is written (and split apart again when it cannot be written
 * whole), is the {@link Writer}'s call.
 *
 * @param <B> a submitted batch
 * @param <R> what writing one batch returns
 */
final class GroupCommit<B, R> {
  /** Writes groups of batches. */
  interface Writer<B, R> {
    /** Whether {@code next} may join the group {@code taken} (never empty). */
    boolean fits(List<B> taken, B next);

    /**
     * Writes {@code group} (one batch or more) and returns each batch's outcome, in order: a
     * result, or the exception its submitter gets.
     */
    List<Outcome<R>> write(List<B> group);

    /**
     * The failure {@code waiting} meets now that {@code written} is stored (it claims what
     * {@code written} took), or null when it may still succeed. Asked about batches still queued
     * after {@code written} committed.
     */
    default @Nullable RuntimeException supersededBy(B written, B waiting) {
      return null;
    }

    /**
     * What the submitter of {@code batch} is told when writing its group failed with {@code error}
     * (not a {@code RuntimeException}) once the group was on its way to {@link #write}: the batch
     * may have been stored, so this should say the outcome is unknown.
     */
    default RuntimeException inFlightFailure(B batch, Throwable error) {
      return new FabulaException("writing events failed: " + error, error);
    }
  }

  /** One batch's outcome: its result, or the failure its submitter throws. */
  record Outcome<R>(@Nullable R result, @Nullable RuntimeException failure) {
    static <R> Outcome<R> of(R result) {
      return new Outcome<>(result, null);
    }

    static <R> Outcome<R> failed(RuntimeException failure) {
      return new Outcome<>(null, failure);
    }
  }

  /** A submitted batch and the thread waiting for it. */
  private static final class Member<B, R> {
    final B batch;
    final Thread thread = Thread.currentThread();
    volatile @Nullable Outcome<R> outcome;

    Member(B batch) {
      this.batch = batch;
    }
  }

  /**
   * How many groups may be written at once. One would make two alternating writers take turns
   * for every commit (measured: a fifth slower than writing concurrently); two lets them overlap
   * as before, and writers beyond two queue and are written in groups.
   */
  static final int CONCURRENT_WRITES = 2;

  private final Writer<B, R> writer;
  private final ConcurrentLinkedQueue<Member<B, R>> queue = new ConcurrentLinkedQueue<>();
  /** The writes free now; package-private so that a test can hold them. */
  final Semaphore writes = new Semaphore(CONCURRENT_WRITES);

  /**
   * Told of every group about to be written: the group, the submitting thread that took it, and
   * the thread that runs the write. A test hook; null in use.
   */
  volatile @Nullable WriteObserver observer;

  /** See {@link #observer}. */
  interface WriteObserver {
    void writing(List<?> group, Thread taker, Thread runner);
  }

  GroupCommit(Writer<B, R> writer) {
    this.writer = writer;
  }

  /**
   * Writes {@code batch}, alone or together with batches submitted concurrently, and returns its
   * result. Waits uninterruptibly once submitted (the batch may be in flight); an interrupt is
   * kept for the caller.
   */
  R submit(B batch) {
    Member<B, R> me = new Member<>(batch);
    queue.add(me);
    boolean interrupted = false;
    Outcome<R> outcome;
    while ((outcome = me.outcome) == null) {
      if (!queue.isEmpty() && writes.tryAcquire()) {
        try {
          writeNextGroup();
        } finally {
          writes.release();
        }
        Member<B, R> next = queue.peek();
        if (next != null) {
          LockSupport.unpark(next.thread); // the next group's writer
        }
      } else {
        LockSupport.park(this); // until written, or woken to write the next group
        interrupted |= Thread.interrupted();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (outcome.failure() != null) {
      throw outcome.failure();
    }
    return outcome.result();
  }

  /** Takes the longest run of queued batches that fit together, writes it, wakes its members. */
  private void writeNextGroup() {
    List<Member<B, R>> members = new ArrayList<>();
    List<B> group = new ArrayList<>();
    synchronized (queue) { // two writers must not split one run between them
      Member<B, R> head;
      while ((head = queue.peek()) != null && (group.isEmpty() || writer.fits(group, head.batch))) {
        queue.poll();
        members.add(head);
        group.add(head.batch);
      }
    }
    if (members.isEmpty()) {
      return;
    }
    List<Outcome<R>> outcomes;
    try {
      // Inline only for the writer's own lone batch: another caller's batch must not depend on
      // this thread's interrupt status (ADR 0009, ADR 0013).
      outcomes = members.size() == 1 && members.get(0).thread == Thread.currentThread()
          ? writeHere(group)
          : writeApart(group);
      if (outcomes.size() != members.size()) {
        throw new IllegalStateException(
            "the writer gave " + outcomes.size() + " outcomes for " + members.size() + " batches");
      }
    } catch (RuntimeException | Error e) {
      // Every member gets the failure; none is left queued behind a writer that gave up. An
      // Error once the write was handed to the writer says nothing of what the server did.
      outcomes = new ArrayList<>();
      for (Member<B, R> m : members) {
        outcomes.add(Outcome.failed(e instanceof RuntimeException r ? r : writer.inFlightFailure(m.batch, e)));
      }
    }
    finish(members, outcomes);
    failSuperseded(members, outcomes);
  }

  /**
   * Fails at once the queued batches that the batches just stored make certain to fail (they
   * claim a version of an aggregate that was just written), instead of sending each to the
   * server for its refusal. Every such round trip held one of the {@link #CONCURRENT_WRITES}
   * writes, so the writers that had already read the new state queued behind batches that could
   * only fail, and read-to-write windows grew until most attempts on a contended aggregate
   * conflicted. Each such batch was submitted before this look at the queue, and the stored
   * batch committed before it, so the stream had moved past the version the batch expects during
   * its submitter's call: the conflict is true. (Only a delete of exactly the versions just
   * stored, by another process, in between could make it one the server would not have
   * reported; a conflict asks the caller to read again and retry, so that costs a retry.)
   */
  private void failSuperseded(List<Member<B, R>> members, List<Outcome<R>> outcomes) {
    List<B> stored = new ArrayList<>(members.size());
    for (int i = 0; i < members.size(); i++) {
      if (outcomes.get(i).failure() == null) {
        stored.add(members.get(i).batch);
      }
    }
    if (stored.isEmpty() || queue.isEmpty()) {
      return;
    }
    List<Member<B, R>> doomed = new ArrayList<>();
    List<Outcome<R>> failures = new ArrayList<>();
    synchronized (queue) { // not taken by a writer meanwhile, not failed twice
      for (Iterator<Member<B, R>> it = queue.iterator(); it.hasNext(); ) {
        Member<B, R> m = it.next();
        for (B written : stored) {
          RuntimeException failure = writer.supersededBy(written, m.batch);
          if (failure != null) {
            it.remove();
            doomed.add(m);
            failures.add(Outcome.failed(failure));
            break;
          }
        }
      }
    }
    finish(doomed, failures);
  }

  /**
   * Writes a group of several callers' batches on a thread of its own, and waits for it without
   * heeding interrupts. The submitting thread that got the write is one of the callers: were it to
   * run the statement itself, its interrupt (which closes a virtual thread's socket) would break
   * the others' write. The same holds for a lone batch of another caller that this thread found at
   * the head of the queue (on a hot aggregate every group is one batch). Only a lone batch written
   * by its own caller runs on the caller's thread: only its own outcome is at stake, and the store
   * settles that after a broken connection.
   */
  private List<Outcome<R>> writeApart(List<B> group) {
    CompletableFuture<List<Outcome<R>>> done = new CompletableFuture<>();
    Thread taker = Thread.currentThread();
    Thread.ofVirtual().name("fabula-group-commit").start(() -> {
      try {
        WriteObserver o = observer;
        if (o != null) {
          o.writing(group, taker, Thread.currentThread());
        }
        done.complete(writer.write(group));
      } catch (Throwable t) { // handed to the waiting caller, which fails every member with it
        done.completeExceptionally(t);
      }
    });
    try {
      return done.join(); // uninterruptible: the group is in flight
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new FabulaException("writing events failed: " + cause, cause);
    }
  }

  /** Writes the current thread's own lone batch on this thread. */
  private List<Outcome<R>> writeHere(List<B> group) {
    WriteObserver o = observer;
    if (o != null) {
      o.writing(group, Thread.currentThread(), Thread.currentThread());
    }
    return writer.write(group);
  }

  private static <B, R> void finish(List<Member<B, R>> members, List<Outcome<R>> outcomes) {
    for (int i = 0; i < members.size(); i++) {
      Member<B, R> m = members.get(i);
      m.outcome = outcomes.get(i);
      if (m.thread != Thread.currentThread()) {
        LockSupport.unpark(m.thread);
      }
    }
  }
}
